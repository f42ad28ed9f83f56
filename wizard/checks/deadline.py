"""A deadline for a whole check, not only for each socket operation.

A per-operation timeout alone lets a server keep a check alive for ever: one byte a second never
times out a ``recv``. So every check gets two bounds derived from ``--timeout`` (T):

- the **connect bound**: looking the name up and connecting end within T of the start;
- the **rest**: everything after the connection is made (TLS, greeting, login, logout, the
  security probe) ends within ``REST_FACTOR`` x T of connecting.

A check therefore ends within 3 x T (30 s with the default 10 s, 9 s with ``--timeout 3``), plus
the moment it takes to close up. Each read still waits at most T for the next bytes (silence is
reported after T, not after the whole budget); what is left of the budget caps that. When the
time is up, a watchdog shuts the check's sockets down, the same way a cancel does, so a read or
a TLS handshake in progress is interrupted too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from wizard.checks.trigger import Trigger

REST_FACTOR = 2.0


class DeadlineExceeded(TimeoutError):
    """The check's own time is up (not a single read's silence)."""


class Deadline:
    """The two bounds of one check, and the watchdog that enforces the second."""

    def __init__(
        self,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        extra: float = 0.0,
    ) -> None:
        self.timeout = timeout
        # Added to the rest's allowance for a connection that must wait by design (the round
        # trip's mailbox, watched until the test message arrives).
        self.extra = extra
        self._clock = clock
        self.started = clock()
        self.connect_end = self.started + timeout
        self.end = self.connect_end
        self.connected_at: float | None = None
        self._expiry = Trigger()
        self._timer: threading.Timer | None = None

    # -- bounds -----------------------------------------------------------------------------
    def connected(self) -> None:
        """The connection is made: from now on the total for the rest applies."""
        now = self._clock()
        self.connected_at = now
        self.end = now + REST_FACTOR * self.timeout + self.extra
        self._timer = threading.Timer(self.end - now, self.expire)
        self._timer.daemon = True
        self._timer.name = "check-deadline"
        self._timer.start()

    def remaining(self) -> float:
        return self.end - self._clock()

    def op_timeout(self) -> float:
        """What the next socket operation may wait: T, or what is left if that is less."""
        left = self.remaining()
        if left <= 0 or self.expired:
            raise DeadlineExceeded(f"the check's {self.budget():g} s were used up")
        return min(self.timeout, left)

    def budget(self) -> float:
        """The whole phase's allowance, for messages."""
        if self.connected_at is None:
            return self.timeout
        return REST_FACTOR * self.timeout + self.extra

    # -- watchdog ---------------------------------------------------------------------------
    @property
    def expired(self) -> bool:
        return self._expiry.fired

    def expire(self) -> None:
        self._expiry.fire()

    def on_expiry(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` when the time is up (at once if it already is); returns an undo."""
        return self._expiry.on_fire(callback)

    def stop(self) -> None:
        """The check is over: no watchdog thread outlives it."""
        if self._timer is not None:
            self._timer.cancel()
        self._expiry.forget_callbacks()
