"""The audit against a domain published with the kit (real nginx with the kit's snippets, real
dnsmasq with its zone lines, the real Dovecot under the provider's names and the usual ports):
every item is reported right and every program that can find settings finds the provider's."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator

import pytest
import trustme

from tests.support.dovecot_server import DovecotServer
from tests.support.kit_site import KitSite, published_site
from wizard.audit.model import AuditResult
from wizard.audit.ports import Route
from wizard.audit.run import Gather, run_audit
from wizard.audit.sources import gather
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.provider import Provider, parse_provider

DOMAIN = "sepheo.co"
MAIL_HOST = "my.sepheo.co"


def kit_provider() -> Provider:
    def server(tag: str, port: int, socket_type: str) -> str:
        end = tag.split()[0]
        return (
            f"<{tag}><hostname>{MAIL_HOST}</hostname><port>{port}</port>"
            f"<socketType>{socket_type}</socketType><username>%EMAILADDRESS%</username>"
            f"<authentication>password-cleartext</authentication></{end}>"
        )

    xml = f"""<clientConfig version="1.1"><emailProvider id="{DOMAIN}">
      <domain>{DOMAIN}</domain><displayName>Sepheo Mail</displayName>
      {server('incomingServer type="imap"', 993, "SSL")}
      {server('outgoingServer type="smtp"', 587, "STARTTLS")}
      {server("manageSieveServer", 4190, "STARTTLS")}
      <branding><organization>Sepheo</organization></branding>
    </emailProvider></clientConfig>"""
    return parse_provider(xml.encode())


@pytest.fixture(scope="module")
def mail_server(dovecot_factory: Callable[..., DovecotServer]) -> DovecotServer:
    return dovecot_factory(cert_hosts=(MAIL_HOST,), hostname=MAIL_HOST)


@pytest.fixture(scope="module")
def site(test_ca: trustme.CA) -> Iterator[KitSite]:
    yield from published_site(
        test_ca, kit_provider(), DOMAIN, MAIL_HOST, prefix="wizard-audit-kit-"
    )


def ports_for(site: KitSite, mail: DovecotServer) -> dict[tuple[str, int], tuple[str, int]]:
    """The usual ports of 127.0.0.1, where the test servers really listen on loopback."""
    ports = {
        993: mail.imap_port,
        143: mail.imap_starttls_port,
        587: mail.submission_port,
        465: mail.submissions_port,
        4190: mail.sieve_port,
        443: site.nginx.https_port,
        80: site.nginx.http_port,
    }
    return {("127.0.0.1", usual): ("127.0.0.1", real) for usual, real in ports.items()}


def route_for(site: KitSite, mail: DovecotServer) -> Route:
    ports = ports_for(site, mail)
    return lambda addr: ports.get(addr, addr)


def gather_for(site: KitSite, mail: DovecotServer) -> Gather:
    # The ISPDB is the kit's own nginx here (it answers 404: no entry), never the real one.
    ispdb = f"https://autoconfig.{DOMAIN}/v1.1/"
    return functools.partial(gather, test_ports=ports_for(site, mail), ispdb_url=ispdb)


def options_for(site: KitSite, mail: DovecotServer) -> CheckOptions:
    return CheckOptions(timeout=3.0, ca_file=mail.ca_pem, dns_server=site.dns_spec)


def _audit(site: KitSite, mail: DovecotServer) -> AuditResult:
    return run_audit(
        DOMAIN,
        options_for(site, mail),
        gather_for(site, mail),
        provider=kit_provider(),
        route=route_for(site, mail),
    )


def test_audit_of_the_kits_domain_finds_every_srv_record_and_port_right(
    site: KitSite, mail_server: DovecotServer
) -> None:
    result = _audit(site, mail_server)
    findings = {f.id: f for f in result.findings}
    for label in ("_imaps", "_imap", "_submissions", "_submission", "_sieve", "_autodiscover"):
        assert findings[f"srv.{label}"].ok is True, findings[f"srv.{label}"]
    for port in (993, 587, 4190):
        finding = findings[f"port.{MAIL_HOST}.{port}"]
        assert finding.ok is True, finding
        assert "valid for this name" in finding.found
    assert result.elapsed_ms < 10_000


def test_audit_of_the_kits_domain_finds_every_source_right_and_every_program_served(
    site: KitSite, mail_server: DovecotServer
) -> None:
    result = _audit(site, mail_server)
    findings = {f.id: f for f in result.findings}
    for source in (
        "autoconfig.https",
        "autoconfig.https.no-address",
        "well-known.https",
        "well-known.https.no-address",
        "autoconfig.http",  # only a redirect to HTTPS
        "well-known.http",
        "autodiscover.domain",
        "autodiscover.host",
        "autodiscover.redirect",
        "autodiscover.srv",
        "agreement.sources",
    ):
        assert findings[source].ok is True, findings[source]
    for source in ("autodiscover.domain", "autodiscover.host"):
        assert findings[f"{source}.encryption"].ok is True, findings[f"{source}.encryption"]
    wrong = [f for f in result.findings if f.ok is False]
    # Dovecot offers a login before STARTTLS to a client on its own address (loopback only).
    assert all(f.id.endswith(".plain-login") for f in wrong), wrong
    programs = {p.program: p for p in result.programs}
    for name in (
        "Thunderbird (desktop)",
        "Thunderbird for Android",
        "Outlook (classic)",
        "new Outlook",
    ):
        assert programs[name].ok is True, programs[name]
        assert programs[name].will_use is not None
        assert programs[name].will_use.imap.hostname == MAIL_HOST
    assert programs["Apple Mail (macOS, iOS)"].ok is None
    assert result.ok
    assert result.elapsed_ms < 10_000


def test_the_audit_reads_the_autodiscover_answer_as_written(
    site: KitSite, mail_server: DovecotServer
) -> None:
    """SSL and Encryption as the kit wrote them, for Outlook's reading (not discovery's)."""
    gathered = gather_for(site, mail_server)(
        DOMAIN, options_for(site, mail_server), CancelToken(), time.monotonic() + 8
    )
    for source in ("autodiscover.domain", "autodiscover.host", "autodiscover.srv"):
        assert set(gathered.autodiscover[source]) == {
            ("IMAP", 993, "on", "SSL"),
            ("SMTP", 587, "on", "TLS"),
        }, source
    assert set(gathered.authentication["autoconfig.https"]) == {"password-cleartext"}
