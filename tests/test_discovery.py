"""Discovery against real servers on loopback: dnsmasq, nginx, automx2, Dovecot.

Every source, every trust rule, and the misbehaving web and mail servers the issue names.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.support import discovery_world as w
from tests.support.fake_servers import NoStartTlsSmtp, WordOnlyStartTlsImap
from tests.support.unbound_server import UnboundServer, unbound_available
from wizard.checks.model import CancelToken
from wizard.discovery.model import DiscoveryResult, Lookup, Outcome
from wizard.discovery.net import Network
from wizard.discovery.probe import Candidate, ProbeResult, probe_candidate
from wizard.discovery.race import discover
from wizard.services import Security, Service
from wizard.trust import OriginKind

HUGE = b"<clientConfig>" + b"<!-- padding -->" * 20_000 + b"</clientConfig>"


@pytest.fixture(scope="module")
def world(test_ca: trustme.CA) -> Iterator[w.World]:
    yield from w.running_world(test_ca)


def run(world: w.World, address: str, **kwargs: object) -> DiscoveryResult:
    return discover(
        address,
        world.options(),
        network=world.network(),
        ispdb_url=world.ispdb,
        **kwargs,  # type: ignore[arg-type]
    )


def lookup(result: DiscoveryResult, kind: OriginKind, where: str = "") -> Lookup:
    return next(x for x in result.lookups if x.kind is kind and where in x.where)


# -- each source ------------------------------------------------------------------------------


def test_https_autoconfig_wins_trusted_and_ends_autodiscover_at_once(world: w.World) -> None:
    result = run(world, "joe@auto.test")
    assert result.trusted and result.settings is not None
    s = result.settings
    assert (s.imap.hostname, s.imap.port, s.imap.security) == ("imap.auto.test", 993, Security.TLS)
    assert (s.smtp.hostname, s.smtp.port) == ("smtp.auto.test", 587)
    assert s.imap.origin.kind is OriginKind.AUTOCONFIG
    assert s.imap.origin.where == "https://autoconfig.auto.test/mail/config-v1.1.xml"
    assert s.imap.username == "joe@auto.test"
    # The Autodiscover host drops packets: ended at once, never waited for.
    silent = lookup(result, OriginKind.AUTODISCOVER, "https://autodiscover.auto.test")
    assert silent.outcome is Outcome.CANCELLED
    assert result.elapsed_ms < 1500


def test_the_address_goes_over_https_to_its_own_domain_only(world: w.World) -> None:
    run(world, "privacy@auto.test")
    asked = [line.split(" ")[0] for line in world.web.requests() if "privacy" in line]
    assert "https://autoconfig.auto.test" in asked
    assert set(asked) <= {"https://autoconfig.auto.test", "https://auto.test"}


def test_well_known_is_found_when_autoconfig_host_does_not_exist(world: w.World) -> None:
    result = run(world, "ann@wk.test")
    assert result.trusted and result.settings is not None
    assert result.settings.imap.origin.kind is OriginKind.WELL_KNOWN
    assert result.settings.smtp.port == 465
    missing = lookup(result, OriginKind.AUTOCONFIG, "https://autoconfig")
    assert missing.outcome is Outcome.NONE and "no address" in missing.detail


def test_automx2_autoconfig_needs_the_address_and_gets_it(world: w.World) -> None:
    result = run(world, "bob@ad.test")
    assert result.trusted and result.settings is not None
    s = result.settings
    assert s.imap.origin.kind is OriginKind.AUTOCONFIG  # automx2 serves both; autoconfig ranks
    assert (s.imap.hostname, s.imap.port, s.imap.security) == ("mail.ad.test", 993, Security.TLS)
    assert (s.smtp.port, s.smtp.security) == (587, Security.STARTTLS)
    # automx2 writes <authentication>plain</authentication>: read as Thunderbird reads it.
    assert s.imap.authentication == "password-cleartext"


def test_autodiscover_post_is_read_from_automx2(world: w.World) -> None:
    from wizard.discovery.autodiscover import lookup_autodiscover_post

    found = lookup_autodiscover_post(
        world.network(),
        url="https://autodiscover.ad.test/autodiscover/autodiscover.xml",
        domain="ad.test",
        address="bob@ad.test",
        rank=3,
        cancel=CancelToken(),
        end=time.monotonic() + 5,
    )
    assert found.outcome is Outcome.FOUND and found.trusted and found.settings
    assert found.settings.imap.hostname == "mail.ad.test"
    # automx2 sends Encryption=TLS for 587 (STARTTLS) beside SSL: Encryption wins.
    assert found.settings.smtp.security is Security.STARTTLS
    # The fields as published, for the audit.
    assert "Encryption=TLS" in found.facts["protocol SMTP"]
    assert found.settings.imap.security is Security.TLS


def test_autodiscover_http_redirect_is_followed_to_https_in_the_domain_only(
    world: w.World,
) -> None:
    from wizard.discovery.autodiscover import lookup_autodiscover_redirect

    found = lookup_autodiscover_redirect(
        world.network(),
        domain="ad2.test",
        address="amy@ad2.test",
        rank=3,
        cancel=CancelToken(),
        end=time.monotonic() + 5,
    )
    assert found.outcome is Outcome.FOUND and found.trusted and found.settings
    assert found.settings.imap.origin.where == "https://web.ad2.test/autodiscover/autodiscover.xml"
    # Nothing but the GET went over plain HTTP.
    plain = [line for line in world.web.requests() if line.startswith("http://autodiscover.ad2")]
    assert plain and all('"GET ' in line for line in plain)


def test_autodiscover_redirect_url_is_followed_once_inside_the_domain(world: w.World) -> None:
    from wizard.discovery.autodiscover import lookup_autodiscover_post

    found = lookup_autodiscover_post(
        world.network(),
        url="https://adr.test/autodiscover/autodiscover.xml",
        domain="adr.test",
        address="amy@adr.test",
        rank=3,
        cancel=CancelToken(),
        end=time.monotonic() + 5,
    )
    assert found.outcome is Outcome.FOUND and found.trusted and found.settings
    assert found.settings.imap.origin.where == "https://web.adr.test/autodiscover/autodiscover.xml"


def test_autodiscover_srv_target_in_the_domain_gets_the_post(world: w.World) -> None:
    from wizard.discovery.autodiscover import lookup_autodiscover_srv

    found = lookup_autodiscover_srv(
        world.network(),
        domain="ad3.test",
        address="amy@ad3.test",
        rank=3,
        cancel=CancelToken(),
        end=time.monotonic() + 5,
    )
    assert found.outcome is Outcome.FOUND and found.trusted and found.settings
    assert found.settings.smtp.hostname == "mail.ad.test"


def test_autodiscover_srv_target_in_another_domain_never_gets_the_address(
    world: w.World,
) -> None:
    from wizard.discovery.autodiscover import lookup_autodiscover_srv

    before = len(world.web.requests())
    found = lookup_autodiscover_srv(
        world.network(),
        domain="ad4.test",
        address="amy@ad4.test",
        rank=3,
        cancel=CancelToken(),
        end=time.monotonic() + 5,
    )
    assert found.outcome is Outcome.SKIPPED and "not sent" in found.detail
    assert len(world.web.requests()) == before


def test_srv_inside_the_domain_is_trusted_with_sieve(world: w.World) -> None:
    result = run(world, "sam@srv.test")
    assert result.trusted and result.settings is not None
    s = result.settings
    assert s.imap.origin.kind is OriginKind.SRV
    assert (s.imap.hostname, s.imap.port, s.imap.security) == ("mail.srv.test", 993, Security.TLS)
    assert (s.smtp.port, s.smtp.security) == (587, Security.STARTTLS)
    assert s.sieve is not None and s.sieve.port == 4190
    assert "_imaps._tcp.srv.test" in s.imap.origin.where


def test_srv_pointing_to_another_domain_without_dnssec_is_untrusted(world: w.World) -> None:
    result = run(world, "sue@srvout.test")
    assert result.ok and not result.trusted and result.settings is not None
    assert result.settings.imap.origin.kind is OriginKind.SRV
    assert "hoster.example" in result.settings.imap.origin.why


def test_probing_finds_the_servers_by_a_verified_tls_session(world: w.World) -> None:
    result = run(world, "pat@probe.test")
    assert result.trusted and result.settings is not None
    s = result.settings
    assert s.imap.origin.kind is OriginKind.PROBE
    # Implicit TLS preferred where both verify (RFC 8314).
    assert (s.imap.hostname, s.imap.port, s.imap.security) == ("imap.probe.test", 993, Security.TLS)
    assert (s.smtp.hostname, s.smtp.port, s.smtp.security) == ("smtp.probe.test", 465, Security.TLS)
    assert s.sieve is not None and s.sieve.hostname == "imap.probe.test"
    assert result.elapsed_ms < 5000


def test_probing_refuses_a_certificate_for_another_name(world: w.World) -> None:
    from wizard.discovery.probe import Candidate, probe_candidate
    from wizard.services import Service

    net = world.network()
    # The Dovecot certificate does not name mail.probe.test (the name resolves, TLS completes).
    good = probe_candidate(
        net,
        Candidate(Service.IMAP, "imap.probe.test", 143, Security.STARTTLS),
        CancelToken(),
        time.monotonic() + 5,
    )
    assert good.ok and "STARTTLS verified" in good.detail
    bad = probe_candidate(
        net,
        Candidate(Service.IMAP, "auto.test", 993, Security.TLS),
        CancelToken(),
        time.monotonic() + 5,
    )
    assert not bad.ok and "certificate" in bad.detail


def test_ispdb_is_asked_with_the_domain_only(world: w.World) -> None:
    result = run(world, "ivy@isp.test")
    assert result.trusted and result.settings is not None
    assert result.settings.imap.origin.kind is OriginKind.ISPDB
    assert result.settings.imap.username == "ivy"  # %EMAILLOCALPART%
    assert not [line for line in world.web.requests() if "ivy" in line]


def test_ispdb_naming_servers_in_another_domain_is_untrusted(world: w.World) -> None:
    result = run(world, "eve@elsewhere.test")
    assert result.ok and not result.trusted
    assert "hoster.example" in lookup(result, OriginKind.ISPDB).why


def test_mx_derived_settings_are_untrusted_without_dnssec(world: w.World) -> None:
    result = run(world, "max@mxd.test")
    assert result.ok and not result.trusted and result.settings is not None
    assert result.settings.imap.origin.kind is OriginKind.MX
    assert result.settings.imap.hostname == "mail.hoster.example"
    assert "DNSSEC" in result.settings.imap.origin.why
    assert result.server_domains == ("hoster.example",)  # what the person confirms
    # The MX's domain got the domain at most, never the address.
    assert not [line for line in world.web.requests() if "max@" in line or "max%40" in line]


def test_plain_http_autoconfig_is_untrusted_and_gets_no_address(world: w.World) -> None:
    result = run(world, "hal@http.test")
    assert result.ok and not result.trusted and result.settings is not None
    assert result.settings.imap.origin.where.startswith("http://")
    assert "plain HTTP" in result.settings.imap.origin.why
    assert not [
        line for line in world.web.requests() if line.startswith("http:") and "hal@" in line
    ]


def test_pop_only_provider_is_reported_as_such(world: w.World) -> None:
    result = run(world, "pop@pop.test")
    found = lookup(result, OriginKind.AUTOCONFIG, "https://")
    assert found.outcome is Outcome.NONE and "POP3 only" in found.detail


# -- hostile web servers ---------------------------------------------------------------------


def test_a_redirect_to_another_domain_never_carries_the_address(world: w.World) -> None:
    result = run(world, "rex@redir.test")
    found = lookup(result, OriginKind.AUTOCONFIG, "https://autoconfig.redir.test")
    assert found.outcome is Outcome.ERROR and "another domain" in found.detail
    # The plain-HTTP variant carries no address, so its redirect is followed: the answer is
    # shown with the other domain named, and untrusted.
    assert result.ok and not result.trusted and result.settings is not None
    assert "redirected to hoster.example" in result.settings.imap.origin.why
    assert not [line for line in world.web.requests() if "rex@" in line and "hoster" in line]


def test_redirect_loop_huge_and_invalid_documents_are_errors(world: w.World) -> None:
    for address, words in (
        ("a@loop.test", "redirect loop"),
        ("a@huge.test", "larger than"),
        ("a@bad.test", "not well-formed"),
    ):
        result = run(world, address)
        found = lookup(result, OriginKind.AUTOCONFIG, "https://")
        assert found.outcome is Outcome.ERROR, address
        assert words in found.detail, (address, found.detail)
        assert not result.ok


def test_a_certificate_for_another_name_is_an_error_and_no_address_is_sent(
    world: w.World,
) -> None:
    result = run(world, "certless@nocert.test")
    found = lookup(result, OriginKind.AUTOCONFIG, "https://")
    assert found.outcome is Outcome.ERROR and "certificate not valid" in found.detail
    assert not [line for line in world.web.requests() if "certless@" in line]


def test_nothing_found_ends_quickly_when_everything_refuses(world: w.World) -> None:
    t0 = time.monotonic()
    result = run(world, "x@refuse.test")
    # SRV points in-domain to a real server: found; the refusing web server cost nothing.
    assert result.trusted
    assert lookup(result, OriginKind.AUTOCONFIG, "https://").detail.endswith(
        "refused the connection"
    )
    assert time.monotonic() - t0 < 5


def test_nothing_at_all_ends_within_5_seconds(world: w.World) -> None:
    t0 = time.monotonic()
    result = run(world, "x@nothing.test")
    assert not result.ok
    assert time.monotonic() - t0 < 5


def test_a_silently_dropping_web_server_and_mail_ports_end_within_8_seconds(
    world: w.World,
) -> None:
    t0 = time.monotonic()
    result = run(world, "x@drop.test")
    elapsed = time.monotonic() - t0
    assert elapsed < 8
    # The SRV answer (in-domain, trusted) waited for the higher-ranked autoconfig, whose web
    # server drops packets, only until that look-up's bound.
    assert result.settings is not None and result.settings.imap.origin.kind is OriginKind.SRV
    autoconfig = lookup(result, OriginKind.AUTOCONFIG, "https://")
    assert autoconfig.outcome is Outcome.ERROR and "did not answer" in autoconfig.detail


def test_a_slow_web_server_is_cut_off_by_the_bound(world: w.World) -> None:
    t0 = time.monotonic()
    result = run(world, "x@slow.test")
    assert time.monotonic() - t0 < 8
    assert lookup(result, OriginKind.AUTOCONFIG, "https://").outcome is Outcome.ERROR


def test_stop_ends_discovery_within_200_ms(world: w.World) -> None:
    cancel = CancelToken()
    box: dict[str, DiscoveryResult] = {}
    t = threading.Thread(target=lambda: box.update(r=run(world, "x@drop.test", cancel=cancel)))
    t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    cancel.cancel()
    t.join(2)
    assert time.monotonic() - t0 < 0.2
    assert box["r"].cancelled and not box["r"].ok


def test_listener_hears_each_lookup_as_it_ends(world: w.World) -> None:
    heard: list[Lookup] = []
    result = run(world, "joe@auto.test", listener=heard.append)
    assert heard and heard[0].ms <= heard[-1].ms + 1
    assert {x.where for x in heard} == {x.where for x in result.lookups}


def test_the_provider_file_wins_with_no_network_at_all(world: w.World, tmp_path: Path) -> None:
    from wizard.provider import parse_provider

    provider = parse_provider(
        w.client_config("auto.test", ("it.auto.test", 993, "SSL"), ("it.auto.test", 465, "SSL"))
    )
    before = len(world.web.requests())
    result = discover("joe@auto.test", world.options(), network=world.network(), provider=provider)
    assert result.trusted and result.settings is not None
    assert result.settings.imap.hostname == "it.auto.test"
    assert result.settings.imap.origin.kind is OriginKind.PROVIDER
    assert len(world.web.requests()) == before


# -- DNSSEC: a real validating resolver (unbound) -------------------------------------------


@pytest.fixture(scope="module")
def validating(world: w.World) -> Iterator[Network]:
    """unbound validating a zone signed for the test, everything else from the world's dnsmasq."""
    if not unbound_available():
        pytest.skip("unbound is not installed (see tests/run_all.sh)")
    root = Path(tempfile.mkdtemp(prefix="wizard-unbound-"))
    records = [
        "_imaps._tcp SRV 0 1 993 mail.hoster.example.",
        "_submissions._tcp SRV 0 1 465 mail.hoster.example.",
        "@ MX 10 mx1.hoster.example.",
    ]
    server = UnboundServer(root, "signed.test", records, world.dns.address).start()
    try:
        net = world.network()
        net.dns_server = server.address
        yield net
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_srv_to_another_domain_is_trusted_when_dnssec_validated(
    world: w.World, validating: Network
) -> None:
    result = discover("sue@signed.test", world.options(), network=validating, ispdb_url=world.ispdb)
    assert result.trusted and result.settings is not None
    assert result.settings.imap.origin.kind is OriginKind.SRV
    assert result.settings.imap.hostname == "mail.hoster.example"
    assert "DNSSEC" in result.settings.imap.origin.why


