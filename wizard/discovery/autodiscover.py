"""Exchange Autodiscover (the POX flavour Outlook uses for IMAP/SMTP accounts).

Asked the way Outlook asks, each as its own look-up: a POST to
``https://<domain>/autodiscover/autodiscover.xml`` and to ``https://autodiscover.<domain>/…``;
``http://autodiscover.<domain>/…`` only for its redirect (nothing is sent over HTTP, and the
redirect is followed only to HTTPS inside the domain); and ``_autodiscover._tcp`` SRV. The POST
carries the address, so it goes only over HTTPS to the address's own registrable domain.

``Encryption`` (``SSL``, ``TLS`` = STARTTLS, ``None``, ``Auto``) overrides ``SSL`` (on/off)
when present ([MS-OXDSCLI]); ``SSL on`` alone only says "encrypted", read as STARTTLS on the
standard plain ports (143, 587) and implicit TLS on any other, as Thunderbird reads it (which
ignores ``Encryption``'s SSL/TLS difference; here an explicit ``Encryption`` wins).
"""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from wizard.checks.model import CancelToken
from wizard.discovery.http import HttpProblem, Request, fetch, problem_outcome
from wizard.discovery.model import FoundServer, FoundSettings, Lookup, Outcome
from wizard.discovery.net import LookupTimeout, Network
from wizard.discovery.srv import parse_srv, srv_trust
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin, registrable_domain, same_registrable_domain

PATH = "/autodiscover/autodiscover.xml"
REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
_TYPES = {"IMAP": Service.IMAP, "SMTP": Service.SMTP}
# "SSL on" does not say which: the standard plain-text ports mean STARTTLS (as Thunderbird reads
# it), any other port implicit TLS.
_STARTTLS_PORTS = (143, 587, 25, 110)


class AutodiscoverError(ValueError):
    """The answer is not a usable Autodiscover document."""


class AutodiscoverRedirect(AutodiscoverError):
    """``Action`` redirectUrl (ask there instead) or redirectAddr (another address)."""

    def __init__(self, message: str, url: str = "", address: str = "") -> None:
        super().__init__(message)
        self.url = url
        self.address = address


