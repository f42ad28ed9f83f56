"""For IT: a window that reads the mail server's log files and explains them, session by session.

It shows what ``python -m wizard logs`` prints — the outcome of each login, message and
delivery in plain words, with the original lines — filterable by address. The reading runs on
a QThread (a big log takes seconds), reports progress through the bar, and stops when asked;
the window only shows results, the work is wizard.logs.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wizard.logs import (
    Filters,
    LogFileError,
    ReportKeys,
    Stats,
    load_report,
    read_sessions,
)
from wizard.logs.render import notes, session_text, summary_text
from wizard.logs.report_match import annotate
from wizard.safe_text import visible
from wizard.ui.bulk_gc import bulk_read, collect_young
from wizard.ui.session_table import SessionRow, SessionTable, session_row
from wizard.ui.style import set_primary
from wizard.ui.widgets import ElidedLabel, wrapping_label

# Smaller regions than the CLI's: Stop and the progress bar answer within a fraction of a
# second even when every line is parsed.
_REGION = 1 << 20
# Rows go to the GUI in batches at most this often, so a huge log does not flood the event
# loop with one signal per session.
_BATCH_S = 0.1


class LogReadWorker(QObject):
    """Reads the files with wizard.logs on its own QThread; it tells the window everything
    through signals (queued into the GUI thread).

    A worker object moved to a plain QThread (the pattern Qt recommends); it stops at the next
    region of the log once ``cancel`` is called.
    """

    progress = Signal(int, int)  # per-mille done, 1000
    found = Signal(list)  # list[SessionRow], made here so the GUI thread only shows them
    failed = Signal(str)  # one line naming the file
    done = Signal(object)  # Stats
    ended = Signal()  # always last

    def __init__(
        self, files: Sequence[str], filters: Filters, report: ReportKeys | None = None
    ) -> None:
        super().__init__()
        self._files = list(files)
        self._filters = filters
        self._report = report
        if report is not None:
            filters.hints, filters.window = report.hints(), report.window
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> None:
        try:
            with bulk_read():
                self._read()
        finally:
            self.ended.emit()

    def _read(self) -> None:
        stats = Stats()
        batch: list[SessionRow] = []
        last = time.monotonic()

        def on_progress(done: int, total: int) -> None:
            self.progress.emit(int(1000 * done / total) if total else 0, 1000)

        try:
            for s in read_sessions(
                self._files,
                self._filters,
                stats=stats,
                progress=on_progress,
                cancelled=self._stop.is_set,
                chunk_size=_REGION,
            ):
                if self._report is not None:
                    attempt = annotate(self._report, s)
                    if attempt is None and not self._filters.address:
                        continue  # with a report alone, only the report's sessions
                batch.append(session_row(s))
                if time.monotonic() - last > _BATCH_S:
                    self.found.emit(batch)
                    batch, last = [], time.monotonic()
        except LogFileError as exc:
            self.failed.emit(str(exc))
            return
        if batch:
            self.found.emit(batch)
        self.progress.emit(1000, 1000)
        self.done.emit(stats)


class LogReaderWindow(QWidget):
    """Open log files, type an address, read: one row per session, its story below."""

    finished_reading = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("For IT: read server logs")
        self.setObjectName("log-reader")
        self.files: list[str] = []
        self.report: ReportKeys | None = None
        self._thread: QThread | None = None
        self._worker: LogReadWorker | None = None
        # A stopped read's thread and worker, kept alive until their last queued signals
        # (which the slots ignore, by sender) have been delivered.
        self._retired: list[tuple[QThread, LogReadWorker]] = []
        self._read_ended = False  # the thread is done; rows may still be queued for the table
        self._stats: Stats | None = None

        lay = QVBoxLayout(self)
        lay.addWidget(
            wrapping_label(
                "Open Dovecot or Haraka log files (plain or .gz, e.g. dovecot.log and "
                "app.log from the server) and, to see one person's connections, type their "
                "address. Each session says in plain words what happened.",
                self,
            )
        )
        row = QHBoxLayout()
        self.open_button = QPushButton("&Open log files…", self)
        self.open_button.clicked.connect(self.choose_files)
        row.addWidget(self.open_button)
        # Many long file names must not widen the window: cut with "…", the full list is in
        # the tooltip.
        self.files_label = ElidedLabel("No files chosen", self)
        self.files_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.files_label, 1)
        self.report_button = QPushButton("Find a saved &report's attempts…", self)
        self.report_button.setToolTip(
            "Open a report the person saved or sent (text or JSON): its login attempts are "
            "marked in the list"
        )
        self.report_button.clicked.connect(self.choose_report)
        row.addWidget(self.report_button)
        lay.addLayout(row)

        row = QHBoxLayout()
        label = QLabel("&Address:", self)
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("joe.bloggs@example.org (empty: everyone)")
        self.address.setClearButtonEnabled(True)
        self.address.returnPressed.connect(self.read)
        label.setBuddy(self.address)
        row.addWidget(label)
        row.addWidget(self.address, 1)
        self.read_button = QPushButton("&Read", self)
        self.read_button.setDefault(True)
        set_primary(self.read_button, True)  # the window's one main action, in the accent
        self.read_button.clicked.connect(self.read)
        self.stop_button = QPushButton("&Stop", self)
        self.stop_button.clicked.connect(self.request_stop)
        self.stop_button.setEnabled(False)
        row.addWidget(self.read_button)
        row.addWidget(self.stop_button)
        lay.addLayout(row)

        # The percentage beside the bar, not on it: text drawn across the bar's two colours
        # cannot reach AA contrast on both.
        progress_row = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Reading progress")
        self.progress_text = QLabel("0 %", self)
        self.progress_text.setMinimumWidth(
            self.progress_text.fontMetrics().horizontalAdvance("100 %")
        )
        self.progress_text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_text)
        lay.addLayout(progress_row)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = SessionTable(split)
        self.table.drained.connect(self._finish_if_shown)
        self.table.currentItemChanged.connect(self._show_current)
        self.detail = QPlainTextEdit(split)
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("What happened")
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.detail.setFont(mono)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)

        self.summary = wrapping_label("", self)
        lay.addWidget(self.summary)
        self.resize(900, 640)

    # -- actions -----------------------------------------------------------------------------

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open log files", "", "Logs (*.log *.gz *.txt *.1 *.2);;All files (*)"
        )
        if files:
            self.set_files(files)

    def choose_report(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a saved report", "", "Reports (*.txt *.json);;All files (*)"
        )
        if path:
            self.set_report(path)

    def set_report(self, path: str | None) -> None:
        """Mark the sessions that are this report's attempts (None: no report)."""
        if path is None:
            self.report = None
            self.report_button.setText("Find a saved &report's attempts…")
            return
        try:
            self.report = load_report(path)
        except LogFileError as exc:
            self.summary.setText(f"Could not read the report: {visible(str(exc))}")
            return
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        self.report_button.setText(f"Report: {name}")
        if not self.address.text().strip():
            self.address.setPlaceholderText(
                f"{self.report.address} — empty: only the report's attempts"
            )

    def set_files(self, files: Sequence[str]) -> None:
        self.files = list(files)
        names = ", ".join(f.replace("\\", "/").rsplit("/", 1)[-1] for f in self.files)
        self.files_label.set_full_text(names or "No files chosen")
        self.files_label.setToolTip("\n".join(self.files))

    def read(self) -> None:
        if not self.files:
            self.summary.setText("Choose one or more log files first.")
            return
        self.stop()
        self.table.start_over()
        self.detail.clear()
        self._read_ended = False
        self._stats = None
        self._show_progress(0, 1000)
        self.summary.setText("Reading…")
        worker = LogReadWorker(
            self.files, Filters(address=self.address.text().strip()), self.report
        )
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.found.connect(self._on_found)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        # Direct: QThread.quit is thread-safe, and a queued call would wait for the GUI thread,
        # which may itself be waiting for this thread in stop().
        worker.ended.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self.read_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        thread.start()

    def request_stop(self) -> None:
        """Ask the reading to stop; the buttons come back when the thread has ended."""
        if self._worker is not None and self.is_reading():
            self._worker.cancel()
            self.stop_button.setEnabled(False)
            self.summary.setText("Stopping…")

    def stop(self) -> None:
        """Stop and wait (before a new read, or when the window closes); what that read still
        has queued for this window is ignored from here on."""
        if self._worker is not None and self._thread is not None and self.is_reading():
            self._worker.cancel()
            self._thread.quit()
            self._thread.wait()
            self._retired.append((self._thread, self._worker))
            self._thread = self._worker = None
            self._read_ended = False
            self.read_button.setEnabled(True)
            self.stop_button.setEnabled(False)

    def _from_current_read(self) -> bool:
        """Whether the signal being handled comes from the read under way, not a stopped one."""
        sender = self.sender()
        return sender is not None and sender in (self._worker, self._thread)

    def is_reading(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    # -- results -----------------------------------------------------------------------------

    def _on_progress(self, done: int, total: int) -> None:
        if self._from_current_read():
            collect_young()  # once per region: automatic collection is off (bulk_gc)
            self._show_progress(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress_text.setText(f"{100 * done // total if total else 0} %")

    def _on_found(self, rows: list[SessionRow]) -> None:
        if not self._from_current_read():
            return
        self.table.add_rows(rows)

    def _on_failed(self, message: str) -> None:
        if not self._from_current_read():
            return
        self.summary.setText(f"Could not read the logs: {visible(message)}")

    def _on_done(self, stats: Stats) -> None:
        if not self._from_current_read():
            return
        self._stats = stats
        counts = Counter(s.outcome.value for s in self.table.sessions)
        parts = [summary_text(counts, stats), *notes(stats)]
        if self.report is not None:
            found = sum(1 for s in self.table.sessions if s.report_match)
            parts.insert(
                0,
                f"{found} of the report's {len(self.report.attempts)} attempts found (marked ►).",
            )
        self.summary.setText(" ".join(parts))

    def _on_thread_finished(self) -> None:
        if not self._from_current_read() or self._thread is None:
            return
        # "finished" is sent just before the thread really ends: wait the last instant so the
        # QThread is never deleted (with this window) while it still runs.
        self._thread.wait()
        self._worker = None  # its last queued signals were delivered before "finished"
        self._retired.clear()  # and so were those of any read stopped before it
        self._read_ended = True
        self._finish_if_shown()

    def _finish_if_shown(self) -> None:
        """The end of a read: once the thread has ended and the table shows every row."""
        if not self._read_ended or self.table.has_pending():
            return
        self._read_ended = False
        self.table.allow_sorting()
        self.read_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        for col in range(self.table.columnCount()):
            self.table.resizeColumnToContents(col)
        self.finished_reading.emit()

    def _show_current(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            self.detail.clear()
            return
        self.detail.setPlainText(session_text(self.table.session_at(item)))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)
