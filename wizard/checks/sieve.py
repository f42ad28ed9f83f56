"""ManageSieve (RFC 5804) as public steps: open (greeting and capabilities), secure (STARTTLS and
the capabilities restated over TLS), log in (AUTHENTICATE "PLAIN"), and the goodbye.

A small client of our own rather than a library: the maintained Python one (sievelib) opens its
own socket and does greeting, STARTTLS and login in a single call, so it could neither use the
OS trust store context we verify with nor report each step and the transcript. The part of the
protocol a login check needs is a handful of lines.
"""

from __future__ import annotations

import base64
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from wizard.checks.errors import Cause, CheckFailure
from wizard.checks.model import StepName
from wizard.checks.reader import BoundedReader
from wizard.checks.refusals import classify_sieve
from wizard.checks.server_facts import note_greeting
from wizard.checks.session import CheckSession
from wizard.services import Security

_LITERAL_RE = re.compile(rb"\{(\d+)\+?\}\r?\n$")
_STATUS_RE = re.compile(r"^(OK|NO|BYE)(?:\s+\(([^)]*)\))?\s*(.*)$", re.IGNORECASE)

__all__ = [
    "SieveConnection",
    "SieveResponse",
    "check_sieve",
    "log_in_sieve",
    "log_out_sieve",
    "open_sieve",
    "secure_sieve",
]


@dataclass
class SieveResponse:
    status: str
    code: str
    text: str
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "OK"

    def capabilities(self) -> dict[str, str]:
        caps: dict[str, str] = {}
        for line in self.lines:
            m = re.match(r'^"([^"]+)"(?:\s+"(.*)")?$', line)
            if m:
                caps[m.group(1).upper()] = m.group(2) or ""
        return caps


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


