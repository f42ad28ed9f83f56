"""SMTP submission with smtplib, as public steps: open (greeting), EHLO, secure (STARTTLS and
EHLO again), log in (AUTH), and the goodbye.

No credential ever goes out before TLS: with STARTTLS configured, a server that does not offer
it ends the check (``starttls_unavailable``) before AUTH is even considered. The login check
(:func:`check_smtp`), the test message's submission and a probe that never logs in are built
from the same steps, so a blocklist greeting or a refused certificate reads the same in all.
"""

from __future__ import annotations

import base64
import smtplib
import socket
from collections.abc import Callable
from typing import Any

from wizard.checks.errors import Cause, CheckFailure
from wizard.checks.model import StepName
from wizard.checks.reader import BoundedReader
from wizard.checks.refusals import classify_smtp
from wizard.checks.server_facts import note_ehlo, note_greeting, note_refusal
from wizard.checks.session import CheckSession
from wizard.servers.blocklist import is_blocklist_refusal
from wizard.services import Security

__all__ = [
    "SmtpConnection",
    "check_smtp",
    "ehlo",
    "extensions",
    "log_in_smtp",
    "log_out_smtp",
    "open_smtp",
    "secure_smtp",
]


class SmtpConnection(smtplib.SMTP):
    """smtplib on the session's socket, copying each command and reply into the transcript."""

    def __init__(self, session: CheckSession, sock: socket.socket) -> None:
        self._session = session
        self._ready_sock = sock
        self.reader = session.reader(sock)
        super().__init__(local_hostname=_helo_name(sock), timeout=session.timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._ready_sock

    def send(self, s: Any) -> None:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s)
        self._session.sent(text)
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        """smtplib's reply parsing over our bounded reader (see wizard.checks.reader).

        smtplib's own getreply() caps each line but not the number of ``250-`` lines.
        """
        lines: list[bytes] = []
        code = -1
        while True:
            line = self.reader.readline()
            if not line:
                self.close()
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self._session.received(line.decode("utf-8", "replace"))
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
        self.reader.end_reply()
        return code, b"\n".join(lines)


def _helo_name(sock: socket.socket) -> str:
    # An address literal of the interface used, as mail clients do; never the machine's
    # name, which can leak personal names ("Joes-MacBook") into server logs.
    ip = sock.getsockname()[0]
    return f"[IPv6:{ip}]" if ":" in ip else f"[{ip}]"


def open_smtp(session: CheckSession, sock: socket.socket) -> SmtpConnection:
    """The greeting step; a refusal at connect time gets its cause (a blocklist, busy, other)."""
    result = session.result
    with session.step(StepName.GREETING) as step:
        smtp = SmtpConnection(session, sock)
        code, msg = smtp.connect(result.host, result.port)
        text = session.redact(msg.decode("utf-8", "replace"))
        result.greeting = f"{code} {text}"
        note_greeting(result, text.split("\n", 1)[0])
        step.detail = result.greeting
        if code != 220:
            if is_blocklist_refusal(text):
                note_refusal(result, text)
                raise CheckFailure(Cause.CONNECTION_BLOCKED, f"server said: {code} {text}", text)
            if 400 <= code < 500:
                raise CheckFailure(Cause.AUTH_UNAVAILABLE, f"server said: {code} {text}", text)
            raise CheckFailure(Cause.PROTOCOL_ERROR, f"unexpected greeting: {code} {text}", text)
    return smtp


def ehlo(session: CheckSession, smtp: SmtpConnection, *, secured: bool = False) -> tuple[str, ...]:
    """The capabilities step (EHLO); what the server offers, also kept on the result.

    ``secured``: the EHLO that follows STARTTLS (its answer names no new server facts).
    """
    result = session.result
    with session.step(StepName.CAPABILITIES) as step:
        code, msg = smtp.ehlo()
        if code != 250:
            if secured:
                raise CheckFailure(Cause.PROTOCOL_ERROR, f"EHLO after STARTTLS refused: {code}")
            said = session.redact(repr(msg))
            raise CheckFailure(Cause.PROTOCOL_ERROR, f"EHLO refused: {code} {said}")
        if not secured:
            note_ehlo(result, msg.decode("utf-8", "replace"), smtp.local_hostname)
        result.capabilities = extensions(smtp)
        step.detail = session.redact(", ".join(result.capabilities))
    return result.capabilities


