"""The round trip: a test message from the address to itself, to prove mail really flows.

A login that works says nothing about a sender the server refuses, a queue that keeps
retrying, or a spam filter that files one's own mail away. So, once the IMAP and SMTP logins
have passed, this opens the mailbox and watches it, sends a short plain-text message over
authenticated submission, and waits (bounded, cancellable) for it in INBOX or the junk folder,
or for a delivery status notification (RFC 3464) about it instead. Then it removes the test
message, and only that: ``UID STORE +FLAGS (\\Deleted)`` then ``UID EXPUNGE`` (UIDPLUS), or
``UID MOVE`` to Trash; never a plain EXPUNGE, which would also destroy messages the person had
marked as deleted.

Watching uses the cheapest thing the server offers: NOTIFY (RFC 5465) with the token header
pushed along with the new-message event, so no further round trip is needed to recognise it;
else IDLE (RFC 2177) and a search when something arrives; else NOOP with backoff. The network
legs reuse the login checks' pieces (session steps, masked transcript, STARTTLS, AUTH) on
sessions of their own; the round trip's result shows only its own steps (watch, submitted,
arrived, cleanup) and carries both legs' transcripts for the report.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import io
import re
import secrets
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, cast

from imapclient.exceptions import IMAPClientError, LoginError

from wizard import APP_NAME
from wizard.checks.errors import Cause, CheckCancelled, CheckFailure
from wizard.checks.imap import (
    _capabilities,
    _Client,
    _is_ascii,
    _plain_login_with_initial_response,
    _starttls,
)
from wizard.checks.model import CancelToken, CheckResult, StepListener, StepName, StepStatus
from wizard.checks.session import Session
from wizard.checks.smtp import _auth_failure, _authenticate, _extensions, _RecordingSMTP
from wizard.provider import Provider, Security, ServerSettings, Service

TOKEN_HEADER = "X-Mail-Setup-Wizard-Token"  # noqa: S105 - a header name
DEFAULT_ROUND_TRIP_TIMEOUT = 60.0
# RFC 6154 names the junk folder \Junk; servers without SPECIAL-USE use one of these names.
JUNK_NAMES = ("Junk", "Spam", "Junk E-mail", "Bulk Mail", "Junk Email")
TRASH_NAMES = ("Trash", "Deleted Items", "Deleted Messages", "Deleted")
# A delivery report is small; anything bigger is not read whole.
MAX_REPORT_BYTES = 256 * 1024
MAX_LITERAL_BYTES = 64 * 1024
# NOOP polling: start fast (most deliveries take well under a second), back off to this.
POLL_FIRST_S, POLL_MAX_S = 0.25, 4.0
# While IDLE or NOTIFY watches INBOX, the junk folder is looked at this often (not pushed
# without NOTIFY), and IDLE is renewed well inside the 29 minutes RFC 2177 allows.
JUNK_LOOK_S = 2.0

_QUEUE_ID_RES = (
    re.compile(r"queued as ([\w.@-]+)", re.IGNORECASE),  # Postfix, Exim, Sendmail
    re.compile(r"Message Queued \(([\w.-]+)\)", re.IGNORECASE),  # Haraka
    re.compile(r"\bid=([\w.@-]+)", re.IGNORECASE),  # Exim variants, Dovecot submission
)
_LITERAL_RE = re.compile(rb"\{(\d+)\+?\}\r?\n?$")
_UID_RE = re.compile(rb"\bUID (\d+)")


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification (RFC 3464) says about the test message."""

    recipient: str
    action: str
    status: str
    diagnostic: str
    reporting_mta: str


@dataclass
class RoundTripResult(CheckResult):
    """A check result plus what the round trip found out."""

    folder: str | None = None
    delivery_ms: float | None = None
    queue_id: str | None = None
    cleaned_up: bool = False
    cleanup_note: str = ""
    token: str = ""
    message_id: str = ""
    submit_reply: str = ""
    refused_at: str = ""
    watch_mode: str = ""
    bounce: Bounce | None = None

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update(
            folder=self.folder,
            delivery_ms=round(self.delivery_ms, 1) if self.delivery_ms is not None else None,
            queue_id=self.queue_id,
            cleaned_up=self.cleaned_up,
            cleanup_note=self.cleanup_note or None,
            message_id=self.message_id,
            submit_reply=self.submit_reply or None,
            refused_at=self.refused_at or None,
            watch_mode=self.watch_mode,
            bounce=asdict(self.bounce) if self.bounce else None,
        )
        return data


