"""Each mail port of a domain's servers as IT needs to see it: open or not, implicit TLS or
STARTTLS as offered, the certificate (names, issuer, expiry), and whether a password could be
sent before TLS.

Describe-only, never a login. IMAP, SMTP and ManageSieve go through the checks' own public
protocol steps (:mod:`wizard.audit.port_session`); POP3, which the checks do not speak, through
a short dialogue of its own read by the same bounded reader. The handshake is verified against
the run's trust (the system's plus ``--ca-file``) for the host name the settings use; a
refused certificate is read once more without verifying, only to say which it was. Each port
has the checks' deadline: connect within T, the rest within 2 x T.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from wizard.audit.dialogue import NotThisProtocol, pop3
from wizard.audit.port_model import EXPIRY_WARNING_DAYS, Certificate, PortReport, days_left
from wizard.audit.port_session import look
from wizard.audit.resolve import addresses
from wizard.audit.text import shown
from wizard.checks.connect import ConnectFailed, happy_eyeballs
from wizard.checks.deadline import Deadline
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.checks.reader import BoundedReader, ReadLimits
from wizard.checks.tls import RunTrust, describe_certificate, fetch_certificate_for_report
from wizard.services import Security

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "MAIL_PORTS",
    "POP_PORTS",
    "Certificate",
    "PortReport",
    "Route",
    "probe_port",
    "probe_ports",
]

# The ports mail programs try, with what each is meant to speak (RFC 8314, RFC 6186, RFC 5804).
MAIL_PORTS: tuple[tuple[str, int, Security], ...] = (
    ("imap", 993, Security.TLS),
    ("imap", 143, Security.STARTTLS),
    ("smtp", 465, Security.TLS),
    ("smtp", 587, Security.STARTTLS),
    ("sieve", 4190, Security.STARTTLS),
)
POP_PORTS: tuple[tuple[str, int, Security], ...] = (
    ("pop3", 995, Security.TLS),
    ("pop3", 110, Security.STARTTLS),
)
_LIMITS = ReadLimits(max_line=8 * 1024, max_lines=100, max_bytes=32 * 1024)

# Tests and benchmarks only: where a (address, port) really listens on loopback.
Route = Callable[[tuple[str, int]], tuple[str, int]]


def _certificate(
    facts: dict[str, str | tuple[str, ...]] | None, verified: bool, problem: str = ""
) -> Certificate | None:
    if not facts:
        return None
    names = facts.get("san", ())
    not_after = str(facts.get("not_after", ""))
    return Certificate(
        subject=shown(str(facts.get("cert_subject", ""))),
        issuer=shown(str(facts.get("cert_issuer", ""))),
        not_after=not_after,
        names=tuple(shown(n) for n in names) if isinstance(names, tuple) else (),
        days_left=days_left(not_after),
        verified=verified,
        problem=shown(problem),
    )


def probe_port(
    protocol: str,
    host: str,
    port: int,
    expected: Security,
    options: CheckOptions,
    trust: RunTrust,
    cancel: CancelToken,
    route: Route | None = None,
) -> PortReport:
    """Look at one port; never raises for anything the network or the server does."""
    started = time.monotonic()
    blank = PortReport(protocol, host, port, expected, reachable=False)
    try:
        addrs = addresses(host, port, options, options.timeout)
        if route is not None:
            addrs = [route(a) for a in addrs]
        if not addrs:
            report = replace(blank, detail=f"{host} has no address")
        elif protocol == "pop3":
            report = _probe_pop(blank, addrs, options, trust, cancel)
        else:
            report = look(blank, addrs, options, trust, cancel)
    except (OSError, ValueError) as exc:
        report = replace(blank, detail=shown(str(exc) or type(exc).__name__))
    return replace(report, ms=round((time.monotonic() - started) * 1000, 1))


def _probe_pop(
    blank: PortReport,
    addrs: list[tuple[str, int]],
    options: CheckOptions,
    trust: RunTrust,
    cancel: CancelToken,
) -> PortReport:
    deadline = Deadline(options.timeout)
    try:
        try:
            sock, _ = happy_eyeballs(addrs, deadline.remaining(), cancel)
        except ConnectFailed as exc:
            refused = isinstance(exc.cause, ConnectionRefusedError)
            return replace(blank, detail="refused" if refused else "no answer (dropped?)")
        deadline.connected()
        undo = [
            deadline.on_expiry(lambda: _shutdown(sock)),
            cancel.on_cancel(lambda: _shutdown(sock)),
        ]
        try:
            return _look_pop(replace(blank, reachable=True), sock, deadline, trust, options)
        finally:
            for step in undo:
                step()
            sock.close()
    except NotThisProtocol as exc:
        return replace(blank, reachable=True, detail=f"not a POP3 greeting: {shown(str(exc))}")
    except (OSError, ValueError, ssl.SSLError) as exc:
        return replace(blank, reachable=True, detail=shown(str(exc) or type(exc).__name__))
    finally:
        deadline.stop()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _look_pop(
    seen: PortReport,
    sock: socket.socket,
    deadline: Deadline,
    trust: RunTrust,
    options: CheckOptions,
) -> PortReport:
    peer = sock.getpeername()[:2]
    reader = BoundedReader(sock, deadline, _LIMITS)
    implicit = seen.expected is Security.TLS
    if not implicit:
        start = pop3(sock, reader, True)
        seen = replace(
            seen,
            offered=Security.STARTTLS if start.starttls else Security.PLAIN,
            plain_login_without_tls=start.plain_login,
            greeting=shown(start.greeting),
        )
        if not start.upgraded:
            detail = "STLS offered but refused" if start.starttls else "no STLS offered"
            return replace(seen, detail=detail)
    sock.settimeout(deadline.op_timeout())
    try:
        tls = trust.context().wrap_socket(sock, server_hostname=seen.host)
    except ssl.SSLCertVerificationError as exc:
        prelude = None if implicit else _replay_pop
        facts = fetch_certificate_for_report(peer, seen.host, options.timeout, prelude=prelude)
        problem = exc.verify_message or str(exc)
        return replace(
            seen,
            offered=seen.offered or Security.TLS,
            certificate=_certificate(facts, False, problem),
            detail=f"certificate refused: {shown(problem)}",
        )
    except (ssl.SSLError, OSError) as exc:
        return replace(seen, detail=f"no TLS handshake: {shown(str(exc))}")
    with tls:
        seen = replace(
            seen,
            offered=seen.offered or Security.TLS,
            plain_login_without_tls=seen.plain_login_without_tls or False,
            tls_version=tls.version() or "",
            certificate=_certificate(describe_certificate(tls.getpeercert(True) or b""), True),
        )
        if implicit:
            reader.rebind(tls)
            with contextlib.suppress(OSError, NotThisProtocol):
                seen = replace(seen, greeting=shown(pop3(tls, reader, False).greeting))
        return seen


def _replay_pop(raw: socket.socket) -> None:
    """The plain-text part again on a second connection, to read a refused certificate."""
    deadline = Deadline(min(raw.gettimeout() or 3.0, 3.0))
    try:
        pop3(raw, BoundedReader(raw, deadline, _LIMITS), True)
    finally:
        deadline.stop()


def probe_ports(
    targets: list[tuple[str, str, int, Security]],
    options: CheckOptions,
    cancel: CancelToken,
    trust: RunTrust | None = None,
    route: Route | None = None,
) -> list[PortReport]:
    """Every (protocol, host, port, expected) side by side, in the order given."""
    trust = trust or RunTrust(options.ca_file)
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(len(targets), 12)) as pool:
        futures = [
            pool.submit(probe_port, protocol, host, port, expected, options, trust, cancel, route)
            for protocol, host, port, expected in targets
        ]
        return [f.result() for f in futures]
