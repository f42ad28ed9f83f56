"""What every protocol check shares: timed steps, the masked transcript, resolving, connecting.

Resolving, connecting and the TLS handshake are done here rather than inside imaplib/smtplib so
that each is its own timed step with its own cause (a DNS failure and a blocked port need
different advice), the IP and ports used are known for the report, and a cancel can close the
socket from another thread.
"""

from __future__ import annotations

import dataclasses
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wizard.checks.connect import ConnectFailed, happy_eyeballs
from wizard.checks.deadline import Deadline
from wizard.checks.errors import CheckCancelled, CheckFailure
from wizard.checks.model import (
    CancelToken,
    CheckResult,
    Direction,
    Step,
    StepListener,
    StepName,
    StepStatus,
    TranscriptLine,
)
from wizard.checks.reader import BoundedReader
from wizard.checks.redact import CommandMasker, Redactor
from wizard.checks.tls import RunTrust, fetch_certificate_for_report, tls_info
from wizard.services import Security

if TYPE_CHECKING:
    from wizard.checks.context import RunContext
    from wizard.checks.resolve import Resolver


class CheckSession:
    """One check's record: steps as they happen, the transcript, and the live socket."""

    def __init__(
        self,
        result: CheckResult,
        password: str,
        timeout: float,
        cancel: CancelToken,
        trust: RunTrust,
        listener: StepListener | None = None,
    ) -> None:
        self.result = result
        self.timeout = timeout
        self.cancel = cancel
        self.listener = listener
        # Server text is masked wherever the secret shows up in it (the server may echo
        # anything); the app's own commands only in the field that carries it.
        self.redact = Redactor(password, result.username)
        self._mask_command = CommandMasker(password, result.username)
        self.trust = trust  # the run's, shared by its checks
        self.deadline = Deadline(timeout)
        # Plain-text bytes the server sent after connecting (TLS handshakes not counted): tells
        # "connected, but the server said nothing" from "it stopped answering".
        self.bytes_heard = 0
        self.sock: socket.socket | None = None
        self._unregister: Callable[[], None] | None = None
        self._said_goodbye = False

    @classmethod
    def in_run(cls, result: CheckResult, ctx: RunContext, password: str = "") -> CheckSession:
        """A session of a run: its timeout, cancel, trust and listener (``password``: what
        to mask; empty for a probe that never logs in)."""
        return cls(result, password, ctx.timeout, ctx.cancel, ctx.trust, ctx.listener)

    def open(self, resolver: Resolver) -> socket.socket:
        """Resolve, connect and, for SSL/TLS from the start, secure: the steps every use of a
        server begins with (a login check, the test message's legs, a probe). What it raises
        is judged by ``wizard.checks.verdict.verdict(exc, self)``."""
        sock = self.connect(self.resolve(resolver))
        if self.result.security is Security.TLS:
            return self.start_tls(sock)
        return sock

    # -- steps ------------------------------------------------------------------------------
    def _emit(self, step: Step) -> None:
        if self.listener is not None:
            self.listener(self.result.service, step)

    @contextmanager
    def step(self, name: StepName) -> Iterator[Step]:
        self.cancel.raise_if_cancelled()
        step = Step(name=name)
        self.result.steps.append(step)
        self._emit(step)
        t0 = time.perf_counter()
        try:
            yield step
        except BaseException:
            step.status = StepStatus.FAILED
            raise
        else:
            if step.status is StepStatus.RUNNING:
                step.status = StepStatus.OK
        finally:
            # Not masked here: a detail is the app's own words around server text that was
            # masked where it came in (per field), so a weak password such as "mail" never
            # turns "mail" in the app's words into stars (and so never shows what it is).
            step.duration_ms = (time.perf_counter() - t0) * 1000
            self._emit(step)

    # -- transcript -------------------------------------------------------------------------
    def note(self, text: str) -> None:
        """The app's own words; server text inside them is masked by the caller."""
        self._line(Direction.NOTE, text)

    def sent(self, text: str) -> None:
        """What went to the server, masked whole before it is split into lines: a password
        with a line break in it never reaches the transcript in pieces."""
        self._line(Direction.SENT, self._mask_command(text))

    def received(self, text: str) -> None:
        masked = self.redact(text)
        self._line(Direction.RECEIVED, masked)
        # Kept without the line end, as the server's words (the reader hands lines over raw).
        self.result.server_responses.append(masked.rstrip("\r\n"))

    def _line(self, direction: Direction, text: str) -> None:
        for line in text.rstrip("\r\n").split("\n"):
            self.result.transcript.append(
                TranscriptLine(datetime.now(UTC), direction, line.rstrip("\r"))
            )

    # -- network ----------------------------------------------------------------------------
    def resolve(self, resolver: Resolver) -> list[tuple[str, int]]:
        host, port = self.result.host, self.result.port
        with self.step(StepName.RESOLVE) as step:
            addrs = resolver(host, port)
            step.detail = f"{host} → " + ", ".join(a[0] for a in addrs)
            step.facts["addresses"] = ", ".join(a[0] for a in addrs)
        return addrs

    def connect(self, addrs: list[tuple[str, int]]) -> socket.socket:
        """Happy Eyeballs over every address (:mod:`wizard.checks.connect`), cancellable.

        The whole step, lookup included, stays within the connect bound; every address tried
        and what happened to it goes into the transcript and the step's facts.
        """
        with self.step(StepName.CONNECT) as step:
            bound = self.deadline.connect_end - time.monotonic()
            try:
                sock, attempts = happy_eyeballs(addrs, bound, self.cancel, _configure)
            except ConnectFailed as failed:
                for attempt in failed.attempts:
                    self.note(attempt.describe())
                step.facts["attempts"] = "; ".join(a.describe() for a in failed.attempts)
                raise failed.cause from None
            for attempt in attempts:
                self.note(attempt.describe())
            step.facts["attempts"] = "; ".join(a.describe() for a in attempts)
            self._adopt(sock)
            self.deadline.connected()
            peer = sock.getpeername()[:2]
            local = sock.getsockname()[:2]
            self.result.peer = (str(peer[0]), int(peer[1]))
            self.result.local = (str(local[0]), int(local[1]))
            step.detail = f"{peer[0]} port {peer[1]} (from {local[0]} port {local[1]})"
            if len(attempts) > 1:
                step.detail += f", {len(attempts)} addresses"
            step.facts.update(
                server_ip=str(peer[0]),
                server_port=str(peer[1]),
                local_ip=str(local[0]),
                local_port=str(local[1]),
            )
            self.note(f"connected to {peer[0]} port {peer[1]} from {local[0]} port {local[1]}")
            sock.settimeout(self.timeout)  # each later read gets the full bound again
            return sock

    def reader(self, sock: socket.socket) -> BoundedReader:
        """The bounded reader a protocol check reads ``sock`` through."""
        return BoundedReader(sock, self.deadline, on_bytes=self._heard_bytes)

    def _heard_bytes(self, n: int) -> None:
        self.bytes_heard += n

    def start_tls(
        self,
        sock: socket.socket,
        step_name: StepName = StepName.TLS,
        prelude: Callable[[socket.socket], None] | None = None,
    ) -> ssl.SSLSocket:
        """Handshake with certificate and hostname checks; describe what was seen either way."""
        with self.step(step_name) as step:
            # The handshake waits at most T per read and the watchdog ends it at the deadline.
            sock.settimeout(self.deadline.op_timeout())
            try:
                tls = self.trust.context().wrap_socket(sock, server_hostname=self.result.host)
            except ssl.SSLCertVerificationError as exc:
                self.note(f"certificate refused: {self.redact(str(exc.verify_message or exc))}")
                if self.result.peer and not self.cancel.cancelled:
                    try:
                        seen = fetch_certificate_for_report(
                            self.result.peer,
                            self.result.host,
                            max(0.001, min(self.timeout, self.deadline.remaining())),
                            prelude,
                            self._adopt,
                        )
                    except CheckFailure:  # the replayed dialogue broke a read limit
                        seen = None
                    if seen:
                        # The certificate's names are the server's words: masked per field.
                        shown = {k: self.redact(str(v)) for k, v in seen.items()}
                        step.facts.update(shown)
                        step.detail = (
                            f"refused certificate: subject {shown['cert_subject']}, issuer "
                            f"{shown['cert_issuer']}, valid {shown['not_before']} to "
                            f"{shown['not_after']}, SHA-256 {shown['sha256']}"
                        )
                raise
            self._adopt(tls)
            info = tls_info(tls)
            info = dataclasses.replace(  # the certificate's names are the server's words
                info,
                cert_subject=self.redact(info.cert_subject),
                cert_issuer=self.redact(info.cert_issuer),
            )
            self.result.tls = info
            step.detail = (
                f"{info.version}, {info.cipher}; certificate for {info.cert_subject} "
                f"issued by {info.cert_issuer}, valid until {info.not_after}"
            )
            step.facts.update(
                tls_version=info.version,
                cipher=info.cipher,
                cert_subject=info.cert_subject,
                cert_issuer=info.cert_issuer,
                not_before=info.not_before,
                not_after=info.not_after,
                sha256=info.sha256,
            )
            self.note(f"TLS established: {info.version} {info.cipher}")
            return tls

    def farewell(self, send: Callable[[], None]) -> None:
        """LOGOUT or QUIT, sent and never waited for: the verdict is already in.

        The server's answer would cost a round trip and tell the person nothing, so the command
        goes out and :meth:`close` reads the answer off the verdict path (the server then logs
        a clean logout). Never raises, never undoes the verdict; skipped on cancel.
        """
        try:
            with self.step(StepName.LOGOUT) as step:
                try:
                    send()
                except Exception as exc:  # noqa: BLE001 - a goodbye must never undo the verdict
                    self.note(f"logout not sent: {self.redact(str(exc))}")
                    step.detail = "not sent; the verdict was already in"
                    return
                self._said_goodbye = True
                step.detail = "sent; the reply is not awaited, the verdict is already in"
        except CheckCancelled:  # Stop pressed after the verdict: nothing left to say
            return

    def _adopt(self, sock: socket.socket) -> None:
        """Make ``sock`` the one a cancel interrupts.

        The cancel shuts the descriptor down rather than closing the Python object: a TLS
        handshake in progress has already detached the plain socket object from its
        descriptor, and shutting down the descriptor wakes whichever wrapper is blocked on it.
        """
        if self._unregister:
            self._unregister()
        self.sock = sock
        fd = sock.fileno()

        def _shutdown() -> None:
            try:
                alias = socket.socket(fileno=fd)
            except OSError:
                return
            try:
                alias.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                alias.detach()

        undo_cancel = self.cancel.on_cancel(_shutdown)
        undo_deadline = self.deadline.on_expiry(_shutdown)

        def _undo() -> None:
            undo_cancel()
            undo_deadline()

        self._unregister = _undo

    def adopt(self, sock: socket.socket) -> None:
        """Let a cancel or the deadline interrupt ``sock`` (a probe's own connection)."""
        self._adopt(sock)

    def close(self) -> None:
        self.deadline.stop()
        if self._unregister:
            self._unregister()
            self._unregister = None
        sock, self.sock = self.sock, None
        if sock is None:
            return
        if self._said_goodbye and not self.cancel.cancelled:
            # Off the verdict path: let the server answer the goodbye and close its side, so
            # its log shows a clean logout rather than a dropped connection. Not a daemon, so
            # a CLI that has printed its verdict exits only once this is done (at most
            # GOODBYE_LINGER, usually one round trip), never with OpenSSL mid-read.
            threading.Thread(target=_linger, args=(sock,), name="goodbye").start()
            return
        with suppress(OSError):
            sock.close()


# How long a goodbye's answer is waited for after the verdict, and how much of it is read.
GOODBYE_LINGER = 2.0
_GOODBYE_BYTES = 64 * 1024


def _linger(sock: socket.socket) -> None:
    """Read (and drop) the server's goodbye until it closes, bounded in time and size."""
    deadline = time.monotonic() + GOODBYE_LINGER
    received = 0
    try:
        while received < _GOODBYE_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += len(chunk)
    except (OSError, ValueError):
        pass
    finally:
        with suppress(OSError):
            sock.close()


def _configure(sock: socket.socket) -> None:
    # Small writes go out at once: with Nagle on, a write that follows another unacknowledged
    # one (imaplib's "+ " answer and its CRLF, TLS Finished and the first command) waits for an
    # ACK the server may delay (40-200 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
