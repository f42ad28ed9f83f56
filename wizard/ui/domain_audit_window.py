"""For IT: "Check our domain…" — what the domain tells mail programs, and "Save the kit…".

It shows what ``python -m wizard audit`` prints: each finding with whether it is right and
why, and what each mail program will do. The audit runs on a QThread (it takes up to 10 s);
the window shows its progress and Stop ends the wait at once (the look-ups still end within
their own bounds, off the GUI thread). The window only shows results: the work is
``wizard.audit`` and ``wizard.kit``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.errors import WizardError
from wizard.provider import Provider
from wizard.ui.widgets import fail_color, ok_color, secondary_color, wrapping_label

# (domain, options, provider, cancel, progress) -> AuditResult; tests give their own routes.
Runner = Callable[[str, CheckOptions, Provider | None, CancelToken, Callable[[str], None]], object]

_MARK = {True: "✔ right", False: "✘ wrong", None: "– n/a"}


def default_runner(
    domain: str,
    options: CheckOptions,
    provider: Provider | None,
    cancel: CancelToken,
    progress: Callable[[str], None],
) -> object:
    # Imported on the worker's thread: the first page never loads the network stack.
    from wizard.audit.run import run_audit
    from wizard.audit.sources import gather

    return run_audit(domain, options, gather, provider=provider, cancel=cancel, progress=progress)


class AuditWorker(QObject):
    """Runs one audit on its own QThread; every signal carries the run's number, so a stopped
    run's late answer is told apart from the current one's."""

    progress = Signal(int, str)
    done = Signal(int, object)  # AuditResult
    failed = Signal(int, str)
    ended = Signal()

    def __init__(
        self,
        run_id: int,
        domain: str,
        options: CheckOptions,
        provider: Provider | None,
        runner: Runner,
    ) -> None:
        super().__init__()
        self.run_id = run_id
        self._args = (domain, options, provider)
        self._runner = runner
        self.cancel_token = CancelToken()

    def run(self) -> None:
        domain, options, provider = self._args
        try:
            result = self._runner(domain, options, provider, self.cancel_token, self._say)
            if not self.cancel_token.cancelled:
                self.done.emit(self.run_id, result)
        except WizardError as exc:
            self.failed.emit(self.run_id, str(exc))
        finally:
            self.ended.emit()

    def _say(self, text: str) -> None:
        self.progress.emit(self.run_id, text)


class DomainAuditWindow(QWidget):
    """Type the domain, Check: findings above, the programs below; Save the kit…"""

    finished_checking = Signal()

    def __init__(
        self,
        provider: Provider | None,
        parent: QWidget | None = None,
        *,
        options: CheckOptions | None = None,
        runner: Runner = default_runner,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("For IT: check our domain")
        self.setObjectName("domain-audit")
        self.provider = provider
        self.options = options or CheckOptions(timeout=3.0)
        self._runner = runner
        self._thread: QThread | None = None
        self._worker: AuditWorker | None = None
        # Stopped checks still ending their look-ups (each within its bound): kept until done.
        self._retired: list[tuple[QThread, AuditWorker]] = []
        self._run_id = 0
        self.result: object | None = None

        lay = QVBoxLayout(self)
        lay.addWidget(
            wrapping_label(
                "What your domain tells Thunderbird, Outlook, Apple Mail and phones about its "
                "mail settings, whether it is right, and the files to publish so every program "
                "finds the right settings by itself.",
                self,
            )
        )
        row = QHBoxLayout()
        label = QLabel("&Domain:", self)
        self.domain = QLineEdit(self)
        self.domain.setPlaceholderText("example.org")
        self.domain.returnPressed.connect(self.check)
        label.setBuddy(self.domain)
        if provider is not None and provider.domains:
            self.domain.setText(provider.domains[0])
        self.check_button = QPushButton("&Check", self)
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(lambda: self.check())
        self.stop_button = QPushButton("&Stop", self)
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(lambda: self.request_stop())
        self.kit_button = QPushButton("Save the &kit…", self)
        self.kit_button.setToolTip(
            "Write the autoconfig and Autodiscover files, web-server snippets, DNS records, "
            "the configuration profile and a README for IT, from the provider file"
        )
        self.kit_button.clicked.connect(lambda: self.choose_kit_folder())
        for widget in (label, self.domain, self.check_button, self.stop_button, self.kit_button):
            row.addWidget(widget, 1 if widget is self.domain else 0)
        lay.addLayout(row)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        lay.addWidget(self.progress)
        self.status = wrapping_label("", self)
        lay.addWidget(self.status)

        self.findings = QTreeWidget(self)
        self.findings.setRootIsDecorated(False)
        self.findings.setHeaderLabels(["", "What", "Found"])
        self.findings.setAccessibleName("What the domain publishes")
        self.findings.setColumnWidth(0, 90)
        self.findings.setColumnWidth(1, 320)
        lay.addWidget(self.findings, 3)
        self.programs = QTreeWidget(self)
        self.programs.setRootIsDecorated(False)
        self.programs.setHeaderLabels(["", "Program", "What it will do"])
        self.programs.setAccessibleName("What each program will do")
        self.programs.setColumnWidth(0, 90)
        self.programs.setColumnWidth(1, 200)
        lay.addWidget(self.programs, 2)
        self.resize(980, 680)

    # -- actions -----------------------------------------------------------------------------

    def check(self) -> None:
        from wizard.audit.domain import check_domain

        try:
            domain = check_domain(self.domain.text())
        except WizardError as exc:
            self.status.setText(str(exc))
            return
        self._retire()
        self.findings.clear()
        self.programs.clear()
        self.result = None
        provider = (
            self.provider if self.provider and self.provider.matches_domain(f"x@{domain}") else None
        )
        self._run_id += 1
        worker = AuditWorker(self._run_id, domain, self.options, provider, self._runner)
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.ended.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self.progress.setRange(0, 0)  # busy: the audit's steps have no fixed share
        self.status.setText(f"Checking {domain}…")
        self.check_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        thread.start()

    def request_stop(self) -> None:
        """Stop at once: the look-ups are told to end, and the window no longer waits."""
        self._retire()
        self._idle("Stopped")

    def _retire(self) -> None:
        """Cancel the running check and let it end on its own thread, without waiting."""
        if self._worker is not None and self._thread is not None:
            self._worker.cancel_token.cancel()
            if self._thread.isRunning():
                self._retired.append((self._thread, self._worker))
        self._thread, self._worker = None, None

    def stop(self) -> None:
        """Stop and wait for every check's thread (when the window closes, and in tests)."""
        self._retire()
        for thread, _worker in list(self._retired):
            thread.quit()
            thread.wait()
        self._retired.clear()

    def is_checking(self) -> bool:
        running = [t for t, _ in self._retired] + ([self._thread] if self._thread else [])
        return any(t.isRunning() for t in running)

    def choose_kit_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the kit into a folder")
        if folder:
            self.save_kit(Path(folder))

    def save_kit(self, folder: Path) -> list[Path]:
        from wizard.audit.domain import check_domain
        from wizard.kit.build import build_kit, write_kit
        from wizard.kit.model import KitTarget

        try:
            domain = check_domain(self.domain.text())
            if self.provider is None:
                raise WizardError("the kit is built from IT's provider file, and none is loaded")
            written = write_kit(folder, build_kit(KitTarget(self.provider, domain)))
        except (WizardError, OSError) as exc:
            self.status.setText(f"The kit was not saved: {exc}")
            return []
        self.status.setText(
            f"Saved {len(written)} files for {domain} in {folder} — start with README.txt."
        )
        return written

    # -- results -----------------------------------------------------------------------------

    def _idle(self, text: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(text)
        self.check_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def _on_progress(self, run_id: int, text: str) -> None:
        if run_id == self._run_id and self._worker is not None:
            self.status.setText(text[:1].upper() + text[1:] + "…")

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id == self._run_id and self._worker is not None:
            self._idle(f"The check could not run: {message}")

    def _on_done(self, run_id: int, result: object) -> None:
        from wizard.audit.model import AuditResult

        if run_id != self._run_id or self._worker is None or not isinstance(result, AuditResult):
            return  # a stopped check's late answer
        self.result = result
        for finding in result.findings:
            self._row(self.findings, finding.ok, finding.what, finding.found, finding.why)
        for program in result.programs:
            self._row(self.programs, program.ok, program.program, program.how, "")
        verdict = (
            "Every program finds the right settings."
            if result.ok
            else "Not every program finds the right settings: see the ✘ rows, and Save the kit…"
        )
        self._idle(f"{verdict} ({result.elapsed_ms / 1000:.1f} s)")

    def _row(self, tree: QTreeWidget, ok: bool | None, what: str, found: str, why: str) -> None:
        item = QTreeWidgetItem([_MARK[ok], what, found])
        color = {True: ok_color, False: fail_color, None: secondary_color}[ok](self)
        item.setForeground(0, color)
        item.setToolTip(2, found + (f"\n\nWhy it matters: {why}" if why else ""))
        item.setToolTip(1, why or what)
        tree.addTopLevelItem(item)

    def _on_thread_finished(self) -> None:
        # "finished" comes just before a thread really ends: wait that instant, then drop it.
        ended = self.sender()
        for pair in list(self._retired):
            if pair[0] is ended or pair[0].isFinished():
                pair[0].wait()
                self._retired.remove(pair)
        if self._thread is not None and (self._thread is ended or self._thread.isFinished()):
            self._thread.wait()
            self._thread, self._worker = None, None
            if self.stop_button.isEnabled():  # ended without a result
                self._idle("Stopped")
        self.finished_checking.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)
