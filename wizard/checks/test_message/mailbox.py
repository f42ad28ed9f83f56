"""The IMAP leg: the watching connection, its folders, the wait, and the careful removal."""

from __future__ import annotations

import imaplib
import re
import socket
import time
from contextlib import suppress
from dataclasses import dataclass

from imapclient.exceptions import IMAPClientError

from wizard.checks.deadline import DeadlineExceeded
from wizard.checks.errors import Cause, CheckFailure
from wizard.checks.imap import ImapConnection, log_in_imap, open_imap, secure_imap
from wizard.checks.model import CancelToken
from wizard.checks.session import CheckSession
from wizard.checks.test_message.dsn import Bounce, parse_bounce
from wizard.checks.test_message.message import TOKEN_HEADER
from wizard.services import Security

# RFC 6154 names the junk folder \Junk; servers without SPECIAL-USE use one of these names.
JUNK_NAMES = ("Junk", "Spam", "Junk E-mail", "Bulk Mail", "Junk Email")
TRASH_NAMES = ("Trash", "Deleted Items", "Deleted Messages", "Deleted")
# A delivery report is small; anything bigger is not read whole.
MAX_REPORT_BYTES = 128 * 1024  # within the bounded reader's 256 KB per answer
MAX_LITERAL_BYTES = 64 * 1024
# NOOP polling: start fast (most deliveries take well under a second), back off to this.
POLL_FIRST_S, POLL_MAX_S = 0.25, 4.0
# While IDLE or NOTIFY watches INBOX, the junk folder is looked at this often (not pushed
# without NOTIFY), and IDLE is renewed well inside the 29 minutes RFC 2177 allows.
JUNK_LOOK_S = 2.0

_LITERAL_RE = re.compile(rb"\{(\d+)\+?\}\r?\n?$")
_UID_RE = re.compile(rb"\bUID (\d+)")


@dataclass
class Found:
    folder: str
    uid: int
    kind: str  # "message" or "report"
    at: float  # time.monotonic() when the app knew


class Mailbox:
    """The watching IMAP connection: folders, the wait, and the careful removal."""

    def __init__(self, session: CheckSession, client: ImapConnection, token: str) -> None:
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
        tag = self._command(f"NOTIFY SET {spec}")
        line = self._read_until_tagged(tag, time.monotonic() + self.session.timeout)
        return "notify" if line.split(b" ", 2)[1:2] == [b"OK"] else ""

    # the wait
    def wait(
        self, deadline: float, cancel: CancelToken, poll_interval: float | None
    ) -> Found | None:
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

    def _look(self) -> Found | None:
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

    def _search(self, folder: str, first_uid: int) -> Found | None:
        """The test message by its header, else a report that mentions the token."""
        uids = self.client.search(["UID", f"{first_uid}:*", "HEADER", TOKEN_HEADER, self.token])
        uids = [u for u in uids if u >= first_uid]
        if uids:
            return Found(folder, int(uids[0]), "message", time.monotonic())
        uids = self.client.search(["UID", f"{first_uid}:*", "TEXT", self.token])
        for uid in (u for u in uids if u >= first_uid):
            if self._is_report(uid):
                return Found(folder, int(uid), "report", time.monotonic())
        return None

    def _is_report(self, uid: int) -> bool:
        data = self.client.fetch([uid], ["RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)]"])
        item = data.get(uid, {})
        header = next((v for k, v in item.items() if k.startswith(b"BODY[HEADER")), b"")
        return b"delivery-status" in bytes(header).lower()

    def fetch_report(self, found: Found) -> Bounce | None:
        self._select(found.folder)
        data = self.client.fetch([found.uid], ["RFC822.SIZE"])
        size = int(data.get(found.uid, {}).get(b"RFC822.SIZE", 0))
        if size > MAX_REPORT_BYTES:
            self.session.note(f"delivery report is {size} bytes; not read")
            return Bounce("", "failed", "", "", "")
        body = self.client.fetch([found.uid], ["BODY.PEEK[]"]).get(found.uid, {})
        return parse_bounce(bytes(body.get(b"BODY[]", b"")), self.token)

    def _poll(self, remaining: float, cancel: CancelToken, fixed: float | None) -> Found | None:
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

    def _idle(self, slice_s: float, cancel: CancelToken) -> Found | None:
        """One IDLE of at most ``slice_s``: back with a hit, or after looking at Junk."""
        tag = self._command("IDLE")
        end = time.monotonic() + self.session.timeout
        while True:
            line = self._read_line(end, cancel)
            if line.startswith(b"+"):
                break
            if line.startswith(tag.encode() + b" "):
                raise CheckFailure(Cause.PROTOCOL_ERROR, f"IDLE refused: {line!r}")
        end = time.monotonic() + slice_s
        news: Found | None = None
        announced = False
        while news is None and not announced:
            try:
                line = self._read_response(end, cancel)
            except TimeoutError:
                break
            if self.mode == "notify" and b" FETCH " in line:
                uid = _UID_RE.search(line)
                if self.token.encode() in line and uid:
                    news = Found("INBOX", int(uid.group(1)), "message", time.monotonic())
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
                return Found("INBOX", uids[0], "message", time.monotonic())
        if news is not None:
            return news
        # Looked at after every slice, announced or not: an announcement that came while
        # another command ran was taken by that command, and Junk is not pushed by IDLE.
        return self._look()

    # raw protocol helpers for what imapclient does not do (NOTIFY, IDLE with literals)
    def _command(self, command: str) -> str:
        self._tag_counter += 1
        tag = f"W{self._tag_counter:03d}"
        self.raw.send(f"{tag} {command}\r\n".encode())
        return tag

    def _read_line(self, end: float, cancel: CancelToken | None = None) -> bytes:
        """One line, waiting until ``end`` at most for it (TimeoutError after: nothing new).

        Read through the session's bounded reader, whose wait is capped here by ``end``; a
        line that had begun stays buffered for the next call.
        """
        reader = self.raw.reader
        reader.max_wait = max(0.001, end - time.monotonic())
        try:
            line = self.raw.readline()
        except DeadlineExceeded:
            raise
        except TimeoutError:
            if cancel is not None:
                cancel.raise_if_cancelled()
            raise TimeoutError from None
        finally:
            reader.max_wait = None
        if not line:
            if cancel is not None:
                cancel.raise_if_cancelled()
            raise CheckFailure(Cause.PROTOCOL_ERROR, "the IMAP server closed the connection")
        return line

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

    def remove(self, found: Found) -> tuple[bool, str]:
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


def open_mailbox(session: CheckSession, sock: socket.socket, password: str, token: str) -> Mailbox:
    """Log in with the login check's own steps, and keep the connection for watching."""
    conn = open_imap(session, sock)
    if session.result.security is Security.STARTTLS:
        secure_imap(session, conn)
    log_in_imap(session, conn, password)
    return Mailbox(session, conn, token)