class SubmissionRefused(CheckFailure):
    """MAIL, RCPT or DATA refused: the server's own code and text go to the person and IT."""

    def __init__(self, stage: str, code: int, text: str) -> None:
        reply = f"{code} {text}".strip()
        super().__init__(Cause.SUBMISSION_REFUSED, f"{stage} refused: {reply}", reply)
        self.stage = stage
        self.code = code


# -- the message ----------------------------------------------------------------------------
def new_token() -> str:
    return secrets.token_hex(8)


def build_message(address: str, token: str, now: datetime | None = None) -> EmailMessage:
    """The plain-text test message: from the address to itself, the token twice.

    The Message-ID is on the address's own domain (never this computer's name), and
    Auto-Submitted keeps vacation responders from answering it (RFC 3834).
    """
    domain = address.rpartition("@")[2]
    msg = EmailMessage()
    msg["From"] = address
    msg["To"] = address
    msg["Subject"] = f"Test message from {APP_NAME} — you can delete it ({token})"
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(idstring=token, domain=domain)
    msg[TOKEN_HEADER] = token
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        f"{APP_NAME} sent this message from your address to itself, to check that mail\n"
        "really goes out and comes back in. It removes the message again by itself; if you\n"
        "can still see it, you can delete it.\n"
    )
    return msg


def queue_id_from(reply: str) -> str | None:
    for pattern in _QUEUE_ID_RES:
        m = pattern.search(reply)
        if m:
            return m.group(1)
    return None