def request_body(address: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Autodiscover xmlns="{REQUEST_NS}"><Request>'
        f"<EMailAddress>{escape(address)}</EMailAddress>"
        f"<AcceptableResponseSchema>{RESPONSE_SCHEMA}</AcceptableResponseSchema>"
        "</Request></Autodiscover>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: Element, name: str) -> str:
    for child in node:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _security(protocol: Element, port: int) -> Security:
    encryption = _child(protocol, "Encryption").lower()
    if encryption == "ssl":
        return Security.TLS
    if encryption == "tls":
        return Security.STARTTLS
    if encryption == "none":
        return Security.PLAIN
    if encryption == "auto" or _child(protocol, "SSL").lower() != "off":
        return Security.STARTTLS if port in _STARTTLS_PORTS else Security.TLS
    return Security.PLAIN


def protocol_fields(data: bytes) -> list[dict[str, str]]:
    """Each ``<Protocol>``'s fields as written (Type, Server, Port, SSL, Encryption, LoginName…).

    For the domain audit, which compares what is published with what the server does (``SSL
    on`` for a port that speaks STARTTLS); empty when the document cannot be read.
    """
    try:
        root = SafeET.fromstring(data)
    except (DefusedXmlException, SafeET.ParseError):
        return []
    return [
        {_local(child.tag): (child.text or "").strip() for child in protocol}
        for protocol in root.iter()
        if _local(protocol.tag) == "Protocol"
    ]


def parse_autodiscover(data: bytes, address: str, origin: SettingsOrigin) -> FoundSettings:
    """The IMAP and SMTP settings of a POX Autodiscover answer; AutodiscoverError otherwise."""
    try:
        root = SafeET.fromstring(data)
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise AutodiscoverError(f"not well-formed XML ({exc.__class__.__name__})") from None
    if _local(root.tag) != "Autodiscover":
        raise AutodiscoverError(f"the root element is <{_local(root.tag)}>, not <Autodiscover>")
    action = _child_deep(root, "Action").lower()
    if action == "redirecturl":
        url = _child_deep(root, "RedirectUrl")
        raise AutodiscoverRedirect(f"redirects to {url}", url=url)
    if action == "redirectaddr":
        other = _child_deep(root, "RedirectAddr")
        raise AutodiscoverRedirect(f"points to another address, {other}", address=other)
    found: dict[Service, FoundServer] = {}
    for protocol in root.iter():
        if _local(protocol.tag) != "Protocol":
            continue
        service = _TYPES.get(_child(protocol, "Type").upper())
        if service is None or service in found:
            continue
        host, port_text = _child(protocol, "Server"), _child(protocol, "Port")
        if not host or any(c.isspace() or c == "/" for c in host):
            raise AutodiscoverError(f"<Server> {host!r} is not a host name")
        try:
            port = int(port_text or (993 if service is Service.IMAP else 587))
        except ValueError:
            raise AutodiscoverError(f"<Port> {port_text!r} is not a number") from None
        if not 0 < port < 65536:
            raise AutodiscoverError(f"<Port> {port} is out of range")
        found[service] = FoundServer(
            service=service,
            hostname=host.lower(),
            port=port,
            security=_security(protocol, port),
            username=_child(protocol, "LoginName") or address,
            authentication="password-cleartext",
            origin=origin,
        )
    if Service.IMAP not in found or Service.SMTP not in found:
        error = _child_deep(root, "Message")
        raise AutodiscoverError(error or "no IMAP and SMTP <Protocol> in the answer")
    return FoundSettings(found[Service.IMAP], found[Service.SMTP])


def _child_deep(root: Element, name: str) -> str:
    for node in root.iter():
        if _local(node.tag) == name and (node.text or "").strip():
            return (node.text or "").strip()
    return ""


def lookup_autodiscover_post(
    net: Network,
    *,
    url: str,
    domain: str,
    address: str,
    rank: int,
    cancel: CancelToken,
    end: float,
    where: str | None = None,
    redirects_left: int = 1,
) -> Lookup:
    """POST the address to ``url`` (HTTPS, inside ``domain``) and read the settings.

    An answer's redirectUrl is followed once, and only to HTTPS inside ``domain`` (the POST
    carries the address); a redirectAddr (another address altogether) is reported, not followed.
    """
    t0 = time.monotonic()
    where = where or url
    host = urlsplit(url).hostname or ""
    if not url.startswith("https://") or not same_registrable_domain(host, domain):
        detail = f"{url} is not HTTPS inside {domain}; the address was not sent"
        return Lookup(OriginKind.AUTODISCOVER, where, Outcome.SKIPPED, rank, detail=detail)
    request = Request(
        url, "POST", request_body(address), "text/xml; charset=utf-8", private_to=domain
    )
    try:
        answer = fetch(net, request, cancel, end)
    except (HttpProblem, LookupTimeout) as exc:
        return Lookup(
            OriginKind.AUTODISCOVER, where, problem_outcome(exc), rank, detail=str(exc), ms=_ms(t0)
        )
    facts = {"status": str(answer.status), "chain": " → ".join(answer.chain)}
    if answer.status != 200:
        outcome = Outcome.NONE if answer.status in (401, 403, 404, 405, 410) else Outcome.ERROR
        return Lookup(
            OriginKind.AUTODISCOVER,
            where,
            outcome,
            rank,
            detail=f"HTTP {answer.status}",
            ms=_ms(t0),
            facts=facts,
        )
    for fields in protocol_fields(answer.body):
        kind = fields.get("Type", "?").upper()
        facts[f"protocol {kind}"] = " ".join(f"{k}={v}" for k, v in fields.items() if k != "Type")
    why = f"HTTPS from {registrable_domain(domain)} with a valid certificate"
    origin = SettingsOrigin(OriginKind.AUTODISCOVER, answer.url, True, why)
    try:
        settings = parse_autodiscover(answer.body, address, origin)
    except AutodiscoverRedirect as exc:
        if exc.url and redirects_left > 0:
            followed = lookup_autodiscover_post(
                net,
                url=exc.url,
                domain=domain,
                address=address,
                rank=rank,
                cancel=cancel,
                end=end,
                where=where,
                redirects_left=redirects_left - 1,
            )
            return _with_ms(followed, t0)
        return Lookup(
            OriginKind.AUTODISCOVER, where, Outcome.NONE, rank, detail=str(exc), ms=_ms(t0)
        )
    except AutodiscoverError as exc:
        return Lookup(
            OriginKind.AUTODISCOVER,
            where,
            Outcome.ERROR,
            rank,
            detail=str(exc),
            ms=_ms(t0),
            facts=facts,
        )
    detail = ", ".join(f"{s.service.value} {s.hostname}:{s.port}" for s in settings.servers)
    return Lookup(
        OriginKind.AUTODISCOVER,
        where,
        Outcome.FOUND,
        rank,
        True,
        why,
        detail,
        _ms(t0),
        settings,
        facts,
    )


def lookup_autodiscover_redirect(
    net: Network, *, domain: str, address: str, rank: int, cancel: CancelToken, end: float
) -> Lookup:
    """``http://autodiscover.<domain>/…`` read for its redirect only, nothing sent over HTTP."""
    t0 = time.monotonic()
    url = f"http://autodiscover.{domain}{PATH}"
    try:
        answer = fetch(net, Request(url, follow=False), cancel, end)
    except (HttpProblem, LookupTimeout) as exc:
        return Lookup(
            OriginKind.AUTODISCOVER, url, problem_outcome(exc), rank, detail=str(exc), ms=_ms(t0)
        )
    location = answer.headers.get("location", "")
    if answer.status not in (301, 302, 307, 308) or not location:
        return Lookup(
            OriginKind.AUTODISCOVER,
            url,
            Outcome.NONE,
            rank,
            detail=f"HTTP {answer.status}, no redirect",
            ms=_ms(t0),
        )
    found = lookup_autodiscover_post(
        net,
        url=location,
        domain=domain,
        address=address,
        rank=rank,
        cancel=cancel,
        end=end,
        where=url,
    )
    return _with_ms(found, t0)


def lookup_autodiscover_srv(
    net: Network, *, domain: str, address: str, rank: int, cancel: CancelToken, end: float
) -> Lookup:
    """``_autodiscover._tcp.<domain>`` SRV, then the POST to its target (inside the domain)."""
    t0 = time.monotonic()
    name = f"_autodiscover._tcp.{domain}"
    try:
        answer = net.query(name, "SRV", lifetime=max(0.05, end - time.monotonic()))
    except (LookupTimeout, OSError) as exc:
        return Lookup(
            OriginKind.AUTODISCOVER, f"{name} SRV", Outcome.ERROR, rank, detail=str(exc), ms=_ms(t0)
        )
    targets = [t for t in parse_srv(answer) if t.host]
    if not targets:
        return Lookup(
            OriginKind.AUTODISCOVER,
            f"{name} SRV",
            Outcome.NONE,
            rank,
            detail="no SRV record",
            ms=_ms(t0),
        )
    best = targets[0]
    trusted, why = srv_trust(best.host, domain, answer.dnssec)
    if not same_registrable_domain(best.host, domain):
        detail = f"points to {best.host} ({why}); the address is not sent outside {domain}"
        return Lookup(
            OriginKind.AUTODISCOVER, f"{name} SRV", Outcome.SKIPPED, rank, detail=detail, ms=_ms(t0)
        )
    port = "" if best.port == 443 else f":{best.port}"
    found = lookup_autodiscover_post(
        net,
        url=f"https://{best.host}{port}{PATH}",
        domain=domain,
        address=address,
        rank=rank,
        cancel=cancel,
        end=end,
        where=f"{name} SRV → {best.host}{port}",
    )
    return _with_ms(found, t0)


def _with_ms(found: Lookup, t0: float) -> Lookup:
    return replace(found, ms=_ms(t0))


def _ms(t0: float) -> float:
    return (time.monotonic() - t0) * 1000
