"""Probing: the usual host names and ports, each counted only after a verified TLS session.

Hosts ``imap.``/``mail.``/``<domain>`` on 993 (implicit TLS) and 143 (STARTTLS),
``smtp.``/``mail.``/``<domain>`` on 465 and 587, ManageSieve 4190 on the IMAP host; all at once.
A candidate counts only when the TLS handshake completed with a certificate valid for that very
host name — for STARTTLS after the server really agreed to upgrade (its OK/220, not the word in
a capability list; nothing read before TLS kept) — and the protocol's greeting came. The steps
are the login checks' own (``open_imap``/``secure_imap``… in ``wizard/checks/``), stopped before
any login. Never plain, never port 25.

Unlike Thunderbird's guessing (one after another, 10 s each, STARTTLS taken on the word), the
preference order decides among the candidates that proved themselves, and a preferred candidate
still pending is waited for only until the run's bound: implicit TLS before STARTTLS (RFC 8314),
then ``imap.``/``smtp.`` before ``mail.`` before the bare domain.

Every probe target is inside the address's domain, so a proven result is trusted: the
certificate shows the server is the one named, and the name is the domain's own.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from wizard.checks.errors import CheckCancelled, CheckFailure
from wizard.checks.imap import open_imap, secure_imap
from wizard.checks.model import CancelToken, CheckResult
from wizard.checks.session import CheckSession
from wizard.checks.sieve import open_sieve, secure_sieve
from wizard.checks.smtp import ehlo, open_smtp, secure_smtp
from wizard.discovery.model import FoundServer, FoundSettings, Lookup, Outcome, visible
from wizard.discovery.net import LookupTimeout, NameNotFound, Network
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin


@dataclass(frozen=True)
class Candidate:
    service: Service
    host: str
    port: int
    security: Security

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ProbeResult:
    """What one candidate did: ``ok`` only after a verified TLS session and a greeting."""

    candidate: Candidate
    ok: bool
    detail: str
    ms: float
    certificate_names: tuple[str, ...] = ()


def probe_hosts(domain: str) -> list[str]:
    """The names probing connects to."""
    return [f"imap.{domain}", f"smtp.{domain}", f"mail.{domain}", domain]


def candidates(domain: str) -> list[Candidate]:
    """Every candidate, each service's in the order of preference."""
    imap_hosts = [f"imap.{domain}", f"mail.{domain}", domain]
    smtp_hosts = [f"smtp.{domain}", f"mail.{domain}", domain]
    out = [Candidate(Service.IMAP, h, 993, Security.TLS) for h in imap_hosts]
    out += [Candidate(Service.IMAP, h, 143, Security.STARTTLS) for h in imap_hosts]
    out += [Candidate(Service.SMTP, h, 465, Security.TLS) for h in smtp_hosts]
    out += [Candidate(Service.SMTP, h, 587, Security.STARTTLS) for h in smtp_hosts]
    out += [Candidate(Service.SIEVE, h, 4190, Security.STARTTLS) for h in imap_hosts]
    return out


def probe_candidate(
    net: Network, candidate: Candidate, cancel: CancelToken, end: float
) -> ProbeResult:
    """Connect, secure (implicit TLS or a real STARTTLS) and read the greeting; never log in.

    Built from the checks' own public steps (``open_*``, ``secure_*``), so a probe proves
    exactly what a login check would rely on: the certificate verified for this host name, a
    STARTTLS that really upgraded (nothing said before TLS kept). Public for the domain
    audit, which reports every port, not only the winner.
    """
    t0 = time.monotonic()
    c = candidate
    # The session's own cancel: Stop, or the run's bound (its deadline alone allows 3 x T).
    token = CancelToken()
    undo = cancel.on_cancel(token.cancel)
    timer = threading.Timer(max(0.0, end - time.monotonic()), token.cancel)
    timer.daemon = True
    timer.start()
    result = CheckResult(c.service, c.host, c.port, c.security, "")
    timeout = max(0.05, min(net.op_timeout, end - time.monotonic()))
    session = CheckSession(result, "", timeout, token, net.trust)

    def resolver(host: str, port: int) -> list[tuple[str, int]]:
        return [net.route(ip, port) for ip in net.addresses(host, port, lifetime=timeout)]

    def outcome(ok: bool, detail: str) -> ProbeResult:
        names = result.tls.san if result.tls else ()
        return ProbeResult(c, ok, detail, (time.monotonic() - t0) * 1000, tuple(names))

    try:
        _STEPS[c.service](session, session.open(resolver), c.security is Security.STARTTLS)
        return outcome(True, f"{c.security.socket_type} verified for {c.host}")
    except CheckCancelled:
        if cancel.cancelled:
            raise
        return outcome(False, "no answer in time")
    except NameNotFound:
        return outcome(False, f"{c.host} has no address")
    except ConnectionRefusedError:
        return outcome(False, "refused")
    except (TimeoutError, LookupTimeout):
        return outcome(False, "no answer")
    except ssl.SSLCertVerificationError as exc:
        return outcome(False, f"certificate not valid for {c.host} ({exc.verify_message})")
    except ssl.SSLError as exc:
        return outcome(False, f"TLS failed ({exc.reason or exc})")
    except CheckFailure as exc:
        return outcome(False, visible(exc.detail))
    except Exception as exc:  # imaplib's and smtplib's own errors: a broken dialogue
        return outcome(False, visible(f"{exc.__class__.__name__}: {exc}"))
    finally:
        timer.cancel()
        undo()
        session.close()


