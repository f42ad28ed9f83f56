"""The audit against automx2 (a real autoconfig/Autodiscover server nobody here wrote) serving
ad.test names its known gaps: no .well-known, 400 without ``emailaddress`` (which leaves
Thunderbird for Android with nothing), ``<authentication>plain</authentication>``; and hostile
web servers (a redirect loop, a slow answer, a huge or invalid document) are reported as such
within the audit's 10 s."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator

import pytest
import trustme

import tests.support.discovery_world as w
from wizard.audit.model import AuditResult
from wizard.audit.run import run_audit
from wizard.audit.sources import gather
from wizard.provider import Provider, parse_provider


@pytest.fixture(scope="module")
def world(test_ca: trustme.CA) -> Iterator[w.World]:
    yield from w.running_world(test_ca)


def ad_provider() -> Provider:
    """IT's truth for ad.test: what automx2 is seeded with."""
    xml = w.client_config(
        "ad.test", ("mail.ad.test", 993, "SSL"), ("mail.ad.test", 587, "STARTTLS")
    )
    return parse_provider(xml)


def audit(world: w.World, domain: str, provider: Provider | None = None) -> AuditResult:
    ports = world.ports
    return run_audit(
        domain,
        world.options(),
        functools.partial(gather, test_ports=ports, ispdb_url=world.ispdb),
        provider=provider,
        route=lambda addr: ports.get(addr, addr),
    )


def test_audit_of_automx2_names_its_known_gaps(world: w.World) -> None:
    result = audit(world, "ad.test", ad_provider())
    f = {finding.id: finding for finding in result.findings}
    assert f["autoconfig.https"].ok is True, f["autoconfig.https"]
    assert f["autoconfig.https.no-address"].ok is False
    assert "400" in f["autoconfig.https.no-address"].found
    assert f["well-known.https"].ok is False
    assert f["autoconfig.https.authentication"].ok is False
    assert "plain" in f["autoconfig.https.authentication"].found
    assert f["autodiscover.host"].ok is True, f["autodiscover.host"]
    programs = {p.program: p for p in result.programs}
    assert programs["Thunderbird (desktop)"].ok is True
    assert programs["Outlook (classic)"].ok is True
    assert programs["Thunderbird for Android"].ok is False
    assert programs["Thunderbird for Android"].will_use is None
    assert not result.ok
    assert result.elapsed_ms < 10_000


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("loop.test", "redirect"),
        ("huge.test", "larger than"),
        ("bad.test", "well-formed"),
        ("slow.test", "in time"),
    ],
)
def test_hostile_web_servers_are_reported_as_such_within_the_bound(
    world: w.World, domain: str, words: str
) -> None:
    started = time.monotonic()
    result = audit(world, domain)
    assert time.monotonic() - started < 10.5
    finding = next(f for f in result.findings if f.id == "autoconfig.https")
    assert finding.ok is False
    assert words in finding.found


def test_the_audit_sends_nothing_outside_the_domain_but_to_the_ispdb_and_no_address(
    world: w.World,
) -> None:
    before_web = len(world.web.requests())
    before_dns = len(world.dns.queries())
    audit(world, "ad.test", ad_provider())
    web = world.web.requests()[before_web:]
    names = world.dns.queries()[before_dns:]
    assert web and names
    for line in web:
        host = line.split("://", 1)[1].split(" ", 1)[0].split(":")[0]
        assert host.endswith(".ad.test") or host == "ispdb.test", line
        if "emailaddress=" in line:
            assert line.startswith("https://") and "emailaddress=postmaster@ad.test" in line
    for name in names:
        assert name == "ad.test" or name.endswith(".ad.test") or name == "ispdb.test", name


def test_published_pop_servers_get_their_ports_looked_at(world: w.World) -> None:
    result = audit(world, "pop.test")
    f = {finding.id: finding for finding in result.findings}
    # pop.pop.test has no address in the test DNS: the published port is reported closed.
    assert "port.pop.pop.test.995" in f, sorted(f)
    assert f["port.pop.pop.test.995"].what == "POP3 on pop.pop.test port 995"
    assert f["port.pop.pop.test.995"].ok is False
    assert "port.pop.pop.test.110" in f


def test_srv_outside_the_domain_is_right_only_when_a_validating_resolver_vouches(
    world: w.World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """unbound validating a zone signed for the test (discovery's fixture), against the
    world's dnsmasq answering the same kind of records unsigned (srvout.test)."""
    from tests.support.unbound_server import UnboundServer, unbound_available

    if not unbound_available():
        pytest.skip("unbound is not installed (see tests/run_all.sh)")
    records = [
        "_imaps._tcp SRV 0 1 993 mail.hoster.example.",
        "_submissions._tcp SRV 0 1 465 mail.hoster.example.",
        "@ MX 10 mx1.hoster.example.",
    ]
    root = tmp_path_factory.mktemp("unbound")
    root.chmod(0o755)
    server = UnboundServer(root, "signed.test", records, world.dns.address).start()
    try:
        ports = world.ports
        signed = run_audit(
            "signed.test",
            world.options().with_changes(dns_server=server.address),
            functools.partial(gather, test_ports=ports, ispdb_url=world.ispdb),
            route=lambda addr: ports.get(addr, addr),
        )
    finally:
        server.stop()
    unsigned = audit(world, "srvout.test")
    s = {f.id: f for f in signed.findings}
    u = {f.id: f for f in unsigned.findings}
    assert s["srv._imaps"].ok is True and "DNSSEC-validated" in s["srv._imaps"].found
    assert u["srv._imaps"].ok is False and "not validated" in u["srv._imaps"].found
    assert "outside srvout.test" in u["srv._imaps"].found
