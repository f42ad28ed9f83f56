"""IMAP with imapclient, as public steps: open (greeting), secure (STARTTLS), log in, log out.

imapclient (over imaplib) speaks the protocol; these steps hand it a socket that the session
already resolved, connected and secured, so each of those is a timed step of its own, and it
records the raw lines for the masked transcript. The login check (:func:`check_imap`), the test
message's mailbox and a probe that never logs in (open, secure, :func:`capabilities`) are all
built from the same steps, so what one learns (a refusal's cause, ``[ALERT]``, the server's
product) the others learn too.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from wizard.checks.errors import Cause, CheckFailure
from wizard.checks.model import StepName
from wizard.checks.refusals import classify_imap
from wizard.checks.server_facts import note_greeting
from wizard.checks.session import CheckSession
from wizard.services import Security

__all__ = [
    "ImapConnection",
    "RecordingIMAP4",
    "capabilities",
    "check_imap",
    "log_in_imap",
    "log_out_imap",
    "open_imap",
    "secure_imap",
]

_ALERT_RE = re.compile(r"\[ALERT\]\s*(.*)", re.IGNORECASE)
# What an IMAP quoted string may hold (RFC 3501 9: QUOTED-CHAR is a 7-bit TEXT-CHAR, no CR,
# LF or NUL); anything else goes as AUTHENTICATE PLAIN, never spliced into a LOGIN line.
_QUOTABLE_RE = re.compile(r"[\x01-\x09\x0b\x0c\x0e-\x7f]*")


class RecordingIMAP4(imaplib.IMAP4):
    """imaplib on a socket we already opened, copying every line into the session transcript."""

    def __init__(self, session: CheckSession, sock: socket.socket, host: str, port: int) -> None:
        self._session = session
        self._ready_sock = sock
        # Read through our bounded reader, not imaplib's file (see wizard.checks.reader).
        self.reader = session.reader(sock)
        self.last_tagged = ""
        super().__init__(host, port, timeout=session.timeout)
        self.reader.end_reply()  # the greeting was an answer of its own

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return self._ready_sock

    def readline(self) -> bytes:
        line = self.reader.readline()
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        self._session.received(text)
        tagre = getattr(self, "tagre", None)
        if tagre is not None and tagre.match(line):
            self.last_tagged = text
            self.reader.end_reply()
        elif line.startswith(b"+"):  # a continuation request ends the server's turn too
            self.reader.end_reply()
        return line

    def read(self, size: int) -> bytes:
        return self.reader.read(size)

    def send(self, data: Any) -> None:
        self._session.sent(bytes(data).decode("utf-8", "replace"))
        super().send(data)

    def _get_capabilities(self) -> None:
        # The greeting usually carries [CAPABILITY ...] already; asking again costs a round
        # trip for nothing (RFC 3501 7.1), so only ask when it did not.
        caps: Any = self.untagged_responses.pop("CAPABILITY", None)
        if caps and isinstance(caps[-1], bytes):
            self.capabilities = tuple(caps[-1].decode("ascii", "replace").upper().split())
            return
        super()._get_capabilities()  # type: ignore[misc]

    def ask_capabilities(self) -> None:
        """CAPABILITY asked on the wire, whatever was said before (after STARTTLS)."""
        self.untagged_responses.pop("CAPABILITY", None)
        super()._get_capabilities()  # type: ignore[misc]


class ImapConnection(IMAPClient):  # type: ignore[misc]  # imapclient ships no type hints
    """An IMAP connection on the session's prepared socket (imapclient's API, plus ``raw``)."""

    def __init__(self, session: CheckSession, sock: socket.socket) -> None:
        self._session = session
        self._prepared = sock
        super().__init__(
            session.result.host,
            port=session.result.port,
            ssl=False,
            timeout=session.timeout,
        )

    def _create_IMAP4(self) -> imaplib.IMAP4:  # noqa: N802 - imapclient's name
        return RecordingIMAP4(
            self._session, self._prepared, self._session.result.host, self._session.result.port
        )

    @property
    def raw(self) -> RecordingIMAP4:
        imap: RecordingIMAP4 = self._imap
        return imap


def open_imap(session: CheckSession, sock: socket.socket) -> ImapConnection:
    """The greeting step: read it, note the server's product, keep its capabilities."""
    result = session.result
    with session.step(StepName.GREETING) as step:
        try:
            conn = ImapConnection(session, sock)
        except (imaplib.IMAP4.error, IMAPClientError) as exc:
            said = session.redact(str(exc))
            raise CheckFailure(Cause.PROTOCOL_ERROR, f"unexpected greeting: {said}") from None
        welcome = conn.welcome
        greeting = welcome.decode("utf-8", "replace") if isinstance(welcome, bytes) else ""
        greeting = session.redact(greeting)
        result.greeting = greeting
        note_greeting(result, greeting)
        step.detail = greeting
        result.capabilities = capabilities(conn)
        step.facts["capabilities"] = " ".join(result.capabilities)
    return conn


def capabilities(conn: ImapConnection) -> tuple[str, ...]:
    """What the server offers on this connection now (upper case, as imaplib keeps them)."""
    caps: Any = conn.raw.capabilities
    return tuple(str(c) for c in caps)


