"""SMTP submission check with smtplib: greeting, EHLO, STARTTLS, EHLO again, AUTH, QUIT.

No credential ever goes out before TLS: with STARTTLS configured, a server that does not offer
it ends the check (``starttls_unavailable``) before AUTH is even considered.
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
from wizard.checks.session import Session
from wizard.servers.blocklist import is_blocklist_refusal
from wizard.services import Security


class _RecordingSMTP(smtplib.SMTP):
    """smtplib on the session's socket, copying each command and reply into the transcript."""

    def __init__(self, session: Session, sock: socket.socket) -> None:
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


def _auth_failure(code: int, text: str) -> CheckFailure:
    full = f"{code} {text}"
    return CheckFailure(classify_smtp(code, text), f"server said: {full}", full)


def check_smtp(session: Session, sock: socket.socket, password: str) -> Callable[[], None]:
    result = session.result
    with session.step(StepName.GREETING) as step:
        smtp = _RecordingSMTP(session, sock)
        code, msg = smtp.connect(result.host, result.port)
        text = msg.decode("utf-8", "replace")
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

    with session.step(StepName.CAPABILITIES) as step:
        code, msg = smtp.ehlo()
        if code != 250:
            raise CheckFailure(Cause.PROTOCOL_ERROR, f"EHLO refused: {code} {msg!r}")
        note_ehlo(result, msg.decode("utf-8", "replace"), smtp.local_hostname)
        result.capabilities = _extensions(smtp)
        step.detail = ", ".join(result.capabilities)

    if result.security is Security.STARTTLS:
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
                    f"STARTTLS refused: {code} {msg.decode(errors='replace')}",
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
        with session.step(StepName.CAPABILITIES) as step:
            code, msg = smtp.ehlo()
            if code != 250:
                raise CheckFailure(Cause.PROTOCOL_ERROR, f"EHLO after STARTTLS refused: {code}")
            result.capabilities = _extensions(smtp)
            step.detail = ", ".join(result.capabilities)

    with session.step(StepName.LOGIN) as step:
        step.detail = f"as {result.username}"
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        if not smtp.has_extn("auth") or not mechanisms:
            raise CheckFailure(
                Cause.PROTOCOL_ERROR, "the server does not offer login (AUTH) on this connection"
            )
        code, text = _authenticate(smtp, mechanisms, result.username, password)
        if code != 235:
            raise _auth_failure(code, text)
        step.detail = f"logged in as {result.username}: {code} {text}"

    # QUIT after the answer, not pipelined with AUTH: it is never waited for, so riding along
    # would save nothing and would need the server's PIPELINING.
    return lambda: smtp.send("QUIT\r\n")


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


def _extensions(smtp: smtplib.SMTP) -> tuple[str, ...]:
    return tuple(f"{k.upper()} {v.strip()}".strip() for k, v in smtp.esmtp_features.items())


def _read_smtp_reply(f: BoundedReader) -> None:
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-":
            f.end_reply()
            return
