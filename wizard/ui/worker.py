"""Runs the checks off the GUI thread and hands every step back by queued signal."""

from __future__ import annotations

import contextlib
import copy
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from wizard.checks.model import CancelToken, CheckResult, Step
from wizard.checks.runner import DEFAULT_TIMEOUT, run_checks
from wizard.provider import Provider, Service


class CheckWorker(QObject):
    """One verification run. Signals arrive in the GUI thread (queued across threads).

    ``step`` carries a copy of the step so the GUI never reads an object the checking thread
    is still changing.
    """

    step = Signal(str, object)  # service value, Step
    finished = Signal(object)  # list[CheckResult]

    def __init__(
        self,
        provider: Provider,
        address: str,
        password: str,
        *,
        ca_file: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        username: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._provider = provider
        self._address = address
        self._password = password
        self._ca_file = ca_file
        self._timeout = timeout
        self._username = username
        self.cancel_token = CancelToken()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mail-checks", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _on_step(self, service: Service, step: Step) -> None:
        with contextlib.suppress(RuntimeError):  # the page went away: nobody to tell
            self.step.emit(service.value, copy.copy(step))

    def _run(self) -> None:
        results: list[CheckResult] = run_checks(
            self._provider,
            self._address,
            self._password,
            ca_file=self._ca_file,
            timeout=self._timeout,
            cancel=self.cancel_token,
            listener=self._on_step,
            username=self._username,
        )
        self._password = ""
        with contextlib.suppress(RuntimeError):  # the wizard closed while checks finished
            self.finished.emit(results)