def secure_imap(session: CheckSession, conn: ImapConnection) -> None:
    """STARTTLS, the verified handshake, then the capabilities asked afresh over TLS.

    Nothing the server said before TLS is kept (RFC 3501 6.2.1): an untagged CAPABILITY that
    came with the STARTTLS answer could have been put there by anyone on the path.
    """
    result = session.result
    raw = conn.raw
    if "STARTTLS" not in capabilities(conn):
        raise CheckFailure(
            Cause.STARTTLS_UNAVAILABLE,
            "the server does not offer STARTTLS; no password was sent",
        )
    with session.step(StepName.STARTTLS) as step:
        typ, data = raw._simple_command("STARTTLS")
        if typ != "OK":
            said = session.redact(repr(data))
            raise CheckFailure(Cause.STARTTLS_UNAVAILABLE, f"STARTTLS refused: {said}")
        step.detail = "server agreed to STARTTLS"

    def prelude(s: socket.socket) -> None:
        # Replays the plaintext part only to describe a refused certificate.
        f = session.reader(s)
        f.readline()
        s.sendall(b"a1 STARTTLS\r\n")
        while (line := f.readline()) and not line.startswith(b"a1 "):
            pass

    tls = session.start_tls(raw.sock, prelude=prelude)
    raw.sock = tls
    raw.file = tls.makefile("rb")  # unused for reading (ours is), closed by imaplib's shutdown
    raw.reader.rebind(tls)
    raw._tls_established = True  # type: ignore[attr-defined]  # imaplib's own flag
    raw.untagged_responses.clear()
    raw.ask_capabilities()
    result.capabilities = capabilities(conn)


def log_in_imap(session: CheckSession, conn: ImapConnection, password: str) -> None:
    """The login step: LOGIN, or AUTHENTICATE PLAIN when LOGIN cannot carry the credentials.

    A refusal becomes a :class:`CheckFailure` with the cause :mod:`wizard.checks.refusals`
    reads from the server's answer; an ``[ALERT]`` goes to ``result.server_alert``.
    """
    result = session.result
    raw = conn.raw
    caps = capabilities(conn)
    with session.step(StepName.LOGIN) as step:
        step.detail = f"as {result.username}"
        use_plain = "LOGINDISABLED" in caps or not _QUOTABLE_RE.fullmatch(
            result.username + password
        )
        try:
            if use_plain:
                # LOGIN has no defined charset for non-ASCII passwords, cannot carry CR or LF
                # in a quoted string, and may be disabled; SASL PLAIN is UTF-8 by definition.
                if "AUTH=PLAIN" not in caps:
                    raise CheckFailure(
                        Cause.PROTOCOL_ERROR,
                        "the server offers neither LOGIN nor AUTHENTICATE PLAIN here",
                    )
                if "SASL-IR" in caps:
                    _plain_login_with_initial_response(raw, result.username, password)
                else:
                    conn.plain_login(result.username, password)
            else:
                conn.login(result.username, password)
        except LoginError:
            tagged = session.redact(raw.last_tagged)
            _note_alert(session, tagged)
            raise CheckFailure(classify_imap(tagged), f"server said: {tagged}", tagged) from None
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            said = session.redact(str(exc))
            raise CheckFailure(
                Cause.PROTOCOL_ERROR, f"connection lost during login: {said}"
            ) from None
        step.detail = f"logged in as {result.username}: {session.redact(raw.last_tagged)}"
    for untagged in raw.untagged_responses.get("OK", []):
        text = untagged.decode("utf-8", "replace") if isinstance(untagged, bytes) else ""
        _note_alert(session, text)


def _note_alert(session: CheckSession, text: str) -> None:
    alert = _ALERT_RE.search(text)
    if alert:
        session.result.server_alert = session.redact(alert.group(1))


def log_out_imap(conn: ImapConnection) -> Callable[[], None]:
    """How to say goodbye: LOGOUT sent, its answer never awaited (see CheckSession.farewell)."""
    raw = conn.raw

    def logout() -> None:
        raw.send(raw._new_tag() + b" LOGOUT\r\n")  # imaplib's own tag sequence

    return logout


def check_imap(session: CheckSession, sock: socket.socket, password: str) -> Callable[[], None]:
    """The IMAP login check on a connected (and, for implicit TLS, secured) socket."""
    conn = open_imap(session, sock)
    if session.result.security is Security.STARTTLS:
        secure_imap(session, conn)
    log_in_imap(session, conn, password)
    return log_out_imap(conn)


def _plain_login_with_initial_response(raw: RecordingIMAP4, username: str, password: str) -> None:
    """AUTHENTICATE PLAIN with the credentials on the command line (RFC 4959 SASL-IR).

    imaplib always waits for the server's "+ " before sending them: a round trip for nothing.
    """
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
    try:
        typ, _ = raw._simple_command("AUTHENTICATE", "PLAIN", token)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # BAD: the same as a refused login, as in plain_login()
        raise LoginError(str(exc)) from None
    if typ != "OK":
        raise LoginError(raw.last_tagged)
    raw.state = "AUTH"