def test_mx_derived_settings_are_trusted_when_the_mx_answer_is_dnssec_validated(
    world: w.World, validating: Network
) -> None:
    from wizard.discovery.mx import lookup_mx

    found = lookup_mx(
        validating,
        domain="signed.test",
        address="max@signed.test",
        ispdb_base=world.ispdb,
        rank=6,
        cancel=CancelToken(),
        end=time.monotonic() + 5,
    )
    assert found.outcome is Outcome.FOUND and found.trusted and found.settings
    assert found.settings.imap.hostname == "mail.hoster.example"
    assert found.facts["dnssec"] == "true"


# -- STARTTLS that is only a word (hand-written: no real server misbehaves like this) -----------


def _probe_via(world: w.World, port: int, service: Service, real_port: int) -> ProbeResult:
    net = world.network()
    net.test_ports = {**world.ports, (w.LOOP, real_port): (w.LOOP, port)}
    host = "imap.probe.test" if service is Service.IMAP else "smtp.probe.test"
    candidate = Candidate(service, host, real_port, Security.STARTTLS)
    return probe_candidate(net, candidate, CancelToken(), time.monotonic() + 3)


def test_a_starttls_yes_without_a_real_upgrade_does_not_count(world: w.World) -> None:
    with WordOnlyStartTlsImap(b"* OK still plain text\r\n") as fake:
        result = _probe_via(world, fake.port, Service.IMAP, 143)
    # The injected line is dropped with everything read before TLS; no handshake follows.
    assert not result.ok and result.certificate_names == ()


def test_a_starttls_yes_followed_by_no_handshake_does_not_count(world: w.World) -> None:
    with WordOnlyStartTlsImap(b"") as fake:
        result = _probe_via(world, fake.port, Service.IMAP, 143)
    assert not result.ok


def test_smtp_without_starttls_does_not_count(world: w.World) -> None:
    with NoStartTlsSmtp() as fake:
        result = _probe_via(world, fake.port, Service.SMTP, 587)
    assert not result.ok and "does not offer STARTTLS" in result.detail
    assert not any(line.upper().startswith(b"AUTH") for line in fake.received)
