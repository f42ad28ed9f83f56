"""What the domain publishes, gathered for the audit with discovery's own look-ups.

Every place a mail program looks is asked once, side by side, through discovery's functions
(:mod:`wizard.discovery`), so the audit sees exactly what discovery sees, under the same
privacy rules: where a server insists on ``emailaddress`` the role address
``postmaster@<domain>`` is sent, over HTTPS to the domain's own hosts only; the plain-HTTP
variants, the ISPDB and the MX's domain get no address. The SRV names of RFC 6186/8314 and
``_autodiscover._tcp`` are asked with the DNSSEC status (the AD bit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from wizard.audit.domain import probe_address
from wizard.audit.model import Settings, SourceAnswer, SrvAnswer
from wizard.audit.run import Gathered
from wizard.audit.text import shown
from wizard.checks.errors import CheckCancelled
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.discovery import autoconfig as ac
from wizard.discovery.asks import Ask, Asks
from wizard.discovery.autodiscover import (
    PATH,
    lookup_autodiscover_redirect,
    lookup_autodiscover_srv,
    request_body,
)
from wizard.discovery.http import HttpProblem, Request, fetch
from wizard.discovery.ispdb import DEFAULT_ISPDB_URL
from wizard.discovery.model import FoundServer, Lookup
from wizard.discovery.net import DnsAnswer, LookupTimeout, Network
from wizard.discovery.race import network_for
from wizard.discovery.srv import SRV_NAMES, lookup_srv, parse_srv, query_srv_records
from wizard.provider import ServerSettings
from wizard.services import Security
from wizard.trust import OriginKind, registrable_domain


def _plan(domain: str, ispdb: str) -> dict[str, Ask]:
    """Source id -> the look-up, each exactly as discovery makes it (``wizard.discovery.asks``)."""
    asks = Asks(probe_address(domain), ispdb)
    k = OriginKind

    def doc(kind: OriginKind, url: str, send: bool) -> Ask:
        return asks.document(kind, 1, url, send)

    def post(url: str) -> Ask:
        return asks.autodiscover_post(url)

    def common(fn: Callable[..., Lookup]) -> Ask:
        return asks.common(fn, 3)

    return {
        "autoconfig.https": doc(k.AUTOCONFIG, ac.autoconfig_url(domain), True),
        "autoconfig.https.no-address": doc(k.AUTOCONFIG, ac.autoconfig_url(domain), False),
        "well-known.https": doc(k.WELL_KNOWN, ac.well_known_url(domain), True),
        "well-known.https.no-address": doc(k.WELL_KNOWN, ac.well_known_url(domain), False),
        "autoconfig.http": doc(k.AUTOCONFIG, ac.autoconfig_url(domain, https=False), False),
        "well-known.http": doc(k.WELL_KNOWN, ac.well_known_url(domain, https=False), False),
        "ispdb": asks.ispdb(),
        "mx": asks.mx(),
        "srv": common(lookup_srv),
        "autodiscover.domain": post(f"https://{domain}{PATH}"),
        "autodiscover.host": post(f"https://autodiscover.{domain}{PATH}"),
        "autodiscover.redirect": common(lookup_autodiscover_redirect),
        "autodiscover.srv": common(lookup_autodiscover_srv),
    }


def _template(username: str, domain: str) -> str:
    """The login back as the template it was written as (it was expanded for postmaster@)."""
    address = probe_address(domain)
    if username == address:
        return "%EMAILADDRESS%"
    if username == address.split("@", 1)[0]:
        return "%EMAILLOCALPART%"
    return username


def _server(found: FoundServer, domain: str) -> ServerSettings:
    return ServerSettings(
        found.service,
        found.hostname,
        found.port,
        found.security,
        _template(found.username, domain),
        found.authentication,
    )


def to_answer(source: str, lookup: Lookup, domain: str) -> SourceAnswer:
    settings = None
    if lookup.settings is not None:
        s = lookup.settings
        settings = Settings(
            _server(s.imap, domain),
            _server(s.smtp, domain),
            _server(s.sieve, domain) if s.sieve else None,
        )
    facts = dict(lookup.facts)
    chain = facts.get("chain", "")
    if chain:
        facts["redirect"] = chain.split(" → ")[-1] if " → " in chain else ""
    return SourceAnswer(
        source,
        lookup.where,
        str(lookup.outcome),
        lookup.trusted,
        shown(lookup.detail or lookup.why),
        settings,
        lookup.ms,
        facts,
    )


@dataclass(frozen=True)
class RawDocument:
    """What the audit reads from an autoconfig document as written, beyond the settings."""

    authentication: tuple[str, ...]
    # (host, port, security) of each <incomingServer type="pop3">.
    pop: tuple[tuple[str, int, Security], ...]


def raw_document(
    net: Network, url: str, domain: str, cancel: CancelToken, end: float
) -> RawDocument | None:
    """The ``<authentication>`` words as written (the provider parser maps the deprecated
    ones) and the POP3 servers (discovery sets up IMAP and passes over them)."""
    request = Request(ac.with_address(url, probe_address(domain)), private_to=domain)
    try:
        answer = fetch(net, request, cancel, end)
        if answer.status != 200:
            return None
        root = SafeET.fromstring(answer.body)
    except (HttpProblem, LookupTimeout, OSError, SafeET.ParseError, DefusedXmlException):
        return None
    pop = []
    for node in root.iter("incomingServer"):
        if node.get("type") != "pop3":
            continue
        try:
            host = (node.findtext("hostname") or "").strip().lower()
            port = int((node.findtext("port") or "").strip())
            security = Security.from_socket_type(node.findtext("socketType") or "")
        except ValueError:
            continue
        if host and 0 < port < 65536:
            pop.append((host, port, security))
    words = tuple((node.text or "").strip() for node in root.iter("authentication"))
    return RawDocument(words, tuple(pop))


def raw_autodiscover(
    net: Network, url: str, domain: str, cancel: CancelToken, end: float
) -> tuple[tuple[str, int, str, str], ...] | None:
    """Each ``Protocol`` of the POX answer at ``url`` as written: (Type, Port, SSL,
    Encryption). Discovery reads ``SSL on`` the way Thunderbird does (by the port); Outlook
    takes it as implicit TLS, so the audit needs the words themselves."""
    body = request_body(probe_address(domain))
    request = Request(url, "POST", body, "text/xml; charset=utf-8", private_to=domain)
    try:
        answer = fetch(net, request, cancel, end)
        if answer.status != 200:
            return None
        root = SafeET.fromstring(answer.body)
    except (HttpProblem, LookupTimeout, OSError, SafeET.ParseError, DefusedXmlException):
        return None
    out = []
    for node in root.iter():
        if node.tag.rsplit("}", 1)[-1] != "Protocol":
            continue
        words = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in node}
        try:
            port = int(words.get("Port", ""))
        except ValueError:
            continue
        kind = words.get("Type", "").upper()
        out.append((kind, port, words.get("SSL", ""), words.get("Encryption", "")))
    return tuple(out)


def _srv(label: str, answer: DnsAnswer | Exception, domain: str) -> SrvAnswer:
    name = f"{label}._tcp.{domain}"
    if isinstance(answer, Exception):
        return SrvAnswer(name, (), False, shown(str(answer) or type(answer).__name__))
    records = tuple((t.priority, t.weight, t.port, t.host or ".") for t in parse_srv(answer))
    return SrvAnswer(name, records, answer.dnssec)


def gather(
    domain: str,
    options: CheckOptions,
    cancel: CancelToken,
    end: float,
    *,
    ispdb_url: str = DEFAULT_ISPDB_URL,
    test_ports: Mapping[tuple[str, int], tuple[str, int]] | None = None,
) -> Gathered:
    """Every source and SRV record, side by side, each ending by ``end``."""
    net = network_for(options)
    if test_ports:
        net.test_ports = test_ports
    results: dict[str, SourceAnswer] = {}
    srv: dict[str, DnsAnswer | Exception] = {}

    def run(source: str, ask: Ask) -> None:
        try:
            results[source] = to_answer(source, ask(net, cancel, end), domain)
        except CheckCancelled:
            pass
        except Exception as exc:  # noqa: BLE001 - one failing look-up must not end the audit
            results[source] = SourceAnswer(source, source, "error", detail=shown(str(exc)))

    def ask_srv() -> None:
        try:
            srv.update(query_srv_records(net, domain, cancel, end))
        except CheckCancelled:
            return
        name = f"_autodiscover._tcp.{domain}"
        try:
            srv["_autodiscover"] = net.query(
                name, "SRV", lifetime=max(0.05, end - time.monotonic())
            )
        except Exception as exc:  # noqa: BLE001 - reported as the finding's text
            srv["_autodiscover"] = exc

    raw: dict[str, RawDocument] = {}

    def document(source: str, url: str) -> None:
        found = raw_document(net, url, domain, cancel, end)
        if found is not None:
            raw[source] = found

    pox: dict[str, tuple[tuple[str, int, str, str], ...]] = {}

    def run_and_read(source: str, ask: Ask) -> None:
        run(source, ask)
        answer = results.get(source)
        if source.startswith("autodiscover.") and answer is not None and answer.found:
            url = answer.facts.get("redirect") or answer.facts.get("chain", "")
            url = url.split(" → ")[-1] if url else ""
            if url.startswith("https://"):
                found = raw_autodiscover(net, url, domain, cancel, end)
                if found is not None:
                    pox[source] = found

    threads = [
        threading.Thread(target=run_and_read, args=item, daemon=True, name=f"audit-{item[0]}")
        for item in _plan(domain, ispdb_url).items()
    ]
    for source, url in (
        ("autoconfig.https", ac.autoconfig_url(domain)),
        ("well-known.https", ac.well_known_url(domain)),
    ):
        threads.append(threading.Thread(target=document, args=(source, url), daemon=True))
    threads.append(threading.Thread(target=ask_srv, daemon=True, name="audit-srv"))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    labels = [label for label, _, _ in SRV_NAMES] + ["_autodiscover"]
    srv_answers = tuple(
        _srv(label, srv.get(label, TimeoutError("no answer in time")), domain) for label in labels
    )
    mx = results.get("mx")
    others: tuple[str, ...] = ()
    if mx is not None and mx.facts.get("mx"):
        others = (registrable_domain(mx.facts["mx"].split(",")[0].strip()),)
    return Gathered(
        sources=dict(results),
        srv=srv_answers,
        other_domains=others,
        authentication={k: v.authentication for k, v in raw.items()},
        autodiscover=dict(pox),
        pop=tuple(dict.fromkeys(p for doc in raw.values() for p in doc.pop)),
    )
