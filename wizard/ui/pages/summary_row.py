"""One row of the checking page's summary: a status icon, the thing's name, one status word."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from wizard import words
from wizard.checks.model import StepStatus
from wizard.ui.widgets import Spinner, StatusMark, fail_color, ok_color
from wizard.ui_text.checking import Row, Tone

MARKS = {Tone.GOOD: StepStatus.OK, Tone.BAD: StepStatus.FAILED}


class SummaryRow(QWidget):
    """One thing the person cares about: a mark, its name and one status word.

    Screen readers get the name as the accessible name and the full result (status word and
    the diagnosis in plain words) as the accessible description. Made once per thing and
    updated in place: rows are never deleted while the page lives.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        self.spinner = Spinner(self)
        self.mark = StatusMark(self)
        self.name = QLabel("", self)
        self.word = QLabel("", self)
        lay.addWidget(self.spinner)
        lay.addWidget(self.mark)
        lay.addWidget(self.name)
        lay.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        lay.addWidget(self.word)
        lay.addStretch(1)

    def show_row(self, row: Row, name_width: int) -> None:
        # One name column for all rows, so the status words line up right after the names.
        self.name.setMinimumWidth(name_width)
        self.name.setText(row.name)
        self.word.setText(row.word)
        self.setAccessibleName(row.name)
        self.setAccessibleDescription(row.description)
        if row.word == words.CHECKING:
            self.mark.hide()
            self.spinner.start()
            self.word.setStyleSheet("")
        else:
            self.spinner.stop()
            self.mark.show()
            self.mark.set_status(MARKS.get(row.tone, StepStatus.SKIPPED))
            color = {Tone.GOOD: ok_color(self), Tone.BAD: fail_color(self)}.get(row.tone)
            self.word.setStyleSheet(f"color: {color.name()}; font-weight: bold;" if color else "")
        self.show()
