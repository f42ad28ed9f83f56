"""The one reader every protocol check reads the server through, bounded in size and time.

Why our own instead of the libraries' readers: imaplib accepts lines up to 1 MB and keeps every
untagged response it is sent, without limit, until the tagged one arrives (a server sending
``* OK`` for ever keeps the check running for ever); smtplib limits each line to 8 KB but not the
number of ``250-`` continuation lines (a flood grew the process to 2.5 GB); a file made with
``socket.makefile`` waits as long as bytes keep trickling in. Here every read is capped three
ways per answer (line length, lines, bytes) and every wait is capped by the check's
:class:`~wizard.checks.deadline.Deadline`. imaplib, smtplib and our ManageSieve client still
parse what is read; only the reading is ours.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

from wizard.checks.deadline import Deadline, DeadlineExceeded
from wizard.checks.errors import Cause, CheckFailure


@dataclass(frozen=True)
class ReadLimits:
    """Far above what a real server sends for a login (a greeting with capabilities is under
    2 KB, an EHLO reply under 30 lines) and far below what would hurt memory."""

    max_line: int = 64 * 1024
    max_lines: int = 500
    max_bytes: int = 256 * 1024


class EndlessAnswer(CheckFailure):
    """The server's answer broke a limit or did not end in time: ``protocol_error``."""

    def __init__(self, detail: str, sample: bytes = b"") -> None:
        super().__init__(Cause.PROTOCOL_ERROR, detail)
        self.sample = sample


_CHUNK = 16 * 1024


def _sample(data: bytes | bytearray) -> str:
    text = bytes(data[:80]).decode("utf-8", "replace").replace("\r", "\\r").replace("\n", "\\n")
    return text + ("…" if len(data) > 80 else "")


class BoundedReader:
    """``readline()`` and ``read(n)`` over a socket, with the limits of one answer.

    The protocol code says where an answer ends (:meth:`end_reply`): the tagged line in IMAP,
    the last line of an SMTP reply, the status line in ManageSieve. Until then every line and
    byte counts against the same answer, so a flood of short lines is caught like one long one.
    """

    def __init__(
        self,
        sock: socket.socket,
        deadline: Deadline,
        limits: ReadLimits | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        self.sock = sock
        self.deadline = deadline
        self.limits = limits or ReadLimits()
        self._on_bytes = on_bytes
        # A shorter wait than T for an answer that is only a courtesy (the reply to QUIT).
        self.max_wait: float | None = None
        self._buf = bytearray()
        self._scanned = 0
        self._lines = 0
        self._bytes = 0

    def rebind(self, sock: socket.socket) -> None:
        """Read from ``sock`` from now on (after STARTTLS); nothing read before TLS is kept."""
        self.sock = sock
        self._buf.clear()
        self._scanned = 0
        self.end_reply()

    def end_reply(self) -> None:
        self._lines = 0
        self._bytes = 0

    # -- reading ----------------------------------------------------------------------------
    def readline(self) -> bytes:
        """One line with its line end, or what is left (possibly b"") when the server closed."""
        limit = self.limits.max_line
        while True:
            end = self._buf.find(b"\n", self._scanned)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buf) > limit:
                raise EndlessAnswer(
                    f"the server sent a line longer than {limit // 1024} KB "
                    f"(it began: {_sample(self._buf)})",
                    bytes(self._buf[:200]),
                )
            self._scanned = len(self._buf)
            if not self._fill():
                return self._take(len(self._buf))

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes (an IMAP or ManageSieve literal), fewer only at end of data."""
        if self._bytes + size > self.limits.max_bytes:
            raise EndlessAnswer(
                f"the server announced {size} bytes in one answer "
                f"(more than the {self.limits.max_bytes // 1024} KB a login ever needs)"
            )
        while len(self._buf) < size:
            if not self._fill():
                break
        return self._take(min(size, len(self._buf)), counts_as_line=False)

    def _take(self, n: int, *, counts_as_line: bool = True) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        self._scanned = 0
        self._bytes += len(data)
        if counts_as_line and data:
            self._lines += 1
        if self._lines > self.limits.max_lines:
            raise EndlessAnswer(
                f"the server sent more than {self.limits.max_lines} lines in one answer "
                f"(the last: {_sample(data)})",
                data[:200],
            )
        if self._bytes > self.limits.max_bytes:
            raise EndlessAnswer(
                f"the server sent more than {self.limits.max_bytes // 1024} KB in one answer",
                data[:200],
            )
        return data

    def _fill(self) -> bool:
        """Receive more; False at end of data. Waits at most T, and never past the deadline."""
        try:
            wait = self.deadline.op_timeout()
        except DeadlineExceeded:
            self._out_of_time()
            raise
        if self.max_wait is not None:
            wait = min(wait, self.max_wait)
        try:
            self.sock.settimeout(wait)
            chunk = self.sock.recv(_CHUNK)
        except TimeoutError:
            if self.deadline.expired or self.deadline.remaining() <= 0.001:
                self._out_of_time()
                raise DeadlineExceeded("the check's time was used up") from None
            raise TimeoutError(f"no answer within {wait:g} s") from None
        except OSError:
            if self.deadline.expired:  # the watchdog shut the socket down
                self._out_of_time()
                raise DeadlineExceeded("the check's time was used up") from None
            raise
        if not chunk:
            if self.deadline.expired:
                self._out_of_time()
                raise DeadlineExceeded("the check's time was used up")
            return False
        if self._on_bytes is not None:
            self._on_bytes(len(chunk))
        self._buf += chunk
        return True

    def _out_of_time(self) -> None:
        """The deadline came while an answer was arriving: it is too slow to ever end."""
        if self._buf or self._bytes:
            got = self._bytes + len(self._buf)
            raise EndlessAnswer(
                f"the server's answer had not ended when the check's "
                f"{self.deadline.budget():g} s were up ({got} bytes so far, arriving slowly; "
                f"it began: {_sample(self._buf)})",
                bytes(self._buf[:200]),
            )
