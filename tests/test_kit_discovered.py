"""The kit proves itself to discovery: with the kit published (nginx with the kit's snippets,
dnsmasq with its zone lines, Dovecot under the provider's host name), each source on its own —
autoconfig, .well-known, the four Autodiscover methods, SRV — gives exactly the provider's
settings, trusted, and ``discover`` picks them."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.support.dovecot_server import DovecotServer
from tests.support.kit_site import KitSite
from tests.test_audit_kit import (  # noqa: F401 - the fixtures, shared
    DOMAIN,
    kit_provider,
    mail_server,
    options_for,
    ports_for,
    site,
)
from wizard.checks.model import CancelToken
from wizard.discovery.model import FoundSettings, Lookup
from wizard.discovery.net import Network
from wizard.discovery.race import discover, network_for, plan
from wizard.trust import OriginKind

ADDRESS = f"joe.bloggs@{DOMAIN}"


def network(published: KitSite, mail: DovecotServer) -> Network:
    net = network_for(options_for(published, mail))
    net.test_ports = ports_for(published, mail)
    return net


def same_as_provider(settings: FoundSettings | None, *, with_sieve: bool) -> bool:
    p = kit_provider()
    assert settings is not None
    pairs = [(settings.imap, p.imap), (settings.smtp, p.smtp)]
    if with_sieve:
        assert settings.sieve is not None and p.sieve is not None
        pairs.append((settings.sieve, p.sieve))
    return all(
        (f.hostname, f.port, f.security, f.username)
        == (s.hostname, s.port, s.security, s.username_for(ADDRESS))
        for f, s in pairs
    )


def by_where() -> dict[str, Callable[..., Lookup]]:
    """Discovery's own look-ups, by where they ask (the ISPDB is the kit's web server)."""
    return {spec.where: spec.run for spec in plan(ADDRESS, ispdb_base=f"https://{DOMAIN}/v1.1/")}


@pytest.mark.parametrize(
    ("where", "kind", "with_sieve"),
    [
        (f"https://autoconfig.{DOMAIN}/mail/config-v1.1.xml", OriginKind.AUTOCONFIG, True),
        (
            f"https://{DOMAIN}/.well-known/autoconfig/mail/config-v1.1.xml",
            OriginKind.WELL_KNOWN,
            True,
        ),
        (f"https://{DOMAIN}/autodiscover/autodiscover.xml", OriginKind.AUTODISCOVER, False),
        (
            f"https://autodiscover.{DOMAIN}/autodiscover/autodiscover.xml",
            OriginKind.AUTODISCOVER,
            False,
        ),
        (
            f"http://autodiscover.{DOMAIN}/autodiscover/autodiscover.xml",
            OriginKind.AUTODISCOVER,
            False,
        ),
        (f"_autodiscover._tcp.{DOMAIN} SRV", OriginKind.AUTODISCOVER, False),
        (f"SRV records of {DOMAIN}", OriginKind.SRV, True),
    ],
)
def test_each_source_of_the_kit_gives_exactly_the_providers_settings_trusted(
    site: KitSite,  # noqa: F811 - the fixture imported above
    mail_server: DovecotServer,  # noqa: F811
    where: str,
    kind: OriginKind,
    with_sieve: bool,
) -> None:
    run = by_where()[where]
    found = run(network(site, mail_server), CancelToken(), time.monotonic() + 8)
    assert found.kind is kind
    assert found.found, found
    assert found.trusted, found
    assert same_as_provider(found.settings, with_sieve=with_sieve), found.settings


def test_discover_finds_the_providers_settings_from_the_kit(
    site: KitSite,  # noqa: F811
    mail_server: DovecotServer,  # noqa: F811
) -> None:
    result = discover(
        ADDRESS,
        options_for(site, mail_server),
        CancelToken(),
        ispdb_url=f"https://{DOMAIN}/v1.1/",
        network=network(site, mail_server),
    )
    assert result.ok and result.trusted
    assert result.origin is not None and result.origin.kind is OriginKind.AUTOCONFIG
    assert same_as_provider(result.settings, with_sieve=True)
