"""The last page: an honest ending — ready (with a tick and the next two steps) or not finished."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from wizard.flow import Mode, Page
from wizard.handout import write_handout
from wizard.ui.pages.base import WizardPage
from wizard.ui.widgets import StatusMark, secondary_label, wrapping_label
from wizard.ui_text.checking import Tone
from wizard.ui_text.done import done_text

if TYPE_CHECKING:
    from wizard.ui.pages.base import PageHost


class DonePage(WizardPage):
    """The person reads whether their mail is ready and the two things to do next.

    After a failed check (set up anyway) it says the mail is not finished and repeats the one
    fix. They may save the settings sheet (PDF and HTML). After a set-up, arriving here is what
    makes the computer remember the account.
    """

    page_id = Page.DONE

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self.setTitle("Ready")
        lay = QVBoxLayout(self)
        head = QHBoxLayout()
        self.headline = wrapping_label("", self)
        head_font = self.headline.font()
        head_font.setPointSizeF(head_font.pointSizeF() * 1.25)
        head_font.setBold(True)
        self.headline.setFont(head_font)
        self.mark = StatusMark(self)
        self.mark.setFont(head_font)
        head.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.headline, 1)
        lay.addLayout(head)
        lay.addSpacing(8)
        self.steps = [wrapping_label("", self), wrapping_label("", self)]
        for step in self.steps:
            lay.addWidget(step)
        self.note = secondary_label("", self)
        lay.addWidget(self.note)
        lay.addSpacing(12)
        row = QHBoxLayout()
        self.handout_button = QPushButton("Save my settings s&heet…", self)
        self.handout_button.setAutoDefault(False)
        self.handout_button.setToolTip(
            "A PDF to print and a web page (also for screen readers) with your settings; "
            "no password"
        )
        self.handout_button.clicked.connect(self.save_handout)
        row.addWidget(self.handout_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.handout_status = wrapping_label("", self)
        lay.addWidget(self.handout_status)
        lay.addStretch(1)

    @property
    def text(self) -> QLabel:
        """The headline (older tests and the self-test read the page through this)."""
        return self.headline

    def initializePage(self) -> None:
        flow = self.flow
        self.handout_status.setText("")
        remembered = flow.remember_account() if flow.mode is Mode.SETUP else ""
        words = done_text(flow, remembered)
        self.setTitle(words.title)
        # Steps left to the person get no mark: a tick would claim what nobody has seen.
        self.mark.setVisible(words.tone is not Tone.PLAIN)
        if words.tone is Tone.GOOD:
            self.mark.set_ok("Ready")
        elif words.tone is Tone.BAD:
            self.mark.set_failed("Not finished")
        self.headline.setText(words.headline)
        for number, (label, step) in enumerate(zip(self.steps, words.steps, strict=True), 1):
            label.setText(f"{number}. {step}")
        self.note.setText(words.note)
        self.note.setVisible(bool(words.note))
        self.handout_button.setVisible(flow.mode is Mode.SETUP)

    def save_handout(self) -> None:
        flow = self.flow
        folder = QFileDialog.getExistingDirectory(self, "Save the settings sheet in…")
        if not folder:
            return
        try:
            files = write_handout(
                flow.provider,
                flow.account.address,
                flow.account.name,
                Path(folder),
                client_ids=[flow.client_id],
            )
        except OSError as exc:
            self.handout_status.setText(f"Could not save the settings sheet: {exc.strerror or exc}")
            return
        # The PDF is untagged (Qt writes no structure tags): the web page, with its headings and
        # table headers, is offered as the version for screen readers.
        self.handout_status.setText(
            f"Saved {files.pdf.name} and {files.html.name} in {folder}. The web page is the "
            "version that works with screen readers."
        )
