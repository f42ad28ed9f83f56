"""What every protocol check shares: timed steps, the masked transcript, resolving, connecting.

Resolving, connecting and the TLS handshake are done here rather than inside imaplib/smtplib so
that each is its own timed step with its own cause (a DNS failure and a blocked port need
different advice), the IP and ports used are known for the report, and a cancel can close the
socket from another thread.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

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
from wizard.checks.redact import Redactor
from wizard.checks.tls import RunTrust, fetch_certificate_for_report, tls_info


class Session:
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
        self.redact = Redactor(password, result.username)
        self.trust = trust  # the run's, shared by its checks
        self.sock: socket.socket | None = None
        self._unregister: Callable[[], None] | None = None
        self._said_goodbye = False

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
            step.duration_ms = (time.perf_counter() - t0) * 1000
            step.detail = self.redact(step.detail)
            self._emit(step)

    # -- transcript -------------------------------------------------------------------------
    def note(self, text: str) -> None:
        self._line(Direction.NOTE, text)

    def sent(self, text: str) -> None:
        self._line(Direction.SENT, text)

    def received(self, text: str) -> None:
        self._line(Direction.RECEIVED, text)
        self.result.server_responses.append(self.redact(text))

    def _line(self, direction: Direction, text: str) -> None:
        for line in text.rstrip("\r\n").split("\n"):
            self.result.transcript.append(
                TranscriptLine(datetime.now(UTC), direction, self.redact(line.rstrip("\r")))
            )

    # -- network ----------------------------------------------------------------------------
    def resolve(
        self, resolver: Callable[[str, int], list[tuple[str, int]]]
    ) -> list[tuple[str, int]]:
        host, port = self.result.host, self.result.port
        with self.step(StepName.RESOLVE) as step:
            addrs = resolver(host, port)
            step.detail = f"{host} → " + ", ".join(a[0] for a in addrs)
            step.facts["addresses"] = ", ".join(a[0] for a in addrs)
        return addrs

    def connect(self, addrs: list[tuple[str, int]]) -> socket.socket:
        """Try each address in turn, like ``socket.create_connection``, but cancellable.

        The whole step stays within one timeout however many addresses the name has: each
        address gets an equal share of what is left, so a dead first address cannot push the
        verdict past the bound and still leaves the next one a fair try.
        """
        with self.step(StepName.CONNECT) as step:
            last: BaseException | None = None
            deadline = time.monotonic() + self.timeout
            for index, addr in enumerate(addrs):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_STREAM)
                # Small writes go out at once: with Nagle on, a write that follows another
                # unacknowledged one (imaplib's "+ " answer and its CRLF, TLS Finished and
                # the first command) waits for an ACK the server may delay (40-200 ms).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._adopt(sock)
                sock.settimeout(remaining / (len(addrs) - index))
                try:
                    sock.connect(addr)
                except OSError as exc:
                    self.cancel.raise_if_cancelled()
                    sock.close()
                    last = exc
                    self.note(f"connect to {addr[0]} port {addr[1]} failed: {exc}")
                    continue
                peer = sock.getpeername()[:2]
                local = sock.getsockname()[:2]
                self.result.peer = (str(peer[0]), int(peer[1]))
                self.result.local = (str(local[0]), int(local[1]))
                step.detail = f"{peer[0]} port {peer[1]} (from {local[0]} port {local[1]})"
                step.facts.update(
                    server_ip=str(peer[0]),
                    server_port=str(peer[1]),
                    local_ip=str(local[0]),
                    local_port=str(local[1]),
                )
                self.note(f"connected to {peer[0]} port {peer[1]} from {local[0]} port {local[1]}")
                sock.settimeout(self.timeout)  # each later read gets the full bound again
                return sock
            raise last if last is not None else TimeoutError("no address answered in time")

    def start_tls(
        self,
        sock: socket.socket,
        step_name: StepName = StepName.TLS,
        prelude: Callable[[socket.socket], None] | None = None,
    ) -> ssl.SSLSocket:
        """Handshake with certificate and hostname checks; describe what was seen either way."""
        with self.step(step_name) as step:
            try:
                tls = self.trust.context().wrap_socket(sock, server_hostname=self.result.host)
            except ssl.SSLCertVerificationError as exc:
                self.note(f"certificate refused: {exc.verify_message or exc}")
                if self.result.peer and not self.cancel.cancelled:
                    seen = fetch_certificate_for_report(
                        self.result.peer, self.result.host, self.timeout, prelude
                    )
                    if seen:
                        step.facts.update({k: str(v) for k, v in seen.items()})
                        step.detail = (
                            f"refused certificate: subject {seen['cert_subject']}, issuer "
                            f"{seen['cert_issuer']}, valid {seen['not_before']} to "
                            f"{seen['not_after']}, SHA-256 {seen['sha256']}"
                        )
                raise
            self._adopt(tls)
            info = tls_info(tls)
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

        The server's goodbye would cost a round trip and tell the person nothing, so the
        command goes out (the server logs a clean logout) and the connection is closed by the
        runner straight after. Never raises, never undoes the verdict; skipped on cancel.
        """
        if self.cancel.cancelled:
            return
        with self.step(StepName.LOGOUT) as step:
            try:
                send()
            except (OSError, ValueError) as exc:
                self.note(f"logout not sent: {exc}")
                return
            self._said_goodbye = True
            step.detail = "sent; the reply is not awaited, the verdict is already in"

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

        self._unregister = self.cancel.on_cancel(_shutdown)

    def close(self) -> None:
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
