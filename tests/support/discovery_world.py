"""The little Internet the discovery tests run against, all on loopback.

dnsmasq answers A, MX and SRV for the test domains (and nothing else); nginx serves each
domain's published files over HTTPS with the test CA (and plain HTTP); automx2 sits behind nginx
for ``ad.test``; a real Dovecot answers IMAP, submission and ManageSieve with a certificate for
the mail host names. Real ports (443, 993...) are mapped to the loopback ports the servers got
through the discovery network's test-only port map.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.support.automx2_server import Automx2Server, automx2_available
from tests.support.dns_server import DnsServer, dnsmasq_available
from tests.support.dovecot_server import DovecotServer, dovecot_available
from tests.support.fake_servers import blackhole_port, silent_server
from tests.support.nginx_server import NginxServer, Site, nginx_available
from wizard.checks.options import CheckOptions
from wizard.checks.tls import RunTrust
from wizard.discovery.net import Network

LOOP = "127.0.0.1"
# Names that resolve to an address where nothing listens (a refusal) or where the port drops.
REFUSING = "127.0.0.7"
DROPPING = "127.0.0.6"
SLOW = "127.0.0.5"

MAIL_HOSTS = (
    "imap.auto.test",
    "smtp.auto.test",
    "mail.wk.test",
    "mail.srv.test",
    "imap.probe.test",
    "smtp.probe.test",
    "mail.hoster.example",
    "mail.ad.test",
    "mail.refuse.test",
    "mail.sepheo.co",
)


def client_config(
    domain: str,
    imap: tuple[str, int, str],
    smtp: tuple[str, int, str],
    *,
    username: str = "%EMAILADDRESS%",
    authentication: str = "password-cleartext",
    extra_incoming: str = "",
) -> bytes:
    """An autoconfig document the way providers publish it (no app extensions)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="{domain}">
    <domain>{domain}</domain>
    <displayName>{domain} mail</displayName>
    {extra_incoming}
    <incomingServer type="imap">
      <hostname>{imap[0]}</hostname><port>{imap[1]}</port><socketType>{imap[2]}</socketType>
      <username>{username}</username><authentication>{authentication}</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{smtp[0]}</hostname><port>{smtp[1]}</port><socketType>{smtp[2]}</socketType>
      <username>{username}</username><authentication>{authentication}</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
""".encode()


CONFIG = "/mail/config-v1.1.xml"
WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"


def sites(automx2_port: int, huge: bytes, dovecot: DovecotServer) -> dict[str, Site]:
    proxy = f"""
    location / {{
      proxy_pass http://127.0.0.1:{automx2_port};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Prefix /;
    }}"""
    auto = client_config(
        "auto.test", ("imap.auto.test", 993, "SSL"), ("smtp.auto.test", 587, "STARTTLS")
    )
    # For diagnose: the Dovecot test users are @sepheo.co, its ports are loopback ports.
    sepheo = client_config(
        "sepheo.co",
        ("mail.sepheo.co", dovecot.imap_port, "SSL"),
        ("mail.sepheo.co", dovecot.submission_port, "STARTTLS"),
    )
    return {
        "autoconfig.sepheo.co": Site({CONFIG: sepheo}),
        "autoconfig.auto.test": Site({CONFIG: auto}),
        # The benchmark's autoconfig domain: a web site without Autodiscover, no autodiscover.
        "autoconfig.benchac.test": Site({CONFIG: auto}),
        "benchac.test": Site(),
        # The domain itself: a web site that has no Autodiscover (404), as most have.
        "auto.test": Site(),
        "wk.test": Site(
            {
                WELL_KNOWN: client_config(
                    "wk.test", ("mail.wk.test", 993, "SSL"), ("mail.wk.test", 465, "SSL")
                )
            }
        ),
        "autoconfig.ad.test": Site(directives=proxy),
        "autodiscover.ad.test": Site(directives=proxy),
        # Outlook's third try: plain HTTP, read only for its redirect to HTTPS in the domain.
        "autodiscover.ad2.test": Site(
            directives="return 302 https://web.ad2.test/autodiscover/autodiscover.xml;"
        ),
        "web.ad2.test": Site(directives=proxy),
        "web.ad3.test": Site(directives=proxy),
        # An Autodiscover answer that says "ask over there" (Action redirectUrl), as Exchange
        # front ends send; the place it names is automx2.
        "adr.test": Site(
            directives=(
                "location = /autodiscover/autodiscover.xml {\n"
                "      default_type text/xml;\n"
                "      return 200 '<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
                'autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft'
                '.com/exchange/autodiscover/outlook/responseschema/2006a"><Account>'
                "<Action>redirectUrl</Action><RedirectUrl>https://web.adr.test/autodiscover/"
                "autodiscover.xml</RedirectUrl></Account></Response></Autodiscover>';\n"
                "    }"
            )
        ),
        "web.adr.test": Site(directives=proxy),
        "autoconfig.http.test": Site(
            {
                CONFIG: client_config(
                    "http.test", ("imap.http.test", 993, "SSL"), ("smtp.http.test", 465, "SSL")
                )
            },
            directives='if ($https = "on") { return 404; }',
        ),
        "autoconfig.hoster.example": Site(
            {
                CONFIG: client_config(
                    "hoster.example",
                    ("mail.hoster.example", 993, "SSL"),
                    ("mail.hoster.example", 587, "STARTTLS"),
                )
            }
        ),
        # A domain whose mail is hosted elsewhere, and says so over HTTPS (issue 27's hook).
        "autoconfig.hosted.test": Site(
            {
                CONFIG: client_config(
                    "hosted.test",
                    ("mail.hoster.example", 993, "SSL"),
                    ("mail.hoster.example", 587, "STARTTLS"),
                )
            }
        ),
        "autoconfig.redir.test": Site(
            directives="return 302 https://autoconfig.hoster.example$request_uri;"
        ),
        "autoconfig.loop.test": Site(
            directives=(
                f"location = {CONFIG} {{ return 302 /again; }}\n"
                f"    location = /again {{ return 302 {CONFIG}; }}"
            )
        ),
        "autoconfig.huge.test": Site({CONFIG: huge}),
        "autoconfig.bad.test": Site({CONFIG: b"<clientConfig><emailProvider id='x'><domain>"}),
        "autoconfig.pop.test": Site(
            {
                CONFIG: b"""<clientConfig version="1.1"><emailProvider id="pop.test">