def _imap(session: CheckSession, sock: socket.socket, starttls: bool) -> None:
    conn = open_imap(session, sock)
    if starttls:
        secure_imap(session, conn)


def _smtp(session: CheckSession, sock: socket.socket, starttls: bool) -> None:
    smtp = open_smtp(session, sock)
    if starttls:
        ehlo(session, smtp)
        secure_smtp(session, smtp)


def _sieve(session: CheckSession, sock: socket.socket, starttls: bool) -> None:
    conn, caps = open_sieve(session, sock)
    if starttls:
        secure_sieve(session, conn, caps)


_STEPS: dict[Service, Callable[[CheckSession, socket.socket, bool], None]] = {
    Service.IMAP: _imap,
    Service.SMTP: _smtp,
    Service.SIEVE: _sieve,
}


def lookup_probe(
    net: Network, *, domain: str, address: str, rank: int, cancel: CancelToken, end: float
) -> Lookup:
    """Probe every candidate at once and choose each service's best proven one."""
    t0 = time.monotonic()
    where = f"imap/smtp/mail.{domain} and {domain}: 993, 143, 465, 587, 4190"
    every = candidates(domain)
    results: dict[Candidate, ProbeResult] = {}
    changed = threading.Condition()

    def run(c: Candidate) -> None:
        try:
            r = probe_candidate(net, c, cancel, end)
        except CheckCancelled:
            r = ProbeResult(c, False, "cancelled", 0.0)
        with changed:
            results[c] = r
            changed.notify_all()

    for c in every:
        threading.Thread(target=run, args=(c,), daemon=True, name=f"probe-{c.where}").start()
    with changed:
        while True:
            cancel.raise_if_cancelled()
            imap = _settled(Service.IMAP, every, results)
            smtp = _settled(Service.SMTP, every, results)
            # Both services settled; the filter service only matters on the IMAP host.
            sieve_settled = (
                not isinstance(imap, Candidate) or _settled_sieve(imap, results) is not False
            )
            if imap is not False and smtp is not False and sieve_settled:
                break
            left = end - time.monotonic()
            if left <= 0:
                break
            changed.wait(min(left, 0.05))
        snapshot = dict(results)
    facts = {c.where: r.detail for c, r in snapshot.items()}
    imap_c = _settled(Service.IMAP, every, snapshot, final=True)
    smtp_c = _settled(Service.SMTP, every, snapshot, final=True)
    if not isinstance(imap_c, Candidate) or not isinstance(smtp_c, Candidate):
        missing = [
            s for s, c in (("imap", imap_c), ("smtp", smtp_c)) if not isinstance(c, Candidate)
        ]
        detail = "no verified TLS server for " + " and ".join(missing)
        return Lookup(
            OriginKind.PROBE,
            where,
            Outcome.NONE,
            rank,
            detail=detail,
            ms=(time.monotonic() - t0) * 1000,
            facts=facts,
        )
    sieve_c = _settled_sieve(imap_c, snapshot)
    why = f"verified TLS with a certificate for each host inside {domain}"

    def found(c: Candidate) -> FoundServer:
        origin = SettingsOrigin(OriginKind.PROBE, f"{c.host}:{c.port}", True, why)
        return FoundServer(
            c.service, c.host, c.port, c.security, address, "password-cleartext", origin
        )

    settings = FoundSettings(
        found(imap_c), found(smtp_c), found(sieve_c) if isinstance(sieve_c, Candidate) else None
    )
    detail = ", ".join(f"{s.service.value} {s.hostname}:{s.port}" for s in settings.servers)
    return Lookup(
        OriginKind.PROBE,
        where,
        Outcome.FOUND,
        rank,
        True,
        why,
        detail,
        (time.monotonic() - t0) * 1000,
        settings,
        facts,
    )


def _settled(
    service: Service,
    every: list[Candidate],
    results: dict[Candidate, ProbeResult],
    *,
    final: bool = False,
) -> Candidate | None | bool:
    """The best proven candidate; None when all failed; False while a better one is pending.

    ``final``: the time is up, pending candidates count as failed.
    """
    for c in every:
        if c.service is not service:
            continue
        r = results.get(c)
        if r is None:
            if final:
                continue
            return False
        if r.ok:
            return c
    return None


def _settled_sieve(
    imap: Candidate, results: dict[Candidate, ProbeResult]
) -> Candidate | None | bool:
    c = Candidate(Service.SIEVE, imap.host, 4190, Security.STARTTLS)
    r = results.get(c)
    if r is None:
        return False
    return c if r.ok else None
