"""Each mail port of a domain's servers as IT needs to see it: open or not, implicit TLS or
STARTTLS as offered, the certificate (names, issuer, expiry), and whether a password could be
sent before TLS.

Describe-only, never a login: the protocol's greeting and capabilities, STARTTLS, and a TLS
handshake verified against the run's trust (the system's plus ``--ca-file``) for the host name
the settings use. A certificate that fails verification is read once more without verifying,
only to say which certificate it was. Each port has the checks' deadline (connect within T, the
rest within 2 x T) and every read goes through the checks' bounded reader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from wizard.audit.dialogue import DIALOGUES, NotThisProtocol, PlainStart
from wizard.audit.resolve import addresses
from wizard.audit.text import shown
from wizard.checks.connect import ConnectFailed, happy_eyeballs
from wizard.checks.deadline import Deadline
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.checks.reader import BoundedReader, ReadLimits
from wizard.checks.tls import RunTrust, describe_certificate, fetch_certificate_for_report
from wizard.services import Security

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
EXPIRY_WARNING_DAYS = 21
_LIMITS = ReadLimits(max_line=8 * 1024, max_lines=100, max_bytes=32 * 1024)


@dataclass(frozen=True)
class Certificate:
    subject: str
    issuer: str
    not_after: str
    names: tuple[str, ...]
    days_left: int | None
    verified: bool  # chain and name verified for the host the settings use
    problem: str = ""  # why verification failed, in OpenSSL's words (escaped)

    @property
    def expires_soon(self) -> bool:
        return self.days_left is not None and self.days_left < EXPIRY_WARNING_DAYS


@dataclass(frozen=True)
class PortReport:
    """What one port of one host showed; ``offered`` is None when nothing mail-like answered."""

    protocol: str
    host: str
    port: int
    expected: Security
    reachable: bool
    offered: Security | None = None
    plain_login_without_tls: bool | None = None
    tls_version: str = ""
    certificate: Certificate | None = None
    greeting: str = ""
    detail: str = ""
    ms: float = 0.0
    addresses: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Speaks what the port is for, with a certificate verified for the host.

        A password accepted before TLS is its own finding (``plain_login_without_tls``): it
        depends on where the client connects from (Dovecot and Haraka allow it from their own
        or private addresses), while this is about what every client gets.
        """
        return (
            self.offered is self.expected
            and self.certificate is not None
            and self.certificate.verified
        )


def _days_left(not_after: str) -> int | None:
    try:
        when = dt.datetime.strptime(not_after[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return (when - dt.datetime.now(dt.UTC)).days


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
        days_left=_days_left(not_after),
        verified=verified,
        problem=shown(problem),
    )


# Tests and benchmarks only: where a (address, port) really listens on loopback.
Route = Callable[[tuple[str, int]], tuple[str, int]]


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
    report = _probe(blank, options, trust, cancel, route)
    return replace(report, ms=round((time.monotonic() - started) * 1000, 1))


def _probe(
    blank: PortReport,
    options: CheckOptions,
    trust: RunTrust,
    cancel: CancelToken,
    route: Route | None,
) -> PortReport:
    deadline = Deadline(options.timeout)
    try:
        addrs = addresses(blank.host, blank.port, options, options.timeout)
        if route is not None:
            addrs = [route(a) for a in addrs]
        if not addrs:
            return replace(blank, detail=f"{blank.host} has no address")
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
            return _look(replace(blank, reachable=True), sock, deadline, trust, options)
        finally:
            for step in undo:
                step()
            sock.close()
    except NotThisProtocol as exc:
        return replace(
            blank, reachable=True, detail=f"not a {blank.protocol} greeting: {shown(str(exc))}"
        )
    except (OSError, ValueError, ssl.SSLError) as exc:
        return replace(blank, reachable=True, detail=shown(str(exc) or type(exc).__name__))
    finally:
        deadline.stop()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _look(
    seen: PortReport,
    sock: socket.socket,
    deadline: Deadline,
    trust: RunTrust,
    options: CheckOptions,
) -> PortReport:
    peer = sock.getpeername()[:2]
    reader = BoundedReader(sock, deadline, _LIMITS)
    dialogue = DIALOGUES[seen.protocol]
    start: PlainStart | None = None
    if seen.expected is not Security.TLS:
        start = dialogue(sock, reader, True)
        seen = replace(
            seen,
            offered=Security.STARTTLS if start.starttls else Security.PLAIN,
            plain_login_without_tls=start.plain_login,
            greeting=shown(start.greeting),
        )
        if not start.upgraded:
            detail = "STARTTLS offered but refused" if start.starttls else "no STARTTLS offered"
            return replace(seen, detail=detail)
    else:
        seen = replace(seen, plain_login_without_tls=False)
    sock.settimeout(deadline.op_timeout())
    try:
        tls = trust.context().wrap_socket(sock, server_hostname=seen.host)
    except ssl.SSLCertVerificationError as exc:
        prelude = _replay(seen.protocol) if start is not None else None
        facts = fetch_certificate_for_report(peer, seen.host, options.timeout, prelude=prelude)
        offered = seen.offered or Security.TLS
        problem = exc.verify_message or str(exc)
        return replace(
            seen,
            offered=offered,
            certificate=_certificate(facts, False, problem),
            detail=f"certificate refused: {shown(problem)}",
        )
    except (ssl.SSLError, OSError) as exc:
        return replace(seen, detail=f"no TLS handshake: {shown(str(exc))}")
    with tls:
        seen = replace(
            seen,
            offered=seen.offered or Security.TLS,
            tls_version=tls.version() or "",
            certificate=_certificate(describe_certificate(tls.getpeercert(True) or b""), True),
        )
        if start is None:
            reader.rebind(tls)
            with contextlib.suppress(OSError, NotThisProtocol):
                seen = replace(seen, greeting=shown(dialogue(tls, reader, False).greeting))
        return seen


def _replay(protocol: str) -> Callable[[socket.socket], None]:
    """The plain-text part again on a second connection, to read a refused certificate."""

    def prelude(raw: socket.socket) -> None:
        deadline = Deadline(min(raw.gettimeout() or 3.0, 3.0))
        try:
            DIALOGUES[protocol](raw, BoundedReader(raw, deadline, _LIMITS), True)
        finally:
            deadline.stop()

    return prelude


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