class SieveConnection:
    """A ManageSieve connection on the session's socket, read through its bounded reader."""

    def __init__(self, session: CheckSession, sock: socket.socket) -> None:
        self.session = session
        self.sock = sock
        self.reader = session.reader(sock)

    def rebind(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader.rebind(sock)

    def send(self, line: str) -> None:
        self.session.sent(line)
        self.sock.sendall(line.encode("utf-8") + b"\r\n")

    def read_response(self) -> SieveResponse:
        """Lines up to the status line; the reader bounds their number, length and time."""
        lines: list[str] = []
        while True:
            raw = self.reader.readline()
            if not raw:
                raise CheckFailure(Cause.PROTOCOL_ERROR, "the server closed the connection")
            m = _LITERAL_RE.search(raw)
            if m:  # a literal string: {n}CRLF followed by n octets
                raw = raw[: m.start()] + self.reader.read(int(m.group(1))) + self.reader.readline()
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.session.received(text)
            status = _STATUS_RE.match(text)
            if status and not text.startswith('"'):
                self.reader.end_reply()
                return SieveResponse(
                    status.group(1).upper(),
                    (status.group(2) or "").upper(),
                    _unquote(status.group(3)),
                    lines,
                )
            lines.append(text)


def open_sieve(
    session: CheckSession, sock: socket.socket
) -> tuple[SieveConnection, dict[str, str]]:
    """The greeting step: the server's capabilities (its greeting) and its product."""
    result = session.result
    conn = SieveConnection(session, sock)
    with session.step(StepName.GREETING) as step:
        greeting = conn.read_response()
        if not greeting.ok:
            said = session.redact(greeting.text)
            raise CheckFailure(Cause.AUTH_UNAVAILABLE, f"server said: {said}", said)
        caps = greeting.capabilities()
        result.greeting = session.redact(caps.get("IMPLEMENTATION", greeting.text))
        note_greeting(result, result.greeting)
        result.capabilities = tuple(f"{k} {v}".strip() for k, v in caps.items())
        step.detail = result.greeting
    return conn, caps


def secure_sieve(
    session: CheckSession, conn: SieveConnection, caps: dict[str, str], *, ahead: str = ""
) -> dict[str, str]:
    """STARTTLS, the verified handshake, and the capabilities the server restates over TLS.

    Only those are returned: nothing said before TLS is used after it (RFC 5804 2.2).
    ``ahead`` is a command sent right after the handshake, before the restated capabilities
    are read, so that both answers come back together (the login's round trip saved).
    """
    result = session.result
    if "STARTTLS" not in caps:
        raise CheckFailure(
            Cause.STARTTLS_UNAVAILABLE,
            "the server does not offer STARTTLS; no password was sent",
        )
    with session.step(StepName.STARTTLS) as step:
        conn.send("STARTTLS")
        answer = conn.read_response()
        if not answer.ok:
            said = session.redact(answer.text)
            raise CheckFailure(Cause.STARTTLS_UNAVAILABLE, f"STARTTLS refused: {said}")
        step.detail = "server agreed to STARTTLS"

    def prelude(s: socket.socket) -> None:
        f = session.reader(s)
        _skip_to_status(f)
        s.sendall(b"STARTTLS\r\n")
        _skip_to_status(f)

    tls = session.start_tls(conn.sock, prelude=prelude)
    conn.rebind(tls)
    if ahead:
        conn.send(ahead)
    with session.step(StepName.CAPABILITIES) as step:
        answer = conn.read_response()
        after = answer.capabilities()
        result.capabilities = tuple(f"{k} {v}".strip() for k, v in after.items())
        step.detail = f"SASL: {session.redact(after.get('SASL', '(none)'))}"
        if ahead:
            step.detail += " (AUTHENTICATE already on its way)"
    return after


def log_in_sieve(
    session: CheckSession, conn: SieveConnection, caps: dict[str, str], password: str, *, sent: bool
) -> None:
    """The login step: AUTHENTICATE "PLAIN" (``sent``: already on its way), then its answer."""
    result = session.result
    with session.step(StepName.LOGIN) as step:
        step.detail = f"as {result.username}"
        mechanisms = _sasl(caps)
        if "PLAIN" not in mechanisms:
            raise CheckFailure(
                Cause.PROTOCOL_ERROR,
                f"the server offers no PLAIN login here (SASL: {' '.join(mechanisms)})",
            )
        if not sent:
            conn.send(_authenticate_line(result.username, password))
        answer = conn.read_response()
        if not answer.ok:
            full = session.redact(
                f"{answer.status} ({answer.code}) {answer.text}"
                if answer.code
                else (f"{answer.status} {answer.text}")
            )
            cause = classify_sieve(answer.code, answer.text)
            raise CheckFailure(cause, f"server said: {full}", full)
        step.detail = f"logged in as {result.username}: {session.redact(answer.text)}"


def log_out_sieve(conn: SieveConnection) -> Callable[[], None]:
    """LOGOUT, sent and never awaited (see CheckSession.farewell)."""
    return lambda: conn.send("LOGOUT")


def check_sieve(session: CheckSession, sock: socket.socket, password: str) -> Callable[[], None]:
    """The ManageSieve login check on a connected (and, for implicit TLS, secured) socket."""
    result = session.result
    conn, caps = open_sieve(session, sock)
    early = False
    if result.security is Security.STARTTLS:
        # RFC 5804 2.2: after TLS the server restates its capabilities unasked. Waiting for
        # them before AUTHENTICATE costs a round trip: the command goes out at once and both
        # answers come back together. Only when PLAIN may be offered after TLS: the list
        # before TLS names it, or names nothing (Dovecot hides SASL until TLS). The credential
        # only ever travels inside the verified TLS connection, and whether PLAIN is really
        # offered is judged from the list restated over TLS.
        early = "PLAIN" in _sasl(caps) or not _sasl(caps)
        ahead = _authenticate_line(result.username, password) if early else ""
        caps = secure_sieve(session, conn, caps, ahead=ahead)
    log_in_sieve(session, conn, caps, password, sent=early)
    return log_out_sieve(conn)


def _sasl(caps: dict[str, str]) -> list[str]:
    return caps.get("SASL", "").upper().split()


def _authenticate_line(username: str, password: str) -> str:
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
    return f'AUTHENTICATE "PLAIN" "{token}"'


def _skip_to_status(f: BoundedReader) -> None:
    while True:
        line = f.readline()
        if not line or line[:2].upper() in (b"OK", b"NO", b"BY"):
            f.end_reply()
            return