def parse_bounce(raw: bytes, token: str) -> Bounce | None:
    """The first recipient block of a DSN that is about the message with ``token``.

    Parsed with the standard library: the report is multipart/report with a
    message/delivery-status part (email parses its per-recipient groups as sub-messages) and
    the returned message or its headers, where the token must appear.
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.get_content_type() != "multipart/report":
        return None
    if str(msg.get_param("report-type", "")).lower() != "delivery-status":
        return None
    about_token = False
    status_part: Message | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            status_part = part
        elif ctype in ("text/rfc822-headers", "message/rfc822", "message/rfc822-headers"):
            payload = part.get_payload(decode=True)
            text = payload if isinstance(payload, bytes) else str(part).encode()
            about_token = about_token or token.encode() in text
    if not about_token and token.encode() not in raw:
        return None
    if status_part is None:
        return Bounce("", "failed", "", "", "")
    groups = status_part.get_payload()
    if not isinstance(groups, list) or not groups:
        return Bounce("", "failed", "", "", "")
    per_message = groups[0]
    recipients = groups[1:] or groups[:1]
    first = recipients[0]

    def field(block: object, name: str) -> str:
        if not isinstance(block, Message):
            return ""
        value = str(block.get(name, "") or "").strip()
        # "rfc822; joe@example.com" and "smtp; 550 5.1.1 ...": the type prefix is noise here.
        return value.split(";", 1)[1].strip() if ";" in value else value

    return Bounce(
        recipient=field(first, "Final-Recipient") or field(first, "Original-Recipient"),
        action=field(first, "Action"),
        status=field(first, "Status"),
        diagnostic=field(first, "Diagnostic-Code"),
        reporting_mta=field(per_message, "Reporting-MTA"),
    )


# -- the SMTP leg ---------------------------------------------------------------------------
def _smtp_login(session: Session, sock: socket.socket, password: str) -> _RecordingSMTP:
    """Log in to submission as the login check does (greeting, EHLO, STARTTLS, AUTH)."""
    result = session.result
    smtp = _RecordingSMTP(session, sock)
    code, msg = smtp.connect(result.host, result.port)
    result.greeting = f"{code} {_text(msg)}"
    if code != 220:
        text = msg.decode("utf-8", "replace")
        raise CheckFailure(Cause.PROTOCOL_ERROR, f"unexpected greeting: {code} {text}", text)
    if smtp.ehlo()[0] != 250:
        raise CheckFailure(Cause.PROTOCOL_ERROR, "EHLO refused")
    if result.security is Security.STARTTLS:
        if not smtp.has_extn("starttls"):
            raise CheckFailure(
                Cause.STARTTLS_UNAVAILABLE,
                "the server does not offer STARTTLS; no password was sent",
            )
        code, msg = smtp.docmd("STARTTLS")
        if code != 220:
            raise CheckFailure(Cause.STARTTLS_UNAVAILABLE, f"STARTTLS refused: {code}")
        assert smtp.sock is not None
        smtp.sock = session.start_tls(smtp.sock)
        smtp.file = None
        smtp.helo_resp = smtp.ehlo_resp = None
        smtp.esmtp_features = {}
        smtp.does_esmtp = False
        if smtp.ehlo()[0] != 250:
            raise CheckFailure(Cause.PROTOCOL_ERROR, "EHLO after STARTTLS refused")
    result.capabilities = _extensions(smtp)
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
    code, text = _authenticate(smtp, mechanisms, result.username, password, False)
    if code != 235:
        raise _auth_failure(code, text)
    return smtp


# A line starting with "." is sent with one more (RFC 5321 4.5.2); smtplib does this inside
# data(), which cannot be used when MAIL, RCPT and DATA go out together.
_LEADING_DOT = re.compile(rb"(?m)^\.")


def _send(session: Session, smtp: _RecordingSMTP, address: str, data: bytes) -> str:
    """MAIL, RCPT and DATA (in one go when PIPELINING is offered, RFC 2920); the DATA reply."""
    size = f" SIZE={len(data)}" if smtp.has_extn("size") else ""
    commands = [f"MAIL FROM:<{address}>{size}", f"RCPT TO:<{address}>", "DATA"]
    if smtp.has_extn("pipelining"):
        smtp.send("".join(f"{c}\r\n" for c in commands))
        replies = [smtp.getreply() for _ in commands]
    else:
        replies = []
        for command, wanted in zip(commands, ((250,), (250, 251), (354,)), strict=True):
            smtp.send(f"{command}\r\n")
            replies.append(smtp.getreply())
            if replies[-1][0] not in wanted:
                break
    for stage, wanted, (code, reply) in zip(
        ("MAIL FROM", "RCPT TO", "DATA"), ((250,), (250, 251), (354,)), replies, strict=False
    ):
        if code not in wanted:
            raise SubmissionRefused(stage, code, _text(reply))
    body = _LEADING_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    code, reply = smtp.getreply()
    text = _text(reply)
    if code != 250:
        raise SubmissionRefused("DATA", code, text)
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as exc:
        session.note(f"QUIT not clean: {exc}")
    return f"{code} {text}"


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


# -- the IMAP leg ---------------------------------------------------------------------------
@dataclass
class _Found:
    folder: str
    uid: int
    kind: str  # "message" or "report"
    at: float  # time.monotonic() when the app knew


class _Mailbox:
    """The watching IMAP connection: folders, the wait, and the careful removal."""

    def __init__(self, session: Session, client: _Client, token: str) -> None:
        self.session = session
        self.client = client
        self.raw = client.raw
        self.token = token
        caps = {c.decode() if isinstance(c, bytes) else str(c) for c in client.capabilities()}
        self.caps = {c.upper() for c in caps}
        self.junk: str | None = None
        self.trash: str | None = None
        self.inbox_next = 1
        self.junk_next = 1
        self.mode = ""
        self._tag_counter = 0

    # folders
    def find_folders(self) -> None:
        """Junk and Trash by SPECIAL-USE (RFC 6154), else by their usual names."""
        by_flag: dict[bytes, str] = {}
        by_name: dict[str, str] = {}
        for flags, delimiter, name in self.client.list_folders():
            name = str(name)
            sep = delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter or "")
            by_name.setdefault(name.lower(), name)
            if sep:  # "INBOX.Junk" on servers that keep folders under INBOX
                by_name.setdefault(name.rsplit(sep, 1)[-1].lower(), name)
            for flag in flags:
                if isinstance(flag, bytes):
                    by_flag.setdefault(flag.lower(), name)

        def pick(flag: bytes, names: tuple[str, ...]) -> str | None:
            return by_flag.get(flag) or next(
                (by_name[n.lower()] for n in names if n.lower() in by_name), None
            )

        self.junk = pick(b"\\junk", JUNK_NAMES)
        self.trash = pick(b"\\trash", TRASH_NAMES)

    def start_watching(self, prefer: str = "auto") -> None:
        info = self.client.select_folder("INBOX")
        self.inbox_next = int(info.get(b"UIDNEXT", 1))
        if self.junk:
            status = self.client.folder_status(self.junk, [b"UIDNEXT"])
            self.junk_next = int(status.get(b"UIDNEXT", 1))
        idle = "IDLE" in self.caps and prefer in ("auto", "notify", "idle")
        if idle and "NOTIFY" in self.caps and prefer in ("auto", "notify"):
            self.mode = self._notify() or "idle"
        else:
            self.mode = "idle" if idle else "poll"
        self._news_while_busy()  # what SELECT and STATUS said so far is not news

    def _notify(self) -> str:
        """Ask for new-message events with the token header pushed along (RFC 5465)."""
        fields = f"BODY.PEEK[HEADER.FIELDS ({TOKEN_HEADER} Content-Type)]"
        spec = f"(selected (MessageNew (UID {fields}) MessageExpunge))"
        if self.junk:
            spec += f" (mailboxes {_quote(self.junk)} (MessageNew))"
        tag = self._send(f"NOTIFY SET {spec}")
        line = self._read_until_tagged(tag, time.monotonic() + self.session.timeout)
        return "notify" if line.split(b" ", 2)[1:2] == [b"OK"] else ""

    # the wait
    def wait(
        self, deadline: float, cancel: CancelToken, poll_interval: float | None
    ) -> _Found | None:
        watching = self.mode in ("notify", "idle")
        # Watched by IDLE, a message that is already there is announced as IDLE starts (or
        # was, to an earlier command: see _news_while_busy); polling looks at once.
        found = None if watching else self._look()
        while found is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if watching and self._news_while_busy():
                found = self._look()
            elif watching:
                found = self._idle(min(remaining, JUNK_LOOK_S), cancel)
            else:
                found = self._poll(remaining, cancel, poll_interval)
        return found

    def _news_while_busy(self) -> bool:
        """Whether the server announced something while another command ran.

        imaplib keeps such untagged responses aside; a new-mail notice kept there would
        otherwise only be seen when the next IDLE slice ends.
        """
        news = False
        for kind in ("EXISTS", "FETCH", "STATUS", "RECENT"):
            if self.raw.untagged_responses.pop(kind, None) and kind != "RECENT":
                news = True
        return news

    def _look(self) -> _Found | None:
        hit = self._search("INBOX", self.inbox_next)
        if hit:
            return hit
        if self.junk:
            status = self.client.folder_status(self.junk, [b"UIDNEXT"])
            if int(status.get(b"UIDNEXT", 1)) > self.junk_next:
                self.client.select_folder(self.junk, readonly=True)
                try:
                    hit = self._search(self.junk, self.junk_next)
                finally:
                    self.client.select_folder("INBOX")
                if hit:
                    return hit
        return None

    def _search(self, folder: str, first_uid: int) -> _Found | None:
        """The test message by its header, else a report that mentions the token."""
        uids = self.client.search(["UID", f"{first_uid}:*", "HEADER", TOKEN_HEADER, self.token])
        uids = [u for u in uids if u >= first_uid]
        if uids:
            return _Found(folder, int(uids[0]), "message", time.monotonic())
        uids = self.client.search(["UID", f"{first_uid}:*", "TEXT", self.token])
        for uid in (u for u in uids if u >= first_uid):
            if self._is_report(uid):
                return _Found(folder, int(uid), "report", time.monotonic())
        return None

    def _is_report(self, uid: int) -> bool:
        data = self.client.fetch([uid], ["RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)]"])
        item = data.get(uid, {})
        header = next((v for k, v in item.items() if k.startswith(b"BODY[HEADER")), b"")
        return b"delivery-status" in bytes(header).lower()

    def fetch_report(self, found: _Found) -> Bounce | None:
        self._select(found.folder)
        data = self.client.fetch([found.uid], ["RFC822.SIZE"])
        size = int(data.get(found.uid, {}).get(b"RFC822.SIZE", 0))
        if size > MAX_REPORT_BYTES:
            self.session.note(f"delivery report is {size} bytes; not read")
            return Bounce("", "failed", "", "", "")
        body = self.client.fetch([found.uid], ["BODY.PEEK[]"]).get(found.uid, {})
        return parse_bounce(bytes(body.get(b"BODY[]", b"")), self.token)

    def _poll(self, remaining: float, cancel: CancelToken, fixed: float | None) -> _Found | None:
        delay = fixed if fixed is not None else self._backoff()
        cancel.wait(min(delay, remaining))
        cancel.raise_if_cancelled()
        self.client.noop()
        return self._look()

    _poll_delay = 0.0

    def _backoff(self) -> float:
        self._poll_delay = POLL_FIRST_S if not self._poll_delay else self._poll_delay * 2
        self._poll_delay = min(self._poll_delay, POLL_MAX_S)
        return self._poll_delay

    def _idle(self, slice_s: float, cancel: CancelToken) -> _Found | None:
        """One IDLE of at most ``slice_s``: back with a hit, or after looking at Junk."""
        tag = self._send("IDLE")
        end = time.monotonic() + self.session.timeout
        while True:
            line = self._read_line(end, cancel)
            if line.startswith(b"+"):
                break
            if line.startswith(tag.encode() + b" "):
                raise CheckFailure(Cause.PROTOCOL_ERROR, f"IDLE refused: {line!r}")
        end = time.monotonic() + slice_s
        news: _Found | None = None
        announced = False
        while news is None and not announced:
            try:
                line = self._read_response(end, cancel)
            except TimeoutError:
                break
            if self.mode == "notify" and b" FETCH " in line:
                uid = _UID_RE.search(line)
                if self.token.encode() in line and uid:
                    news = _Found("INBOX", int(uid.group(1)), "message", time.monotonic())
                elif b"delivery-status" in line.lower():
                    announced = True  # a report: is it about this message?
            elif line.startswith(b"* STATUS"):
                announced = True  # the junk folder changed (NOTIFY)
            elif self.mode == "idle" and re.match(rb"\* \d+ EXISTS", line):
                announced = True
        search_tag = ""
        done = b"DONE\r\n"
        if announced and self.mode == "idle":
            # The search rides with DONE (pipelined): one round trip after the announcement
            # instead of two.
            self._tag_counter += 1
            search_tag = f"W{self._tag_counter:03d}"
            done += (
                f"{search_tag} UID SEARCH UID {self.inbox_next}:* "
                f"HEADER {TOKEN_HEADER} {self.token}\r\n"
            ).encode()
        self.raw.send(done)
        end = time.monotonic() + self.session.timeout
        self._read_until_tagged(tag, end, cancel)
        if search_tag:
            uids: list[int] = []
            while True:
                line = self._read_response(end, cancel)
                if line.startswith(b"* SEARCH"):
                    uids += [int(u) for u in line.split()[2:] if u.isdigit()]
                elif line.startswith(search_tag.encode() + b" "):
                    break
            uids = [u for u in uids if u >= self.inbox_next]
            if uids:
                return _Found("INBOX", uids[0], "message", time.monotonic())
        if news is not None:
            return news
        # Looked at after every slice, announced or not: an announcement that came while
        # another command ran was taken by that command, and Junk is not pushed by IDLE.
        return self._look()

    # raw protocol helpers for what imapclient does not do (NOTIFY, IDLE with literals)
    def _send(self, command: str) -> str:
        self._tag_counter += 1
        tag = f"W{self._tag_counter:03d}"
        self.raw.send(f"{tag} {command}\r\n".encode())
        return tag

    def _read_line(self, end: float, cancel: CancelToken | None = None) -> bytes:
        """One line, waiting until ``end`` at most for it to start (TimeoutError after).

        The wait is a select() rather than a socket timeout: after a timeout, the file object
        imaplib reads from refuses every further read. Once data is there, the line itself is
        read with the session's per-read bound.
        """
        if not self._readable(end):
            if cancel is not None:
                cancel.raise_if_cancelled()
            raise TimeoutError
        line = self.raw.readline()
        if not line:
            if cancel is not None:
                cancel.raise_if_cancelled()
            raise CheckFailure(Cause.PROTOCOL_ERROR, "the IMAP server closed the connection")
        return line

    def _readable(self, end: float) -> bool:
        sock = self.raw.sock
        while True:
            if self._buffered(sock):
                return True
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([sock], [], [], remaining)
            if not ready:
                return False

    def _buffered(self, sock: socket.socket) -> bool:
        """Whether a read would return at once (bytes already buffered, or end of stream)."""
        sock.setblocking(False)
        try:
            data = cast(io.BufferedReader, self.raw.file).peek(1)
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        except OSError:
            return True  # let the read report it
        finally:
            with suppress(OSError):
                sock.settimeout(self.session.timeout)
        if data:
            return True
        ready, _, _ = select.select([sock], [], [], 0)  # b"": end of stream, or nothing yet
        return bool(ready)

    def _read_response(self, end: float, cancel: CancelToken | None = None) -> bytes:
        """One response, literals included (each bounded in size)."""
        out = self._read_line(end, cancel)
        while True:
            m = _LITERAL_RE.search(out)
            if not m:
                return out
            size = int(m.group(1))
            if size > MAX_LITERAL_BYTES:
                raise CheckFailure(Cause.PROTOCOL_ERROR, f"a {size}-byte literal while waiting")
            out += self.raw.read(size)
            out += self._read_line(end, cancel)

    def _read_until_tagged(self, tag: str, end: float, cancel: CancelToken | None = None) -> bytes:
        while True:
            line = self._read_response(end, cancel)
            if line.startswith(tag.encode() + b" "):
                return line

    # removal
    def _select(self, folder: str) -> None:
        self.client.select_folder(folder)

    def remove(self, found: _Found) -> tuple[bool, str]:
        """Remove exactly this message; (removed, how or why not)."""
        self._select(found.folder)
        if "UIDPLUS" in self.caps:
            self.client.add_flags([found.uid], [b"\\Deleted"], silent=True)
            self.client.uid_expunge([found.uid])
            return True, f"UID {found.uid} in {found.folder} flagged \\Deleted and expunged by UID"
        if "MOVE" in self.caps and self.trash and self.trash != found.folder:
            self.client.move([found.uid], self.trash)
            return True, f"UID {found.uid} moved from {found.folder} to {self.trash}"
        return False, (
            "the server offers neither UIDPLUS nor MOVE, so the test message was left in "
            f"{found.folder} (removing it would have meant expunging every message marked "
            "as deleted)"
        )

    def close(self) -> None:
        with suppress(IMAPClientError, OSError, EOFError, imaplib.IMAP4.error):
            self.client.logout()


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _open_mailbox(session: Session, sock: socket.socket, password: str, token: str) -> _Mailbox:
    """Log in as the login check does (its pieces), and keep the connection."""
    result = session.result
    try:
        client = _Client(session, sock)
    except (imaplib.IMAP4.error, IMAPClientError) as exc:
        raise CheckFailure(Cause.PROTOCOL_ERROR, f"unexpected greeting: {exc}") from None
    raw = client.raw
    caps = _capabilities(raw)
    if result.security is Security.STARTTLS:
        if "STARTTLS" not in caps:
            raise CheckFailure(
                Cause.STARTTLS_UNAVAILABLE,
                "the server does not offer STARTTLS; no password was sent",
            )
        _starttls(session, raw)
        caps = _capabilities(raw)
    try:
        if "LOGINDISABLED" in caps or not _is_ascii(result.username + password):
            if "SASL-IR" in caps and "AUTH=PLAIN" in caps:
                _plain_login_with_initial_response(raw, result.username, password)
            else:
                client.plain_login(result.username, password)
        else:
            client.login(result.username, password)
    except LoginError:
        tagged = raw.last_tagged
        raise CheckFailure(Cause.AUTH_FAILED, f"server said: {tagged}", tagged) from None
    return _Mailbox(session, client, token)


# -- the whole round trip -------------------------------------------------------------------
Resolver = Callable[[str, int], list[tuple[str, int]]]


class _Legs:
    """Opens the network legs on sessions of their own (their steps stay out of the row)."""

    def __init__(
        self,
        main: Session,
        password: str,
        ca_file: Path | None,
        resolver: Resolver,
    ) -> None:
        self.main = main
        self.password = password
        self.ca_file = ca_file
        self.resolver = resolver
        self.sessions: list[Session] = []

    def open(self, server: ServerSettings, username: str) -> tuple[Session, socket.socket]:
        scratch = CheckResult(
            service=Service.ROUNDTRIP,
            host=server.hostname,
            port=server.port,
            security=server.security,
            username=username,
        )
        leg = Session(
            scratch, self.password, self.main.timeout, self.main.cancel, None, self.ca_file
        )
        self.sessions.append(leg)
        sock = leg.connect(leg.resolve(self.resolver))
        if server.security is Security.TLS:
            sock = leg.start_tls(sock)
        return leg, sock

    def close_sockets(self) -> None:
        for leg in self.sessions:
            leg.close()

    def close(self) -> None:
        """Close every leg and merge their transcripts into the round trip's, in time order."""
        self.close_sockets()
        lines = list(self.main.result.transcript)
        for leg in self.sessions:
            lines.extend(leg.result.transcript)
        self.main.result.transcript = sorted(lines, key=lambda line: line.at)


