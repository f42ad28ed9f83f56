"""A one-shot event that runs callbacks when it fires: what a cancel and a deadline share.

Both end a check from another thread by shutting its sockets down; the callbacks registered here
do that shutting down. Registering after it fired runs the callback at once, so a socket opened
in the last instant is not missed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable


class Trigger:
    """Fires once; every callback runs exactly once, on fire or on registration after it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def fired(self) -> bool:
        return self._event.is_set()

    def fire(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            # Closing an already-dead socket is fine; one failing callback must not stop others.
            with contextlib.suppress(Exception):
                cb()

    def on_fire(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` when fired (at once if already fired); returns an undo."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def forget_callbacks(self) -> None:
        """Drop what is registered without running it: the thing it guarded is over."""
        with self._lock:
            self._callbacks = []

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._callbacks.remove(callback)
