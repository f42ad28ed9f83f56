"""Connecting to a name with several addresses: Happy Eyeballs (RFC 8305).

The common broken network announces IPv6 but drops it: the first address (AAAA) never answers.
Trying addresses one after another then costs a whole timeout before the working IPv4 address
is even tried. Here the addresses are interleaved by family (RFC 8305 section 4), a new attempt
starts every 250 ms while none has connected (or at once when one fails), the first to connect
wins and the others are closed. Everything ends within the connect bound.

Hand-written rather than ``asyncio``'s ``happy_eyeballs_delay``: the checks are threaded and
blocking, a cancel must wake the wait at once, and the report needs each attempt's fate, which
asyncio does not expose. ``socket.create_connection(all_errors=True)`` tries one at a time.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from wizard.checks.model import CancelToken

# RFC 8305 section 5: "Connection Attempt Delay ... recommended value 250 ms".
ATTEMPT_DELAY = 0.25


@dataclass
class Attempt:
    """One address tried, and what happened to it (for the report)."""

    address: str
    port: int
    started_ms: float = 0.0  # since the connect phase began
    ended_ms: float | None = None
    fate: str = "not tried"
    error: OSError | None = None

    @property
    def where(self) -> str:
        return f"{self.address} port {self.port}"

    def describe(self) -> str:
        if self.fate == "not tried":
            return f"connect to {self.where}: not tried (another address connected first)"
        took = "" if self.ended_ms is None else f" after {self.ended_ms - self.started_ms:.0f} ms"
        return f"connect to {self.where}: {self.fate}{took}"


def interleave(addrs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Alternate address families, keeping the resolver's order within each (RFC 8305 4).

    The family of the resolver's first answer goes first (getaddrinfo already sorted by
    RFC 6724 preference).
    """
    first: list[tuple[str, int]] = []
    other: list[tuple[str, int]] = []
    lead_v6 = bool(addrs) and ":" in addrs[0][0]
    for addr in addrs:
        (first if (":" in addr[0]) == lead_v6 else other).append(addr)
    out: list[tuple[str, int]] = []
    for i in range(max(len(first), len(other))):
        out.extend(group[i] for group in (first, other) if i < len(group))
    return out


class ConnectFailed(OSError):
    """No address connected; ``attempts`` says what happened to each."""

    def __init__(self, cause: OSError, attempts: list[Attempt]) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause))
        self.cause = cause
        self.attempts = attempts


def happy_eyeballs(
    addrs: list[tuple[str, int]],
    bound: float,
    cancel: CancelToken,
    configure: Callable[[socket.socket], None] | None = None,
    delay: float = ATTEMPT_DELAY,
) -> tuple[socket.socket, list[Attempt]]:
    """The first socket to connect (blocking again), and every attempt's fate.

    Raises :class:`ConnectFailed` wrapping the most telling error: a refusal if any address
    refused (the host is up, nothing listens), else a timeout if any was still waiting at the
    bound, else the last error.
    """
    order = interleave(addrs)
    attempts = [Attempt(a, p) for a, p in order]
    t0 = time.monotonic()
    end = t0 + max(bound, 0.0)
    sel = selectors.DefaultSelector()
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    sel.register(wake_r, selectors.EVENT_READ, None)
    unregister = cancel.on_cancel(lambda: _poke(wake_w))
    pending: dict[socket.socket, Attempt] = {}
    next_index = 0
    next_start = t0
    winner: socket.socket | None = None

    def ms() -> float:
        return (time.monotonic() - t0) * 1000

    def finish(sock: socket.socket, attempt: Attempt, fate: str, err: OSError | None) -> None:
        attempt.fate, attempt.error, attempt.ended_ms = fate, err, ms()
        sel.unregister(sock)
        del pending[sock]
        sock.close()

    try:
        while winner is None:
            cancel.raise_if_cancelled()
            now = time.monotonic()
            if now >= end:
                break
            if next_index < len(attempts) and now >= next_start:
                attempt = attempts[next_index]
                next_index += 1
                attempt.started_ms = ms()
                attempt.fate = "no answer"
                sock = _start(attempt, configure)
                if sock is None:  # failed on the spot (no route for this family...)
                    attempt.ended_ms = ms()
                    next_start = now
                    continue
                pending[sock] = attempt
                sel.register(sock, selectors.EVENT_WRITE, attempt)
                next_start = now + delay
            if not pending and next_index >= len(attempts):
                break
            wait_until = end if next_index >= len(attempts) else min(end, next_start)
            for key, _ in sel.select(max(0.0, wait_until - time.monotonic())):
                if key.data is None:
                    continue  # the cancel poke; checked at the top of the loop
                ready = key.fileobj
                assert isinstance(ready, socket.socket)
                attempt = pending[ready]
                code = ready.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0 and winner is None:
                    attempt.fate, attempt.ended_ms = "connected", ms()
                    sel.unregister(ready)
                    del pending[ready]
                    winner = ready
                elif code != 0:
                    err = OSError(code, os.strerror(code))
                    finish(ready, attempt, _fate(err), err)
                    next_start = time.monotonic()  # RFC 8305 5: a failure starts the next now
    finally:
        unregister()
        for sock, attempt in list(pending.items()):
            if attempt.fate == "no answer" and winner is not None:
                attempt.fate = "given up (another address connected first)"
            elif attempt.fate == "no answer":
                attempt.fate = "no answer by the end of the connect phase"
            attempt.ended_ms = ms()
            sel.unregister(sock)
            sock.close()
        sel.close()
        wake_r.close()
        wake_w.close()
        if winner is None:
            cancel.raise_if_cancelled()
    if winner is None:
        raise ConnectFailed(_worst(attempts, bound), attempts)
    winner.setblocking(True)
    return winner, attempts


def _poke(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.send(b"x")


def _start(
    attempt: Attempt, configure: Callable[[socket.socket], None] | None
) -> socket.socket | None:
    family = socket.AF_INET6 if ":" in attempt.address else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        attempt.fate, attempt.error = f"failed: {exc.strerror or exc}", exc
        return None
    try:
        if configure is not None:
            configure(sock)
        sock.setblocking(False)
        code = sock.connect_ex((attempt.address, attempt.port))
    except OSError as exc:
        sock.close()
        attempt.fate, attempt.error = _fate(exc), exc
        return None
    if code in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
        return sock
    sock.close()
    err = OSError(code, os.strerror(code))
    attempt.fate, attempt.error = _fate(err), err
    return None


def _fate(err: OSError) -> str:
    if err.errno == errno.ECONNREFUSED:
        return "refused"
    return f"failed: {err.strerror or err}"


def _worst(attempts: list[Attempt], bound: float) -> OSError:
    errors = [a.error for a in attempts if a.error is not None]
    for err in errors:
        if err.errno == errno.ECONNREFUSED:
            return ConnectionRefusedError(err.errno, err.strerror)
    if any(a.fate.startswith("no answer") for a in attempts) or not errors:
        return TimeoutError(errno.ETIMEDOUT, f"no address answered within {bound:.1f} s")
    last = errors[-1]
    return last