@contextmanager
def _leg_failure(where: str) -> Iterator[None]:
    """A network failure inside a leg says where it happened (classified later)."""
    try:
        yield
    except (CheckFailure, CheckCancelled):
        raise
    except Exception as exc:
        raise _LegError(where, exc) from exc


class _LegError(Exception):
    def __init__(self, where: str, exc: BaseException) -> None:
        super().__init__(f"{where}: {exc}")
        self.where = where
        self.exc = exc


def round_trip(
    provider: Provider,
    address: str,
    password: str,
    *,
    ca_file: Path | None = None,
    timeout: float = 10.0,
    round_trip_timeout: float = DEFAULT_ROUND_TRIP_TIMEOUT,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    resolver: Resolver | None = None,
    username: str | None = None,
    poll_interval: float | None = None,
    watch: str = "auto",
) -> RoundTripResult:
    """Send a test message to oneself and wait for it; never raises for a mail problem.

    ``timeout`` bounds every single read; ``round_trip_timeout`` the wait for the message.
    ``watch`` ("auto", "notify", "idle", "poll") caps how the mailbox is watched, and
    ``poll_interval`` fixes the polling interval: both for the benchmark's comparisons.
    """
    from wizard.checks.runner import SharedResolver
    from wizard.diagnosis import classify_exception, explain_round_trip

    cancel = cancel or CancelToken()
    smtp_server, imap_server = provider.smtp, provider.imap
    result = RoundTripResult(
        service=Service.ROUNDTRIP,
        host=smtp_server.hostname,
        port=smtp_server.port,
        security=smtp_server.security,
        username=username or smtp_server.username_for(address),
    )
    result.token = new_token()
    main = Session(result, password, timeout, cancel, listener, ca_file)
    legs = _Legs(main, password, ca_file, resolver or SharedResolver())
    message = build_message(address, result.token)
    result.message_id = str(message["Message-ID"])
    data = message.as_bytes(policy=email.policy.SMTP)
    mailbox: _Mailbox | None = None
    found: _Found | None = None
    server_text = ""
    # The SMTP login runs while the mailbox is opened: the two legs' round trips overlap, and
    # the message itself goes out only once the mailbox is being watched.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roundtrip-smtp")

    def smtp_login() -> tuple[Session, _RecordingSMTP]:
        with _leg_failure("sending"):
            leg, sock = legs.open(smtp_server, result.username)
            return leg, _smtp_login(leg, sock, password)

    smtp_ready = pool.submit(smtp_login)
    try:
        with main.step(StepName.WATCH) as step:
            with _leg_failure("opening the mailbox"):
                leg, sock = legs.open(imap_server, username or imap_server.username_for(address))
                mailbox = _open_mailbox(leg, sock, password, result.token)
                mailbox.find_folders()
                mailbox.start_watching(watch)
            result.watch_mode = mailbox.mode
            step.detail = (
                f"watching INBOX{' and ' + mailbox.junk if mailbox.junk else ''} "
                f"({_MODE_WORDS[mailbox.mode]})"
            )
            step.facts.update(mode=mailbox.mode, junk_folder=mailbox.junk or "")
        with main.step(StepName.SUBMITTED) as step:
            leg, smtp = smtp_ready.result()
            with _leg_failure("sending"):
                try:
                    result.submit_reply = _send(leg, smtp, address, data)
                finally:
                    result.peer, result.local = leg.result.peer, leg.result.local
                    result.tls, result.greeting = leg.result.tls, leg.result.greeting
                    result.capabilities = leg.result.capabilities
            sent_at = time.monotonic()
            result.queue_id = queue_id_from(result.submit_reply)
            step.detail = f"accepted: {result.submit_reply}"
            step.facts.update(message_id=result.message_id, queue_id=result.queue_id or "")
        with main.step(StepName.ARRIVED) as step:
            with _leg_failure("waiting"):
                found = mailbox.wait(sent_at + round_trip_timeout, cancel, poll_interval)
            if found is None:
                step.status = StepStatus.FAILED
                step.detail = f"not there after {round_trip_timeout:g} s"
                raise CheckFailure(
                    Cause.DELIVERY_DELAYED,
                    f"accepted ({result.submit_reply}) but not delivered within "
                    f"{round_trip_timeout:g} s",
                )
            result.delivery_ms = (found.at - sent_at) * 1000
            result.folder = found.folder
            step.facts.update(folder=found.folder, delivery_ms=f"{result.delivery_ms:.0f}")
            if found.kind == "report":
                with _leg_failure("reading the delivery report"):
                    result.bounce = mailbox.fetch_report(found)
                step.detail = f"a delivery report arrived in {found.folder} instead"
            else:
                step.detail = (
                    f"in {found.folder} after {result.delivery_ms:.0f} ms "
                    f"(at {datetime.now(UTC).strftime('%H:%M:%S')} UTC)"
                )
        _clean_up(main, mailbox, found, result)
        if found.kind == "report":
            bounce = result.bounce
            raise CheckFailure(
                Cause.BOUNCED,
                "delivery failed: "
                + (f"{bounce.status} {bounce.diagnostic}".strip() if bounce else "(no details)"),
            )
        if found.folder != "INBOX":
            raise CheckFailure(Cause.ARRIVED_IN_JUNK, f"the test message arrived in {found.folder}")
        result.ok = True
    except CheckCancelled:
        result.cancelled = True
        result.cause = Cause.CANCELLED
    except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnosis
        if cancel.cancelled:
            result.cancelled = True
            result.cause = Cause.CANCELLED
        else:
            where = ""
            error: BaseException = exc
            if isinstance(exc, _LegError):
                where, error = exc.where, exc.exc
            cause, detail = classify_exception(error)
            if isinstance(error, CheckFailure):
                server_text = error.server_text
            if isinstance(error, SubmissionRefused):
                result.refused_at = error.stage
            result.cause = cause
            detail = f"{where}: {detail}" if where else detail
            main.note(f"failed: {detail}")
            last = result.steps[-1] if result.steps else None
            settled = (Cause.ARRIVED_IN_JUNK, Cause.BOUNCED, Cause.DELIVERY_DELAYED)
            if last is not None and cause not in settled:
                last.status = StepStatus.FAILED
                last.detail = main.redact(f"{last.detail} — {detail}" if last.detail else detail)
    finally:
        if mailbox is not None:
            if found is None and result.cause is Cause.DELIVERY_DELAYED:
                result.cleanup_note = "the test message had not arrived, so it was not removed"
            mailbox.close()
        legs.close_sockets()
        pool.shutdown(wait=True)  # a login still running ends on its closed socket
        legs.close()
        main.close()
        result.finished_at = datetime.now(UTC)
    if result.cause:
        d = explain_round_trip(result, provider, address, server_text)
        result.cause, result.message, result.advice = d.cause, d.message, d.advice
    else:
        result.message = f"{Service.ROUNDTRIP.label}: working (in INBOX after "
        result.message += f"{(result.delivery_ms or 0) / 1000:.1f} s)."
    return result


_MODE_WORDS = {
    "notify": "the server pushes new mail with NOTIFY",
    "idle": "the server announces new mail with IDLE",
    "poll": "asking every few seconds",
}


def _clean_up(main: Session, mailbox: _Mailbox, found: _Found, result: RoundTripResult) -> None:
    with main.step(StepName.CLEANUP) as step:
        try:
            removed, how = mailbox.remove(found)
        except (IMAPClientError, OSError, EOFError, imaplib.IMAP4.error) as exc:
            removed, how = False, f"could not remove it: {exc}"
        result.cleaned_up = removed
        result.cleanup_note = how
        step.detail = how
        if not removed:
            step.status = StepStatus.SKIPPED
        if found.kind == "report":
            # The test message itself may still arrive later (or never); nothing more to do.
            return
