"""RFC 6186 / RFC 8314 SRV records: ``_imaps``, ``_imap``, ``_submissions``, ``_submission``,
``_sieve``.

RFC 8314 section 5.1: a client uses SRV answers only when they are DNSSEC-signed or the target
lies inside the queried domain; anything else could send the password to whoever forged the
answer. Here an answer outside the domain without the AD bit is kept but marked untrusted, with
the target's registrable domain, so the person confirms it. Implicit TLS (``_imaps``,
``_submissions``) is preferred over STARTTLS when both are published (RFC 8314 section 3); a
target of ``.`` means "not offered here" (RFC 2782).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from wizard.checks.model import CancelToken
from wizard.discovery.model import FoundServer, FoundSettings, Lookup, Outcome
from wizard.discovery.net import DnsAnswer, LookupTimeout, Network
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin, registrable_domain, same_registrable_domain

# (label, service, security), in the order of preference within each service.
SRV_NAMES = (
    ("_imaps", Service.IMAP, Security.TLS),
    ("_imap", Service.IMAP, Security.STARTTLS),
    ("_submissions", Service.SMTP, Security.TLS),
    ("_submission", Service.SMTP, Security.STARTTLS),
    ("_sieve", Service.SIEVE, Security.STARTTLS),
)


@dataclass(frozen=True)
class SrvTarget:
    priority: int
    weight: int
    port: int
    host: str  # "" for the "." target: not offered


def parse_srv(answer: DnsAnswer) -> list[SrvTarget]:
    """The records, best first (lowest priority, then highest weight)."""
    targets = []
    for record in answer.records:
        fields = record.split()
        if len(fields) != 4 or not all(f.isdigit() for f in fields[:3]):
            continue
        host = fields[3].rstrip(".").lower()
        targets.append(SrvTarget(int(fields[0]), int(fields[1]), int(fields[2]), host))
    return sorted(targets, key=lambda t: (t.priority, -t.weight))


def srv_trust(host: str, domain: str, dnssec: bool) -> tuple[bool, str]:
    """RFC 8314 5.1: inside the queried domain, or DNSSEC-validated."""
    if same_registrable_domain(host, domain):
        return True, f"the target {host} is inside {registrable_domain(domain)}"
    if dnssec:
        return True, f"DNSSEC-validated answer pointing to {registrable_domain(host)}"
    return False, f"points to {registrable_domain(host)}, another domain, without DNSSEC"


def query_srv_records(
    net: Network, domain: str, cancel: CancelToken, end: float
) -> dict[str, DnsAnswer | Exception]:
    """Every SRV name of :data:`SRV_NAMES` asked at once; each name's answer or error."""
    answers: dict[str, DnsAnswer | Exception] = {}

    def ask(label: str) -> None:
        name = f"{label}._tcp.{domain}"
        try:
            answers[label] = net.query(name, "SRV", lifetime=max(0.05, end - time.monotonic()))
        except (LookupTimeout, OSError) as exc:
            answers[label] = exc

    threads = [
        threading.Thread(target=ask, args=(label,), daemon=True, name=f"srv-{label}")
        for label, _, _ in SRV_NAMES
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    cancel.raise_if_cancelled()
    return answers


def lookup_srv(
    net: Network, *, domain: str, address: str, rank: int, cancel: CancelToken, end: float
) -> Lookup:
    t0 = time.monotonic()
    where = f"_imaps/_imap/_submissions/_submission/_sieve._tcp.{domain} SRV"
    answers = query_srv_records(net, domain, cancel, end)
    chosen: dict[Service, FoundServer] = {}
    facts: dict[str, str] = {}
    errors = []
    for label, service, security in SRV_NAMES:
        answer = answers.get(label)
        if answer is None or isinstance(answer, Exception):
            errors.append(f"{label}: {answer or 'no answer in time'}")
            continue
        facts[label] = ", ".join(answer.records) + (" (DNSSEC)" if answer.dnssec else "")
        targets = parse_srv(answer)
        if service in chosen or not targets or not targets[0].host:
            continue
        best = targets[0]
        trusted, why = srv_trust(best.host, domain, answer.dnssec)
        record = f"{label}._tcp.{domain} SRV {best.priority} {best.weight} {best.port} {best.host}"
        chosen[service] = FoundServer(
            service=service,
            hostname=best.host,
            port=best.port,
            security=security,
            username=address,
            authentication="password-cleartext",
            origin=SettingsOrigin(OriginKind.SRV, record, trusted, why),
        )
    if Service.IMAP not in chosen or Service.SMTP not in chosen:
        missing = [s.value for s in (Service.IMAP, Service.SMTP) if s not in chosen]
        detail = "no SRV record for " + " and ".join(missing)
        if errors and len(errors) == len(SRV_NAMES):
            return Lookup(
                OriginKind.SRV,
                where,
                Outcome.ERROR,
                rank,
                detail="; ".join(errors),
                ms=_ms(t0),
                facts=facts,
            )
        return Lookup(
            OriginKind.SRV, where, Outcome.NONE, rank, detail=detail, ms=_ms(t0), facts=facts
        )
    settings = FoundSettings(chosen[Service.IMAP], chosen[Service.SMTP], chosen.get(Service.SIEVE))
    untrusted = [s.origin for s in settings.servers if not s.origin.trusted]
    trusted = not untrusted
    why = untrusted[0].why if untrusted else settings.imap.origin.why
    if untrusted:
        settings = settings.distrusted(why)
    detail = ", ".join(f"{s.service.value} {s.hostname}:{s.port}" for s in settings.servers)
    return Lookup(
        OriginKind.SRV, where, Outcome.FOUND, rank, trusted, why, detail, _ms(t0), settings, facts
    )


def _ms(t0: float) -> float:
    return (time.monotonic() - t0) * 1000
