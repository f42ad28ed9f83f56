"""Work that must not block the GUI thread: the checks, and calls into the password store."""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from wizard.checks.model import CancelToken, CheckResult, Step
from wizard.checks.options import CheckOptions
from wizard.provider import Provider
from wizard.services import Service

log = logging.getLogger(__name__)


class CheckWorker(QObject):
    """One verification run. Signals arrive in the GUI thread (queued across threads).

    ``step`` carries a copy of the step so the GUI never reads an object the checking thread
    is still changing.
    """

    step = Signal(str, object)  # service value, Step
    logins_done = Signal(object)  # list[CheckResult]: the logins, before the test message
    finished = Signal(object)  # list[CheckResult]

    def __init__(
        self,
        provider: Provider,
        address: str,
        password: str,
        options: CheckOptions,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._provider = provider
        self._address = address
        self._password = password
        self._options = options
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

    def _on_logins_done(self, results: list[CheckResult]) -> None:
        with contextlib.suppress(RuntimeError):
            self.logins_done.emit(results)

    def _run(self) -> None:
        # The network stack (imapclient, smtplib, ssl, truststore) is imported here, on the
        # checking thread, the first time a check runs: never before the first page is shown.
        from wizard.pipeline import run_all_checks

        # The logins, then (once IMAP and SMTP pass) the test message: one thread, one
        # cancel token, so Stop ends the wait for the message as it ends a login. The login
        # verdicts are shown as soon as they are known, not after the message's wait.
        try:
            results = run_all_checks(
                self._provider,
                self._address,
                self._password,
                self._options,
                cancel=self.cancel_token,
                listener=self._on_step,
                logins_done=self._on_logins_done,
            )
        finally:
            self._password = ""
        with contextlib.suppress(RuntimeError):  # the wizard closed while checks finished
            self.finished.emit(results)


class BackgroundCall(QObject):
    """Run one blocking call off the GUI thread; ``done`` brings its result back (queued).

    For the password store: reading or saving may make the desktop show its own "unlock your
    keyring" dialog and wait for the person (up to two minutes, see wizard.account.secret_service).
    On the GUI thread that would freeze the wizard and get it flagged as not responding. The
    call must not raise (the keychain wrapper never does); if it does, ``done`` carries None
    and only the exception's type is logged, since a store's error text may quote the secret.
    """

    done = Signal(object)

    def __init__(self, call: Callable[[], object], *, name: str, parent: QObject) -> None:
        super().__init__(parent)
        self._call = call
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:  # a bug, not an expected failure: report its type only
            log.error("%s failed: %s", self._thread.name, type(exc).__name__)
            result = None
        with contextlib.suppress(RuntimeError):  # the page closed meanwhile: nobody to tell
            self.done.emit(result)
