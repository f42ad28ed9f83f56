"""The set-up page: the chosen mail program's steps, or the wizard doing them itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout

from wizard.clients.instructions import all_clients, instructions_for
from wizard.flow import Page
from wizard.mobileconfig import install_instructions, profile_filename, write_profile
from wizard.ui.instructions_view import InstructionsView
from wizard.ui.pages.base import WizardPage
from wizard.ui.pages.thunderbird_panel import ThunderbirdPanel
from wizard.ui.widgets import wrapping_label

if TYPE_CHECKING:
    from wizard.ui.wizard_window import MailSetupWizard


class SetupPage(WizardPage):
    """The person follows numbered steps in their mail program's own words, copying each value.

    For Thunderbird they can press *Add account to Thunderbird* instead; for Apple Mail they
    can save a configuration profile to install.
    """

    page_id = Page.SETUP

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        lay = QVBoxLayout(self)
        self.thunderbird = ThunderbirdPanel(wizard.flow, self)
        lay.addWidget(self.thunderbird)
        self.action_row = QHBoxLayout()
        self.profile_button = QPushButton("Save &configuration profile…", self)
        self.profile_button.setAutoDefault(False)
        self.profile_button.clicked.connect(self.save_profile)
        self.action_row.addWidget(self.profile_button)
        self.action_row.addStretch(1)
        lay.addLayout(self.action_row)
        self.status = wrapping_label("", self)
        lay.addWidget(self.status)
        self.view = InstructionsView(self)
        lay.addWidget(self.view, 1)

    def initializePage(self) -> None:
        flow = self.flow
        self.setTitle(f"Set up {flow.client_label}")
        self.status.setText("")
        known = {info.client_id for info in all_clients(flow.provider)}
        client = flow.client_id if flow.client_id in known else "other"
        ins = instructions_for(client, flow.provider, flow.account.address, flow.account.name)
        self.view.show_instructions(ins)
        self.profile_button.setVisible(flow.client_id == "apple_mail")
        self.thunderbird.setVisible(flow.client_id == "thunderbird")
        if flow.client_id == "thunderbird":
            self.thunderbird.refresh()
        flow.instructions_shown()

    def save_profile(self) -> None:
        flow = self.flow
        org = flow.provider.branding.organization
        default = profile_filename(flow.account.address, org)
        path, _ = QFileDialog.getSaveFileName(
            self, "Save configuration profile", default, "Configuration profiles (*.mobileconfig)"
        )
        if not path:
            return
        try:
            write_profile(Path(path), flow.provider, flow.account.address, flow.account.name)
        except OSError as exc:
            self.status.setText(f"Could not save the profile: {exc.strerror or exc}")
            return
        self.view.show_instructions(
            install_instructions(flow.provider, flow.account.address, flow.account.name)
        )
        self.status.setText(f"Saved {path}. Install it like this:")
        flow.mail_profile_saved(path)
