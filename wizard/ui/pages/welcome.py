"""The first page: who runs this mail, and what the person came to do."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from wizard import APP_NAME
from wizard.flow import Mode, Page
from wizard.provider_logo import load_logo
from wizard.resources import resource_path
from wizard.ui.pages.base import WizardPage
from wizard.ui.widgets import secondary_label, wrapping_label
from wizard.ui_text.trust import origin_line, password_goes_to

if TYPE_CHECKING:
    from wizard.ui.domain_audit_window import DomainAuditWindow
    from wizard.ui.log_reader_window import LogReaderWindow
    from wizard.ui.pages.base import PageHost


class WelcomePage(WizardPage):
    """The person sees whose mail this is and picks *Set up my mail* or *Check why it fails*.

    On a computer set up before it says for which address and when mail last worked, and
    offers *Forget this account*.
    """

    page_id = Page.WELCOME

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        flow = wizard.flow
        provider = flow.provider
        org = provider.branding.organization
        self.setTitle(f"Welcome to {org} mail")
        lay = QVBoxLayout(self)
        logo = load_logo(provider.branding.logo)
        pix = QPixmap()
        if logo is None or not pix.loadFromData(logo.data):
            pix = QPixmap(str(resource_path("icons/app-256.png")))
        if not pix.isNull():
            image = QLabel(self)
            image.setPixmap(pix.scaledToHeight(64, Qt.TransformationMode.SmoothTransformation))
            image.setAccessibleName(f"{org} logo")
            lay.addWidget(image)
        lay.addWidget(
            wrapping_label(
                f"{APP_NAME} checks your {org} email address and password with the mail "
                f"server, then sets up your mail program. It takes about two minutes. "
                f"{password_goes_to(provider)}",
                self,
            )
        )
        # Where the settings came from (issue 27): IT's word, or a file anyone could plant.
        self.origin = secondary_label(origin_line(provider, flow.origin_gate.place), self)
        self.origin.setObjectName("settingsOrigin")
        lay.addWidget(self.origin)
        lay.addSpacing(12)
        self.setup = QRadioButton("&Set up my mail on this computer", self)
        self.diagnose = QRadioButton("&Check why my mail isn't working", self)
        self.group = QButtonGroup(self)
        self.group.addButton(self.setup)
        self.group.addButton(self.diagnose)
        lay.addWidget(self.setup)
        lay.addWidget(self.diagnose)
        self.remembered = secondary_label("", self)
        lay.addWidget(self.remembered)
        forget_row = QHBoxLayout()
        self.forget_button = QPushButton("&Forget this account", self)
        self.forget_button.setAutoDefault(False)
        self.forget_button.setToolTip(
            f"Remove the address, settings and any saved password {APP_NAME} keeps"
        )
        self.forget_button.clicked.connect(self.forget)
        forget_row.addWidget(self.forget_button)
        forget_row.addStretch(1)
        lay.addLayout(forget_row)
        self.forget_button.setVisible(flow.remembered is not None)
        lay.addStretch(1)
        # For IT, who runs this app beside the person: what the server's logs say.
        it_row = QHBoxLayout()
        it_row.addStretch(1)
        self.logs_button = QPushButton("For IT: read server &logs…", self)
        self.logs_button.setAutoDefault(False)
        self.logs_button.setFlat(True)
        self.logs_button.setToolTip(
            "Open the mail server's Dovecot or Haraka log files and see, in plain words, what "
            "happened to each login and message"
        )
        # A lambda, not the bound method (nor a @Slot): with PySide6 6.12 either of those made
        # the wizard built by the next test crash while being shown (a segfault in shiboken's
        # wrapper lookup inside an event filter) after a log-reader window had been used.
        self.logs_button.clicked.connect(lambda: self.open_log_reader())
        it_row.addWidget(self.logs_button)
        # For IT: what the domain tells mail programs, and the kit that fixes it.
        self.domain_button = QPushButton("For IT: check our &domain…", self)
        self.domain_button.setAutoDefault(False)
        self.domain_button.setFlat(True)
        self.domain_button.setToolTip(
            "See what your domain tells Thunderbird, Outlook, Apple Mail and phones about its "
            "mail settings, and save the files that make each find the right ones"
        )
        self.domain_button.clicked.connect(lambda: self.open_domain_audit())
        it_row.addWidget(self.domain_button)
        lay.addLayout(it_row)
        self.log_reader: LogReaderWindow | None = None
        self.domain_audit: DomainAuditWindow | None = None
        (self.diagnose if flow.mode is Mode.DIAGNOSE else self.setup).setChecked(True)
        if flow.mode is Mode.DIAGNOSE and flow.account.address:
            text = f"This computer was set up for {flow.account.address} before."
            last = flow.remembered.last_good_check if flow.remembered else None
            if last:
                when = datetime.fromisoformat(last).astimezone()
                text += f" Mail last worked on {when:%d %B %Y at %H:%M}."
            self.remembered.setText(text)
        elif flow.settings_changed and flow.account.address:
            self.remembered.setText(
                f"This computer was set up for {flow.account.address} with other mail "
                f"servers. These settings are new to it, so a saved password is not used."
            )

    def validatePage(self) -> bool:
        self.flow.choose_mode(Mode.DIAGNOSE if self.diagnose.isChecked() else Mode.SETUP)
        return True

    def open_log_reader(self) -> None:
        # Imported on first use: the first page's start-up time is a measured number.
        from wizard.ui.log_reader_window import LogReaderWindow

        if self.log_reader is None:
            self.log_reader = LogReaderWindow(self.window())
            address = self.flow.account.address
            if address:
                self.log_reader.address.setText(address)
        self.log_reader.show()
        self.log_reader.activateWindow()

    def open_domain_audit(self) -> None:
        # Imported on first use, like the log reader.
        from wizard.ui.domain_audit_window import DomainAuditWindow

        if self.domain_audit is None:
            self.domain_audit = DomainAuditWindow(self.flow.provider, self.window())
        self.domain_audit.show()
        self.domain_audit.activateWindow()

    def forget(self) -> None:
        answer = QMessageBox.question(
            self,
            "Forget this account?",
            f"Remove the email address, settings and any saved password {APP_NAME} keeps on "
            "this computer? Your mail program and your mailbox are not changed.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        # The account page sees the flow's account generation move and clears its fields.
        self.remembered.setText(self.flow.forget_account())
        self.forget_button.hide()
        self.setup.setChecked(True)