<domain>pop.test</domain><displayName>POP</displayName>
<incomingServer type="pop3"><hostname>pop.pop.test</hostname><port>995</port>
<socketType>SSL</socketType><username>%EMAILLOCALPART%</username></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.pop.test</hostname><port>465</port>
<socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>"""
            }
        ),
        "ispdb.test": Site(
            {
                "/v1.1/isp.test": client_config(
                    "isp.test",
                    ("imap.isp.test", 993, "SSL"),
                    ("smtp.isp.test", 465, "SSL"),
                    username="%EMAILLOCALPART%",
                ),
                "/v1.1/elsewhere.test": client_config(
                    "elsewhere.test",
                    ("mail.hoster.example", 993, "SSL"),
                    ("mail.hoster.example", 465, "SSL"),
                ),
            }
        ),
    }


def automx2_seed() -> dict[str, object]:
    return {
        "version": 2,
        "provider": "AD Test Mail",
        "domains": [
            {"name": "ad.test"},
            {"name": "ad2.test"},
            {"name": "ad3.test"},
            {"name": "adr.test"},
        ],
        "servers": [
            {"name": "mail.ad.test", "type": "imap", "port": 993},
            {"name": "mail.ad.test", "type": "smtp", "port": 587},
        ],
    }


def dns_records() -> tuple[
    dict[str, list[str]],
    dict[str, list[tuple[int, str]]],
    dict[str, list[tuple[str, int, int, int]]],
]:
    web = [
        "autoconfig.sepheo.co",
        "autoconfig.auto.test",
        "auto.test",
        "autoconfig.benchac.test",
        "benchac.test",
        "wk.test",
        "autoconfig.ad.test",
        "autodiscover.ad.test",
        "autodiscover.ad2.test",
        "web.ad2.test",
        "web.ad3.test",
        "adr.test",
        "web.adr.test",
        "autoconfig.http.test",
        "autoconfig.hoster.example",
        "autoconfig.hosted.test",
        "autoconfig.redir.test",
        "autoconfig.loop.test",
        "autoconfig.huge.test",
        "autoconfig.bad.test",
        "autoconfig.pop.test",
        "ispdb.test",
    ]
    hosts = {name: [LOOP] for name in (*web, *MAIL_HOSTS)}
    hosts["autoconfig.refuse.test"] = [REFUSING]
    hosts["autoconfig.drop.test"] = [DROPPING]
    hosts["drop.test"] = [DROPPING]
    hosts["imap.drop.test"] = [DROPPING]
    hosts["smtp.drop.test"] = [DROPPING]
    # auto.test's Autodiscover host drops packets: autoconfig's answer must not wait for it.
    hosts["autodiscover.auto.test"] = [DROPPING]
    hosts["autoconfig.slow.test"] = [SLOW]
    # The web server answers, but its certificate does not name this host.
    hosts["autoconfig.nocert.test"] = [LOOP]
    mx = {"mxd.test": [(10, "mx1.hoster.example")], "auto.test": [(10, "mx.auto.test")]}
    srv = {
        "_imaps._tcp.srv.test": [("mail.srv.test", 993, 0, 1)],
        "_submission._tcp.srv.test": [("mail.srv.test", 587, 0, 1)],
        "_sieve._tcp.srv.test": [("mail.srv.test", 4190, 0, 1)],
        "_imaps._tcp.srvout.test": [("mail.hoster.example", 993, 0, 1)],
        "_submissions._tcp.srvout.test": [("mail.hoster.example", 465, 0, 1)],
        "_imaps._tcp.drop.test": [("imap.drop.test", 993, 0, 1)],
        "_submissions._tcp.drop.test": [("smtp.drop.test", 465, 0, 1)],
        "_autodiscover._tcp.ad3.test": [("web.ad3.test", 443, 0, 1)],
        "_autodiscover._tcp.ad4.test": [("web.ad3.test", 443, 0, 1)],
        "_imaps._tcp.refuse.test": [("mail.refuse.test", 993, 0, 1)],
        "_submissions._tcp.refuse.test": [("mail.refuse.test", 465, 0, 1)],
    }
    return hosts, mx, srv


ZONES = (
    "auto.test",
    "wk.test",
    "ad.test",
    "http.test",
    "hoster.example",
    "hosted.test",
    "redir.test",
    "loop.test",
    "huge.test",
    "bad.test",
    "pop.test",
    "ispdb.test",
    "srv.test",
    "srvout.test",
    "probe.test",
    "mxd.test",
    "isp.test",
    "elsewhere.test",
    "drop.test",
    "refuse.test",
    "slow.test",
    "nothing.test",
    "sepheo.co",
    "benchac.test",
    "ad2.test",
    "ad3.test",
    "ad4.test",
    "adr.test",
    "nocert.test",
)


@dataclass
class World:
    dns: DnsServer
    web: NginxServer
    automx2: Automx2Server
    dovecot: DovecotServer
    trust: RunTrust
    extra_ports: dict[tuple[str, int], int]

    @property
    def ports(self) -> dict[tuple[str, int], tuple[str, int]]:
        d = self.dovecot
        given = {
            (LOOP, 443): self.web.https_port,
            (LOOP, 80): self.web.http_port,
            (LOOP, 993): d.imap_port,
            (LOOP, 143): d.imap_starttls_port,
            (LOOP, 465): d.submissions_port,
            (LOOP, 587): d.submission_port,
            (LOOP, 4190): d.sieve_port,
        }
        given.update(self.extra_ports)
        ports = {key: (LOOP, port) for key, port in given.items()}
        return ports

    def network(self, op_timeout: float = 3.0) -> Network:
        return Network(
            dns_server=self.dns.address,
            trust=self.trust,
            op_timeout=op_timeout,
            test_ports=self.ports,
        )

    def options(self) -> CheckOptions:
        return CheckOptions(timeout=3.0, ca_file=self.dovecot.ca_pem, dns_server=self.dns.address)

    @property
    def ispdb(self) -> str:
        return "https://ispdb.test/v1.1/"


HUGE = b"<clientConfig>" + b"<!-- padding -->" * 20_000 + b"</clientConfig>"


def running_world(test_ca: trustme.CA) -> Iterator[World]:
    """Start every server of the world, yield it, stop them all (for a module fixture)."""
    missing = [
        name
        for name, ok in (
            ("dnsmasq", dnsmasq_available()),
            ("nginx", nginx_available()),
            ("automx2", automx2_available()),
            ("dovecot", dovecot_available() is None),
        )
        if not ok
    ]
    if missing:
        reason = f"discovery tests need {', '.join(missing)} (see tests/run_all.sh)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="wizard-discovery-"))
    root.chmod(0o755)
    started: list[DnsServer | Automx2Server | NginxServer | DovecotServer] = []
    try:
        hosts, mx, srv = dns_records()
        dns = DnsServer(root / "dns", {}, local_zones=ZONES, hosts=hosts, mx=mx, srv=srv)
        started.append(dns.start())
        automx2 = Automx2Server(root / "automx2", automx2_seed())
        started.append(automx2.start())
        dovecot = DovecotServer(root / "dovecot", test_ca, cert_hosts=(*MAIL_HOSTS, "localhost"))
        started.append(dovecot.start())
        web = NginxServer(root / "web", test_ca, sites(automx2.port, HUGE, dovecot))
        started.append(web.start())
        ca = root / "ca.pem"
        test_ca.cert_pem.write_to_path(str(ca))
        with blackhole_port() as drop, silent_server() as slow:
            extra = {(DROPPING, 443): drop, (DROPPING, 993): drop, (DROPPING, 465): drop}
            extra[(SLOW, 443)] = slow
            yield World(dns, web, automx2, dovecot, RunTrust(ca), extra)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def route_to_loopback(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """Give discovery's network the world's port map (the one thing a CLI or GUI run cannot be
    told); for an ``on_loopback`` fixture."""
    from wizard.discovery import race

    real = race.network_for

    def network_for(options: CheckOptions) -> Network:
        net = real(options)
        net.test_ports = world.ports
        return net

    monkeypatch.setattr(race, "network_for", network_for)
    return world
