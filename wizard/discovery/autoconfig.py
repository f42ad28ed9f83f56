"""Mozilla autoconfig: ``autoconfig.<domain>``, ``<domain>/.well-known/…``, and their HTTP variants.

The document is the one IT's provider file is (clientConfig 1.1), read by the same parser
(:func:`wizard.provider.parse_provider`), so every real-world shape it accepts — automx2's
``plain`` authentication, several ``<incomingServer>``, ``%EMAILLOCALPART%`` — is accepted here
too, and a POP-only provider is reported as such.

Privacy: the address goes as ``?emailaddress=`` only over HTTPS to the address's own domain
(automx2 answers 400 without it); the HTTP variants and other domains get no address.
Trust: HTTPS with a certificate valid for the host asked, every redirect staying on HTTPS and
inside the address's registrable domain. Plain HTTP is never trusted.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from wizard.checks.model import CancelToken
from wizard.discovery.http import HttpAnswer, HttpProblem, Request, fetch, problem_outcome
from wizard.discovery.model import FoundServer, FoundSettings, Lookup, Outcome
from wizard.discovery.net import LookupTimeout, Network
from wizard.provider import PopOnlyProvider, ProviderError, parse_provider
from wizard.trust import OriginKind, SettingsOrigin, registrable_domain

CONFIG_PATH = "/mail/config-v1.1.xml"
WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"


def autoconfig_url(domain: str, *, https: bool = True) -> str:
    return f"{'https' if https else 'http'}://autoconfig.{domain}{CONFIG_PATH}"


def well_known_url(domain: str, *, https: bool = True) -> str:
    return f"{'https' if https else 'http'}://{domain}{WELL_KNOWN_PATH}"


def with_address(url: str, address: str) -> str:
    return f"{url}?emailaddress={quote(address, safe='@')}"


def settings_from_document(
    data: bytes, address: str, origin: SettingsOrigin, where: str
) -> FoundSettings:
    """The IMAP, SMTP (and ManageSieve) settings of a clientConfig document, for ``address``.

    Raises ProviderError (PopOnlyProvider for POP-only) with a message naming ``where``.
    """
    provider = parse_provider(data)
    servers = []
    for server in provider.servers:
        servers.append(
            FoundServer(
                service=server.service,
                hostname=server.hostname.replace("%EMAILDOMAIN%", address.rpartition("@")[2]),
                port=server.port,
                security=server.security,
                username=server.username_for(address),
                authentication=server.authentication,
                origin=origin,
            )
        )
    imap, smtp, *rest = servers
    return FoundSettings(imap=imap, smtp=smtp, sieve=rest[0] if rest else None)


def lookup_document(
    net: Network,
    *,
    kind: OriginKind,
    rank: int,
    url: str,
    address: str,
    domain: str,
    cancel: CancelToken,
    end: float,
    send_address: bool = False,
    trusted_if_https: bool = True,
) -> Lookup:
    """Fetch one autoconfig-shaped document and say what it gave and whether it is trusted.

    ``domain`` is whose document it is (the address's, or the MX's for MX-derived look-ups);
    ``trusted_if_https`` is False where even a perfect HTTPS answer needs confirming (an
    MX-derived look-up without DNSSEC).
    """
    t0 = time.monotonic()
    asked = with_address(url, address) if send_address else url
    request = Request(asked, private_to=domain if send_address else None)
    try:
        answer = fetch(net, request, cancel, end)
    except (HttpProblem, LookupTimeout) as exc:
        return Lookup(kind, url, problem_outcome(exc), rank, detail=str(exc), ms=_ms(t0))
    facts = {"status": str(answer.status), "chain": " → ".join(answer.chain)}
    if answer.status in (404, 410):
        return Lookup(kind, url, Outcome.NONE, rank, detail=f"HTTP {answer.status}", ms=_ms(t0))
    if answer.status != 200:
        detail = f"HTTP {answer.status}"
        if answer.status == 400 and not send_address:
            detail += " (the server may want the address, which is not sent here)"
        return Lookup(kind, url, Outcome.ERROR, rank, detail=detail, ms=_ms(t0), facts=facts)
    trusted, why = document_trust(answer, domain, trusted_if_https)
    origin = SettingsOrigin(kind, answer.url.split("?", 1)[0], trusted, why)
    try:
        settings = settings_from_document(answer.body, address, origin, url)
    except PopOnlyProvider as exc:
        detail = "POP3 only (" + ", ".join(exc.pop_servers) + "); this app sets up IMAP"
        return Lookup(kind, url, Outcome.NONE, rank, trusted, why, detail, _ms(t0), facts=facts)
    except ProviderError as exc:
        detail = "not a usable autoconfig document: " + str(exc).removeprefix("provider file: ")
        return Lookup(kind, url, Outcome.ERROR, rank, detail=detail, ms=_ms(t0), facts=facts)
    return Lookup(
        kind,
        url,
        Outcome.FOUND,
        rank,
        trusted,
        why,
        _describe(settings),
        _ms(t0),
        settings,
        facts,
    )


def document_trust(answer: HttpAnswer, domain: str, trusted_if_https: bool) -> tuple[bool, str]:
    """Trusted only over HTTPS all the way, inside ``domain``'s registrable domain.

    Every reason against is given (the confirmation shows them all, the other domain named).
    """
    reasons = []
    if not answer.all_https:
        reasons.append("fetched over plain HTTP: anyone on the way could have changed it")
    elsewhere = answer.left_domain(domain)
    if elsewhere is not None:
        reasons.append(f"redirected to {registrable_domain(elsewhere)}, another domain")
    if not trusted_if_https:
        reasons.append(f"published by {registrable_domain(domain)}, not the address's domain")
    if reasons:
        return False, "; ".join(reasons)
    return True, f"HTTPS from {registrable_domain(domain)} with a valid certificate"


def _describe(settings: FoundSettings) -> str:
    parts = [f"{s.service.value} {s.hostname}:{s.port}" for s in settings.servers]
    return ", ".join(parts)


def _ms(t0: float) -> float:
    return (time.monotonic() - t0) * 1000