def secure_smtp(session: CheckSession, smtp: SmtpConnection) -> None:
    """STARTTLS, the verified handshake, then EHLO again: nothing from before TLS is kept."""
    if not smtp.has_extn("starttls"):
        raise CheckFailure(
            Cause.STARTTLS_UNAVAILABLE,
            "the server does not offer STARTTLS; no password was sent",
        )
    with session.step(StepName.STARTTLS) as step:
        code, msg = smtp.docmd("STARTTLS")
        if code != 220:
            raise CheckFailure(
                Cause.STARTTLS_UNAVAILABLE,
                f"STARTTLS refused: {code} {session.redact(msg.decode(errors='replace'))}",
            )
        step.detail = "server agreed to STARTTLS"
    helo = smtp.local_hostname

    def prelude(s: socket.socket) -> None:
        f = session.reader(s)
        _read_smtp_reply(f)
        s.sendall(f"EHLO {helo}\r\n".encode())
        _read_smtp_reply(f)
        s.sendall(b"STARTTLS\r\n")
        _read_smtp_reply(f)

    assert smtp.sock is not None  # connected in the greeting step
    tls = session.start_tls(smtp.sock, prelude=prelude)
    # What smtplib.starttls() does after the handshake: forget all pre-TLS state.
    smtp.sock = tls
    smtp.file = None
    smtp.reader.rebind(tls)
    smtp.helo_resp = None
    smtp.ehlo_resp = None
    smtp.esmtp_features = {}
    smtp.does_esmtp = False
    ehlo(session, smtp, secured=True)


def log_in_smtp(session: CheckSession, smtp: SmtpConnection, password: str) -> None:
    """The login step (AUTH PLAIN, else LOGIN); a refusal gets the cause its reply says."""
    result = session.result
    with session.step(StepName.LOGIN) as step:
        step.detail = f"as {result.username}"
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        if not smtp.has_extn("auth") or not mechanisms:
            raise CheckFailure(
                Cause.PROTOCOL_ERROR, "the server does not offer login (AUTH) on this connection"
            )
        code, text = _authenticate(smtp, mechanisms, result.username, password)
        if code != 235:
            full = session.redact(f"{code} {text}")
            raise CheckFailure(classify_smtp(code, text), f"server said: {full}", full)
        step.detail = f"logged in as {result.username}: {session.redact(f'{code} {text}')}"


def log_out_smtp(smtp: SmtpConnection) -> Callable[[], None]:
    """QUIT, sent and never awaited (see CheckSession.farewell)."""
    # Not pipelined with AUTH: it is never waited for, so riding along would save nothing
    # and would need the server's PIPELINING.
    return lambda: smtp.send("QUIT\r\n")


def check_smtp(session: CheckSession, sock: socket.socket, password: str) -> Callable[[], None]:
    """The submission login check on a connected (and, for implicit TLS, secured) socket."""
    smtp = open_smtp(session, sock)
    ehlo(session, smtp)
    if session.result.security is Security.STARTTLS:
        secure_smtp(session, smtp)
    log_in_smtp(session, smtp, password)
    return log_out_smtp(smtp)


def _authenticate(
    smtp: smtplib.SMTP, mechanisms: list[str], username: str, password: str
) -> tuple[int, str]:
    """AUTH PLAIN (or LOGIN) by hand.

    smtplib.login() encodes the SASL response as ASCII, so a password with an accent or an
    emoji would fail before reaching the server; SASL PLAIN is defined as UTF-8 (RFC 4616).
    """
    if "PLAIN" in mechanisms:
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
        smtp.send(f"AUTH PLAIN {token}\r\n")
        code, msg = smtp.getreply()
        return code, msg.decode("utf-8", "replace")
    if "LOGIN" in mechanisms:
        code, msg = smtp.docmd("AUTH", "LOGIN")
        if code != 334:
            return code, msg.decode("utf-8", "replace")
        code, msg = smtp.docmd(base64.b64encode(username.encode()).decode())
        if code != 334:
            return code, msg.decode("utf-8", "replace")
        code, msg = smtp.docmd(base64.b64encode(password.encode()).decode())
        return code, msg.decode("utf-8", "replace")
    raise CheckFailure(
        Cause.PROTOCOL_ERROR, f"no password login offered (server offers {' '.join(mechanisms)})"
    )


def extensions(smtp: smtplib.SMTP) -> tuple[str, ...]:
    """The EHLO keywords with their parameters, as the server listed them."""
    return tuple(f"{k.upper()} {v.strip()}".strip() for k, v in smtp.esmtp_features.items())


def _read_smtp_reply(f: BoundedReader) -> None:
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-":
            f.end_reply()
            return
