"""The last page: what was done, what happens next, and the handout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout

from wizard.flow import Mode, Page
from wizard.handout import write_handout
from wizard.ui.pages.base import WizardPage
from wizard.ui.widgets import wrapping_label

if TYPE_CHECKING:
    from wizard.ui.wizard_window import MailSetupWizard


class DonePage(WizardPage):
    """The person reads what was done and what their mail program will ask next.

    They may save the onboarding handout (PDF and HTML). After a set-up, arriving here is
    what makes the computer remember the account; after a diagnosis it says mail works.
    """

    page_id = Page.DONE

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("All done")
        lay = QVBoxLayout(self)
        self.text = wrapping_label("", self)
        lay.addWidget(self.text)
        lay.addSpacing(12)
        row = QHBoxLayout()
        self.handout_button = QPushButton("Save onboarding &handout…", self)
        self.handout_button.setAutoDefault(False)
        self.handout_button.clicked.connect(self.save_handout)
        row.addWidget(self.handout_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.handout_status = wrapping_label("", self)
        lay.addWidget(self.handout_status)
        lay.addStretch(1)

    def initializePage(self) -> None:
        flow = self.flow
        self.handout_status.setText("")
        if flow.mode is Mode.DIAGNOSE:
            self.setTitle("Your mail works")
            self.text.setText(
                f"{flow.account.address} can log in to receive and send mail. If your mail "
                f"program still shows an error, enter your password in it again: it may have "
                f"remembered an old one."
            )
        else:
            self.setTitle("All done")
            remembered = flow.remember_account()
            next_steps = (
                f"The first time {flow.client_label} connects it asks for your password: "
                "enter it and let it remember it. A handout with these settings is handy to "
                "keep or to give to a colleague; it never contains your password."
            )
            self.text.setText(
                " ".join(t for t in (flow.setup_summary, remembered, next_steps) if t)
            )

    def save_handout(self) -> None:
        flow = self.flow
        folder = QFileDialog.getExistingDirectory(self, "Save the handout in…")
        if not folder:
            return
        try:
            files = write_handout(
                flow.provider, flow.account.address, flow.account.name, Path(folder)
            )
        except OSError as exc:
            self.handout_status.setText(f"Could not save the handout: {exc.strerror or exc}")
            return
        self.handout_status.setText(f"Saved {files.pdf.name} and {files.html.name} in {folder}.")
