"""Work that must not block the GUI thread: the checks, and calls into the password store."""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from wizard.checks.model import (
    DEFAULT_ROUND_TRIP_TIMEOUT,
    DEFAULT_TIMEOUT,
    CancelToken,
    CheckResult,
    Step,
)
from wizard.provider import Provider
from wizard.services import Service

log = logging.getLogger(__name__)


class CheckWorker(QObject):
    """One verification run. Signals arrive in the GUI thread (queued across threads).

    ``step`` carries a copy of the step so the GUI never reads an object the checking thread
    is still changing.
    """

    step = Signal(str, object)  # service value, Step
    logins_done = Signal(object)  # list[CheckResult]: the logins, before any round trip
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
        with_round_trip: bool = False,
        round_trip_timeout: float = DEFAULT_ROUND_TRIP_TIMEOUT,
        dnsbl_server: tuple[str, int] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._provider = provider
        self._address = address
        self._password = password
        self._ca_file = ca_file
        self._timeout = timeout
        self._username = username
        self._with_round_trip = with_round_trip
        self._round_trip_timeout = round_trip_timeout
        self._dnsbl_server = dnsbl_server
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
        # The network stack (imapclient, smtplib, ssl, truststore) is imported here, on the
        # checking thread, the first time a check runs: never before the first page is shown.
        from wizard.checks.pipeline import run_round_trip_after
        from wizard.checks.runner import run_checks

        # The logins, then (once IMAP and SMTP pass) the test message: one thread, one
        # cancel token, so Stop ends the wait for the message as it ends a login. The login
        # verdicts are shown as soon as they are known, not after the message's wait.
        results: list[CheckResult] = run_checks(
            self._provider,
            self._address,
            self._password,
            ca_file=self._ca_file,
            timeout=self._timeout,
            cancel=self.cancel_token,
            listener=self._on_step,
            username=self._username,
            dnsbl_server=self._dnsbl_server,
        )
        if self._with_round_trip:
            with contextlib.suppress(RuntimeError):
                self.logins_done.emit(list(results))
            trip = run_round_trip_after(
                results,
                self._provider,
                self._address,
                self._password,
                ca_file=self._ca_file,
                timeout=self._timeout,
                round_trip_timeout=self._round_trip_timeout,
                cancel=self.cancel_token,
                listener=self._on_step,
                username=self._username,
            )
            if trip is not None:
                results.append(trip)
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
