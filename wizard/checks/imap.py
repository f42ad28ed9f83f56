"""IMAP check with imapclient: greeting, capabilities, STARTTLS when asked, login.

imapclient (over imaplib) speaks the protocol; this module hands it a socket that the shared
session already resolved, connected and secured, so each of those is a timed step of its own,
and it records the raw lines for the masked transcript.
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
from wizard.checks.session import Session
from wizard.services import Security

_ALERT_RE = re.compile(r"\[ALERT\]\s*(.*)", re.IGNORECASE)


class _RecordingIMAP4(imaplib.IMAP4):
    """imaplib on a socket we already opened, copying every line into the session transcript."""

    def __init__(self, session: Session, sock: socket.socket, host: str, port: int) -> None:
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


class _Client(IMAPClient):  # type: ignore[misc]  # imapclient ships no type hints
    """IMAPClient whose connection is the session's prepared socket."""

    def __init__(self, session: Session, sock: socket.socket) -> None:
        self._session = session
        self._prepared = sock
        super().__init__(
            session.result.host,
            port=session.result.port,
            ssl=False,
            timeout=session.timeout,
        )

    def _create_IMAP4(self) -> imaplib.IMAP4:  # noqa: N802 - imapclient's name
        return _RecordingIMAP4(
            self._session, self._prepared, self._session.result.host, self._session.result.port
        )

    @property
    def raw(self) -> _RecordingIMAP4:
        imap: _RecordingIMAP4 = self._imap
        return imap


def _classify_login_failure(text: str) -> tuple[Cause, str]:
    """Cause from the tagged NO line (RFC 5530 codes, else the server's wording)."""
    return classify_imap(text), text


def check_imap(session: Session, sock: socket.socket, password: str) -> Callable[[], None]:
    """Run the IMAP dialogue on a connected (and, for implicit TLS, secured) socket."""
    result = session.result
    with session.step(StepName.GREETING) as step:
        try:
            client = _Client(session, sock)
        except (imaplib.IMAP4.error, IMAPClientError) as exc:
            raise CheckFailure(Cause.PROTOCOL_ERROR, f"unexpected greeting: {exc}") from None
        welcome = client.welcome
        greeting = welcome.decode("utf-8", "replace") if isinstance(welcome, bytes) else ""
        result.greeting = greeting
        note_greeting(result, greeting)
        step.detail = greeting
    raw = client.raw
    caps = _capabilities(raw)
    result.capabilities = caps
    session.result.steps[-1].facts["capabilities"] = " ".join(caps)

    if result.security is Security.STARTTLS:
        if "STARTTLS" not in caps:
            raise CheckFailure(
                Cause.STARTTLS_UNAVAILABLE,
                "the server does not offer STARTTLS; no password was sent",
            )
        _starttls(session, raw)
        caps = _capabilities(raw)
        result.capabilities = caps

    with session.step(StepName.LOGIN) as step:
        step.detail = f"as {result.username}"
        use_plain = "LOGINDISABLED" in caps or not _is_ascii(result.username + password)
        try:
            if use_plain:
                # LOGIN has no defined charset for non-ASCII passwords and may be disabled;
                # SASL PLAIN is UTF-8 by definition.
                if "AUTH=PLAIN" not in caps:
                    raise CheckFailure(
                        Cause.PROTOCOL_ERROR,
                        "the server offers neither LOGIN nor AUTHENTICATE PLAIN here",
                    )
                if "SASL-IR" in caps:
                    _plain_login_with_initial_response(raw, result.username, password)
                else:
                    client.plain_login(result.username, password)
            else:
                client.login(result.username, password)
        except LoginError:
            tagged = raw.last_tagged
            cause, detail = _classify_login_failure(tagged)
            alert = _ALERT_RE.search(tagged)
            if alert:
                result.server_alert = alert.group(1)
            raise CheckFailure(cause, f"server said: {tagged}", tagged) from None
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            raise CheckFailure(
                Cause.PROTOCOL_ERROR, f"connection lost during login: {exc}"
            ) from None
        step.detail = f"logged in as {result.username}: {raw.last_tagged}"
    for untagged in raw.untagged_responses.get("OK", []):
        text = untagged.decode("utf-8", "replace") if isinstance(untagged, bytes) else ""
        alert = _ALERT_RE.search(text)
        if alert:
            result.server_alert = alert.group(1)

    def logout() -> None:
        raw.send(raw._new_tag() + b" LOGOUT\r\n")  # imaplib's own tag sequence

    return logout


def _plain_login_with_initial_response(raw: _RecordingIMAP4, username: str, password: str) -> None:
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


def _is_ascii(text: str) -> bool:
    return all(ord(c) < 128 for c in text)


def _capabilities(raw: imaplib.IMAP4) -> tuple[str, ...]:
    caps: Any = raw.capabilities
    return tuple(str(c) for c in caps)


def _starttls(session: Session, raw: _RecordingIMAP4) -> None:
    with session.step(StepName.STARTTLS) as step:
        typ, data = raw._simple_command("STARTTLS")
        if typ != "OK":
            raise CheckFailure(Cause.STARTTLS_UNAVAILABLE, f"STARTTLS refused: {data!r}")
        step.detail = "server agreed to STARTTLS"
    raw_sock = raw.sock

    def prelude(s: socket.socket) -> None:
        # Replays the plaintext part only to describe a refused certificate.
        f = session.reader(s)
        f.readline()
        s.sendall(b"a1 STARTTLS\r\n")
        while (line := f.readline()) and not line.startswith(b"a1 "):
            pass

    tls = session.start_tls(raw_sock, prelude=prelude)
    raw.sock = tls
    raw.file = tls.makefile("rb")  # unused for reading (ours is), closed by imaplib's shutdown
    raw.reader.rebind(tls)
    raw._tls_established = True  # type: ignore[attr-defined]  # imaplib's own flag
    raw._get_capabilities()
