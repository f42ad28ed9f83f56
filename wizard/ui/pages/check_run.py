"""The checking page's background work: one verification run at a time, then the password save."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from wizard.checks.model import CheckResult, Step
from wizard.checks.options import CheckOptions
from wizard.flow import WizardFlow
from wizard.services import Service
from wizard.ui.worker import BackgroundCall, CheckWorker


class CheckRun(QObject):
    """Starts, stops and restarts the checks, and passes on only the current run's news.

    A run that was restarted, or a save overtaken by a new run, may still report from its
    thread; those reports are dropped here, so the page never shows a stale step or verdict.
    Signals arrive in the GUI thread.
    """

    step = Signal(object, object)  # Service, Step
    logins_done = Signal(object)  # list[CheckResult], before the test message
    finished = Signal(object)  # list[CheckResult]
    saved = Signal()  # the password store has been updated after a good check

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.worker: CheckWorker | None = None
        self._saving: BackgroundCall | None = None

    def start(self, flow: WizardFlow, options: CheckOptions) -> None:
        """Check the flow's account now; a run still going is cancelled and forgotten.

        The test message is sent when the person asked for it (the flow's choice).
        """
        self.abandon()
        worker = CheckWorker(
            flow.provider,
            flow.account.address,
            flow.account.password,
            options.with_changes(send_test_message=flow.send_test_message),
            parent=self,
        )
        worker.step.connect(self._on_step)
        worker.logins_done.connect(self._on_logins_done)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        worker.start()

    def stop(self) -> bool:
        """Cancel the running checks (they finish as cancelled); False when none was running."""
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            return True
        return False

    def abandon(self) -> None:
        """Cancel whatever runs and drop its reports (a restart, or the window closing)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.step.disconnect(self._on_step)
            self.worker.logins_done.disconnect(self._on_logins_done)
            self.worker.finished.disconnect(self._on_finished)
            self.worker = None
        self._saving = None  # a save still running reports to nobody

    @property
    def saving(self) -> bool:
        return self._saving is not None

    def save_after_good_check(self, flow: WizardFlow) -> None:
        """Keep (or drop) the password as chosen, off the GUI thread; ``saved`` says when.

        The store may show the desktop's unlock dialog and wait for the person; the wizard
        must stay responsive meanwhile, and must not move on before the outcome is known (the
        last page says where the password is).
        """
        call = BackgroundCall(flow.after_good_check, name="keychain-save", parent=self)
        call.done.connect(self._on_saved)
        self._saving = call
        call.start()

    def _on_step(self, service: str, step: Step) -> None:
        if self.sender() is self.worker:
            self.step.emit(Service(service), step)

    def _on_logins_done(self, results: list[CheckResult]) -> None:
        if self.sender() is self.worker:
            self.logins_done.emit(results)

    def _on_finished(self, results: list[CheckResult]) -> None:
        if self.sender() is self.worker:
            self.finished.emit(results)

    def _on_saved(self, _result: object) -> None:
        if self.sender() is self._saving:
            self._saving = None
            self.saved.emit()
