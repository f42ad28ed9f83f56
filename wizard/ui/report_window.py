"""Details for IT: the report in a window of its own, resizable, monospace, with Copy beside it.

The report's columns (step names, times, the C:/S: transcript) line up only in a fixed-pitch
font, and IT reads it at the size they like; squeezed into the checking page it took the
person's results away from them. The page keeps one "Details for IT…" button.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wizard.ui.report_export import ReportExport
from wizard.ui.widgets import secondary_label

TITLE = "Details for IT"


class ReportWindow(QDialog):
    """Non-modal: the person can keep it open beside the wizard while they try again."""

    def __init__(self, export: ReportExport, parent: QWidget) -> None:
        super().__init__(parent)
        self.export = export
        self.setWindowTitle(TITLE)
        self.setModal(False)
        self.setSizeGripEnabled(True)
        lay = QVBoxLayout(self)
        lay.addWidget(
            secondary_label(
                "Everything IT needs to find this check in the server logs. It never contains "
                "your password.",
                self,
            )
        )
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Report for IT")
        # Wrapped at the window's edge: the summary lines are sentences, and cut off at the right
        # they were lost; the transcript's columns still line up in the fixed-pitch font.
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        lay.addWidget(self.text, 1)
        row = QHBoxLayout()
        for button in export.buttons:
            button.setParent(self)
            button.setAutoDefault(False)
            button.show()
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        close_button = close.button(QDialogButtonBox.StandardButton.Close)
        if isinstance(close_button, QPushButton):
            close_button.setAccessibleName("Close details")
        row.addWidget(close)
        lay.addLayout(row)

    def sizeHint(self) -> QSize:
        metrics = self.text.fontMetrics()
        return QSize(metrics.horizontalAdvance("x") * 100, metrics.height() * 32)

    def refresh(self) -> None:
        """Show the flow's latest report (after every run)."""
        self.text.setPlainText(self.export.text())
