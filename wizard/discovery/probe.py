"""Probing: the usual host names and ports, each counted only after a verified TLS session.

Hosts ``imap.``/``mail.``/``<domain>`` on 993 (implicit TLS) and 143 (STARTTLS),
``smtp.``/``mail.``/``<domain>`` on 465 and 587, ManageSieve 4190 on the IMAP host; all at once.
A candidate counts only when the TLS handshake completed with a certificate valid for that very
host name — for STARTTLS after the server really agreed to upgrade (its OK/220, not the word in
a capability list) — and the protocol's greeting came. Never plain, never port 25.

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
from dataclasses import dataclass

from wizard.checks.errors import CheckCancelled
from wizard.checks.model import CancelToken
from wizard.discovery.model import FoundServer, FoundSettings, Lookup, Outcome
from wizard.discovery.net import LookupTimeout, NameNotFound, Network, guarded
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin

MAX_REPLY = 16 * 1024  # a greeting or an EHLO answer is well under 2 KB


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


class _Lines:
    """Reads one reply (up to the line ``done`` accepts), bounded in bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def reply(self, done: object) -> list[str]:
        assert callable(done)
        lines: list[str] = []
        total = 0
        while True:
            while b"\n" not in self.buffer:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                total += len(chunk)
                if total > MAX_REPLY:
                    raise ConnectionError("the reply is too long")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            text = line.decode("utf-8", "replace").rstrip("\r")
            lines.append(text)
            if done(text):
                return lines


def _smtp_end(line: str) -> bool:
    return len(line) < 4 or line[3] != "-"


def _expect(ok: bool, what: str, line: str) -> None:
    if not ok:
        shown = line[:80].encode("unicode_escape").decode("ascii")
        raise ConnectionError(f"{what}: {shown!r}")


def _greeting(service: Service, reader: _Lines) -> None:
    if service is Service.IMAP:
        line = reader.reply(lambda t: t.startswith("* "))[-1]
        _expect(line.upper().startswith("* OK"), "not an IMAP greeting", line)
    elif service is Service.SMTP:
        line = reader.reply(_smtp_end)[-1]
        _expect(line.startswith("220"), "not an SMTP greeting", line)
    else:
        line = reader.reply(lambda t: t.upper().startswith(("OK", "NO", "BYE")))[-1]
        _expect(line.upper().startswith("OK"), "not a ManageSieve greeting", line)


def _starttls(service: Service, sock: socket.socket, reader: _Lines) -> None:
    """Ask for the upgrade and insist on the server's yes (the upgrade must really happen)."""
    if service is Service.IMAP:
        sock.sendall(b"p1 STARTTLS\r\n")
        line = reader.reply(lambda t: t.upper().startswith("P1 "))[-1]
        _expect(line.upper().startswith("P1 OK"), "STARTTLS refused", line)
    elif service is Service.SMTP:
        sock.sendall(b"EHLO mail-setup-wizard.invalid\r\n")
        line = reader.reply(_smtp_end)[-1]
        _expect(line.startswith("250"), "EHLO refused", line)
        sock.sendall(b"STARTTLS\r\n")
        line = reader.reply(_smtp_end)[-1]
        _expect(line.startswith("220"), "STARTTLS refused", line)
    else:
        sock.sendall(b"STARTTLS\r\n")
        line = reader.reply(lambda t: t.upper().startswith(("OK", "NO", "BYE")))[-1]
        _expect(line.upper().startswith("OK"), "STARTTLS refused", line)
    if reader.buffer:  # bytes after the yes, before the handshake: injected plaintext
        raise ConnectionError("the server sent data before the TLS handshake")


def probe_candidate(
    net: Network, candidate: Candidate, cancel: CancelToken, end: float
) -> ProbeResult:
    """Connect, secure (implicit TLS or a real STARTTLS) and read the greeting; never log in.

    Public for the domain audit, which reports every port, not only the winner.
    """
    t0 = time.monotonic()
    c = candidate

    def result(ok: bool, detail: str, names: tuple[str, ...] = ()) -> ProbeResult:
        return ProbeResult(c, ok, detail, (time.monotonic() - t0) * 1000, names)

    try:
        raw = net.connect(c.host, c.port, cancel, bound=min(net.op_timeout, end - time.monotonic()))
    except CheckCancelled:
        raise
    except NameNotFound:
        return result(False, f"{c.host} has no address")
    except ConnectionRefusedError:
        return result(False, "refused")
    except (TimeoutError, LookupTimeout):
        return result(False, "no answer")
    except OSError as exc:
        return result(False, f"cannot connect: {exc.strerror or exc}")
    sock: socket.socket = raw
    with guarded(raw, cancel, end):
        try:
            raw.settimeout(max(0.01, min(net.op_timeout, end - time.monotonic())))
            if c.security is Security.STARTTLS:
                _greeting(c.service, _Lines(raw))  # a fresh reader: nothing buffered over
                plain = _Lines(raw)
                _starttls(c.service, raw, plain)
                sock = net.tls(raw, c.host)
            else:
                sock = net.tls(raw, c.host)
                _greeting(c.service, _Lines(sock))
            names = _names(sock)
            security = "TLS" if c.security is Security.TLS else "STARTTLS"
            return result(True, f"{security} verified for {c.host}", names)
        except ssl.SSLCertVerificationError as exc:
            return result(False, f"certificate not valid for {c.host} ({exc.verify_message})")
        except ssl.SSLError as exc:
            return result(False, f"TLS failed ({exc.reason or exc})")
        except (OSError, ValueError) as exc:
            cancel.raise_if_cancelled()
            if isinstance(exc, TimeoutError) or time.monotonic() >= end:
                return result(False, "no answer in time")
            return result(False, str(exc) or exc.__class__.__name__)
        finally:
            sock.close()
            raw.close()


def _names(sock: socket.socket) -> tuple[str, ...]:
    if not isinstance(sock, ssl.SSLSocket):
        return ()
    cert = sock.getpeercert() or {}
    san: tuple[tuple[str, str], ...] = cert.get("subjectAltName", ())  # type: ignore[assignment]
    return tuple(str(value) for kind, value in san if kind == "DNS")


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
