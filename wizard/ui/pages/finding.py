"""The checking page's "Finding your settings" state: discovery's look-ups as they finish.

For an address outside IT's domains the checking page first finds the settings (the look-ups
of ``wizard.discovery`` on a worker thread, Stop ending them within 200 ms), then checks what
was found. This widget shows each look-up as it ends and offers *Enter settings myself* at any
moment; when nothing is found that is the page's one action.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from wizard.checks.options import CheckOptions
from wizard.flow import WizardFlow
from wizard.ui.discovery_worker import DiscoveryWorker
from wizard.ui_text.discovery import MANUAL_CHOICE, lookup_line

# Rows of the look-up list shown without scrolling (it scrolls beyond, never clips).
VISIBLE_LOOKUPS = 5


class FindingSettings(QWidget):
    """Runs one discovery at a time and passes on only the current run's news."""

    found = Signal(object)  # DiscoveryResult with settings
    nothing = Signal(object)  # DiscoveryResult without settings
    stopped = Signal()  # Stop pressed: the run ended, nothing was found or used
    manual = Signal()  # the person chose to type the settings in

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.worker: DiscoveryWorker | None = None
        self.published = False  # this run asks what the domain publishes (see start)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.lookups = QListWidget(self)
        self.lookups.setAccessibleName("Where the settings were looked for")
        self.lookups.setWordWrap(True)  # long addresses wrap instead of scrolling sideways
        self.lookups.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = self.lookups.fontMetrics().height() + 6
        self.lookups.setMaximumHeight(rows * VISIBLE_LOOKUPS + 8)
        self.lookups.setMinimumHeight(rows * 2 + 8)
        lay.addWidget(self.lookups)
        buttons = QHBoxLayout()
        self.manual_button = QPushButton(MANUAL_CHOICE, self)
        self.manual_button.setAutoDefault(False)
        self.manual_button.clicked.connect(self._manual)
        buttons.addWidget(self.manual_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        # Never squeezed below what it needs: a squeezed layout cuts the button's bottom off.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.hide()

    def start(
        self,
        flow: WizardFlow,
        options: CheckOptions,
        ispdb_url: str | None,
        *,
        published: bool = False,
    ) -> None:
        """Look up the settings for the flow's address (IT's settings answer without network).

        ``published``: ask the domain itself even though IT's settings cover it (what it
        publishes endorses a provider file found where anyone can write, issue 27).
        """
        self.abandon()
        self.lookups.clear()
        self.published = published
        provider = None if published else flow.it_provider
        worker = DiscoveryWorker(
            flow.account.address, provider, options, ispdb_url=ispdb_url, parent=self
        )
        worker.lookup.connect(self._on_lookup)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.show()
        worker.start()

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def stop(self) -> bool:
        """Stop looking (the run ends as cancelled); False when nothing was running."""
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            return True
        return False

    def abandon(self) -> None:
        """Cancel whatever runs and drop its reports (a restart, Back, or the window closing)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.lookup.disconnect(self._on_lookup)
            self.worker.finished.disconnect(self._on_finished)
            self.worker = None

    def _on_lookup(self, lookup: object) -> None:
        if self.sender() is self.worker:
            self.lookups.addItem(lookup_line(lookup))  # type: ignore[arg-type]
            self.lookups.scrollToBottom()

    def _on_finished(self, result: object) -> None:
        if self.sender() is not self.worker:
            return
        self.worker = None
        from wizard.discovery.model import DiscoveryResult

        assert isinstance(result, DiscoveryResult)
        if result.cancelled:
            self.stopped.emit()
        elif result.ok:
            self.found.emit(result)
        else:
            self.nothing.emit(result)

    def _manual(self) -> None:
        self.abandon()
        self.manual.emit()
