"""Finding an address's settings off the GUI thread (``wizard.discovery``), cancellable."""

from __future__ import annotations

import contextlib
import threading

from PySide6.QtCore import QObject, Signal

from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.provider import Provider


class DiscoveryWorker(QObject):
    """One discovery run. Signals arrive in the GUI thread (queued across threads).

    ``lookup`` carries each look-up as it ends (frozen dataclasses: safe to hand over),
    ``finished`` the ``DiscoveryResult``. Stop cancels the run's token: discovery shuts every
    socket and returns within 200 ms, reporting itself cancelled.
    """

    lookup = Signal(object)  # wizard.discovery.model.Lookup
    finished = Signal(object)  # wizard.discovery.model.DiscoveryResult

    def __init__(
        self,
        address: str,
        provider: Provider | None,
        options: CheckOptions,
        *,
        ispdb_url: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._address = address
        self._provider = provider
        self._options = options
        self._ispdb_url = ispdb_url
        self.cancel_token = CancelToken()
        self._thread = threading.Thread(target=self._run, name="discovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _on_lookup(self, lookup: object) -> None:
        with contextlib.suppress(RuntimeError):  # the page went away: nobody to tell
            self.lookup.emit(lookup)

    def _run(self) -> None:
        # The network stack is imported here, on the discovery thread, the first time.
        from wizard.discovery import race
        from wizard.discovery.ispdb import DEFAULT_ISPDB_URL

        result = race.discover(
            self._address,
            self._options,
            self.cancel_token,
            self._on_lookup,
            provider=self._provider,
            ispdb_url=self._ispdb_url or DEFAULT_ISPDB_URL,
        )
        with contextlib.suppress(RuntimeError):
            self.finished.emit(result)
