"""The wizard's pages. Each shows the flow's state and forwards what the user does to it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from wizard.checks.model import CheckResult, Step
from wizard.clients.instructions import all_clients, instructions_for
from wizard.clients.instructions.other import security_word
from wizard.flow import CheckState, Mode, Page
from wizard.handout import write_handout
from wizard.mobileconfig import install_instructions, profile_filename, write_profile
from wizard.provider import Service
from wizard.report import headline, mailto_link, make_report, render_text, scrub
from wizard.resources import resource_path
from wizard.ui.instructions_view import InstructionsView
from wizard.ui.widgets import (
    ServiceRow,
    fail_color,
    ok_color,
    warn_color,
    wrapping_label,
)
from wizard.ui.worker import BackgroundCall, CheckWorker

if TYPE_CHECKING:
    from wizard.ui.wizard_window import MailSetupWizard


class _Page(QWizardPage):
    page_id: Page

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__()
        # Kept rather than asked of QWizard: while it resets or closes, wizard() and
        # currentId() can be None and -1, and an exception in a Qt override is fatal.
        self._wizard = wizard

    @property
    def w(self) -> MailSetupWizard:
        return self._wizard

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        nxt = self._wizard.flow.next_page(self.page_id)
        return -1 if nxt is None else int(nxt)


# ------------------------------------------------------------------------------------------
class WelcomePage(_Page):
    page_id = Page.WELCOME

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        provider = wizard.flow.provider
        org = provider.branding.organization
        self.setTitle(f"Welcome to {org} mail")
        lay = QVBoxLayout(self)
        logo = provider.branding.logo
        if logo is None or not logo.is_file():
            logo = resource_path("icons/app-256.png")
        pix = QPixmap(str(logo))
        if not pix.isNull():
            image = QLabel(self)
            image.setPixmap(pix.scaledToHeight(64, Qt.TransformationMode.SmoothTransformation))
            image.setAccessibleName(f"{org} logo")
            lay.addWidget(image)
        lay.addWidget(
            wrapping_label(
                f"This assistant checks your {org} email address and password with the mail "
                f"server, then sets up your mail program. It takes about two minutes. Your "
                f"password is only sent to {provider.imap.hostname}, over an encrypted "
                f"connection.",
                self,
            )
        )
        lay.addSpacing(12)
        self.setup = QRadioButton("&Set up my mail on this computer", self)
        self.diagnose = QRadioButton("&Check why my mail isn't working", self)
        self.group = QButtonGroup(self)
        self.group.addButton(self.setup)
        self.group.addButton(self.diagnose)
        lay.addWidget(self.setup)
        lay.addWidget(self.diagnose)
        self.remembered = wrapping_label("", self)
        self.remembered.setEnabled(False)
        lay.addWidget(self.remembered)
        forget_row = QHBoxLayout()
        self.forget_button = QPushButton("&Forget this account", self)
        self.forget_button.setAutoDefault(False)
        self.forget_button.setToolTip(
            "Remove the address, settings and any saved password this app keeps"
        )
        self.forget_button.clicked.connect(self.forget)
        forget_row.addWidget(self.forget_button)
        forget_row.addStretch(1)
        lay.addLayout(forget_row)
        self.forget_button.setVisible(wizard.flow.remembered is not None)
        lay.addStretch(1)
        (self.diagnose if wizard.flow.mode is Mode.DIAGNOSE else self.setup).setChecked(True)
        if wizard.flow.mode is Mode.DIAGNOSE and wizard.flow.account.address:
            text = f"This computer was set up for {wizard.flow.account.address} before."
            last = wizard.flow.remembered.last_good_check if wizard.flow.remembered else None
            if last:
                when = datetime.fromisoformat(last).astimezone()
                text += f" Mail last worked on {when:%d %B %Y at %H:%M}."
            self.remembered.setText(text)

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        self.w.flow.mode = Mode.DIAGNOSE if self.diagnose.isChecked() else Mode.SETUP
        return True

    def forget(self) -> None:
        answer = QMessageBox.question(
            self,
            "Forget this account?",
            "Remove the email address, settings and any saved password this app keeps on "
            "this computer? Your mail program and your mailbox are not changed.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        flow = self.w.flow
        self.remembered.setText(flow.forget_account())
        flow.account.address = ""
        flow.account.name = ""
        self.w.account_page.name.clear()
        self.w.account_page.address.clear()
        self.forget_button.hide()
        self.setup.setChecked(True)


# ------------------------------------------------------------------------------------------
class _CapsLockWatcher(QObject):
    """Guesses Caps Lock from typed letters: Qt has no portable way to read the key state."""

    changed = Signal(bool)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = event.text()
            if len(text) == 1 and text.isalpha() and text.lower() != text.upper():
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.changed.emit(text.isupper() != shift)
        return False


class AccountPage(_Page):
    page_id = Page.ACCOUNT

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        self._reading: BackgroundCall | None = None
        self.setTitle("Your account")
        org = wizard.flow.provider.branding.organization
        page_name = wizard.flow.provider.branding.account_page_name
        self.setSubTitle(
            f"Your login is your full {org} email address."
            + (f" The password is the one you use on {page_name}." if page_name else "")
        )
        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Full name")
        self.name.setPlaceholderText("Joe Bloggs")
        self.name.setMaxLength(200)
        self.address = QLineEdit(self)
        self.address.setAccessibleName("Email address")
        self.address.setMaxLength(254)
        domain = wizard.flow.provider.domains[0]
        self.address.setPlaceholderText(f"firstname.lastname@{domain}")
        self.password = QLineEdit(self)
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        # Keep the password out of the X11 primary selection / drag: Qt already blocks copy
        # from a Password field; these stop the other routes.
        self.password.setDragEnabled(False)
        self.password.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        name_label = QLabel("&Full name:", self)
        name_label.setBuddy(self.name)
        address_label = QLabel("&Email address:", self)
        address_label.setBuddy(self.address)
        password_label = QLabel("&Password:", self)
        password_label.setBuddy(self.password)
        form.addRow(name_label, self.name)
        form.addRow(address_label, self.address)
        form.addRow(password_label, self.password)
        self.show_password_box = QCheckBox("Sh&ow password", self)
        self.show_password_box.toggled.connect(self._toggle_reveal)
        form.addRow("", self.show_password_box)
        self.remember_box = QCheckBox("&Remember my password on this computer", self)
        form.addRow("", self.remember_box)
        # Where the password would be kept, or why it cannot be: its own wrapping line under
        # the box, because store names such as "Secret Service (GNOME Keyring / KWallet)" make
        # a one-line check box too wide for the form's field column.
        self.keychain_note = wrapping_label("", self)
        self.keychain_note.setEnabled(False)
        form.addRow("", self.keychain_note)
        self._form = form
        for widget in (self.remember_box, self.keychain_note):
            form.setRowVisible(widget, False)  # shown once the keychain has been asked
        outer.addLayout(form)
        self.address_error = wrapping_label("", self)
        self.caps = wrapping_label("Caps Lock seems to be on.", self)
        self.domain_warning = wrapping_label("", self)
        for label in (self.address_error, self.caps, self.domain_warning):
            label.hide()
            outer.addWidget(label)
        outer.addStretch(1)
        self._caps = _CapsLockWatcher(self)
        self._caps.changed.connect(self._caps_changed)
        self.password.installEventFilter(self._caps)
        for edit in (self.name, self.address, self.password):
            edit.textChanged.connect(self._changed)
        self.setTabOrder(self.name, self.address)
        self.setTabOrder(self.address, self.password)
        self.setTabOrder(self.password, self.show_password_box)
        self.setTabOrder(self.show_password_box, self.remember_box)

    def _caps_changed(self, on: bool) -> None:
        self.caps.setStyleSheet(f"color: {warn_color(self).name()};")
        self.caps.setVisible(on)

    def _toggle_reveal(self, shown: bool) -> None:
        self.password.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    def _show_keychain(self) -> None:
        flow = self.w.flow
        status = flow.keychain_status()
        if status is None:  # no remembering in this run (tests, --selftest)
            self._form.setRowVisible(self.remember_box, False)
            self._form.setRowVisible(self.keychain_note, False)
            return
        self._form.setRowVisible(self.remember_box, True)
        self._form.setRowVisible(self.keychain_note, True)
        self.remember_box.setEnabled(status.ok)
        self.remember_box.setChecked(status.ok and flow.remember_password)
        if status.ok:
            self.keychain_note.setText(f"Kept in {status.where} if you tick this, never in a file.")
        else:
            self.keychain_note.setText(status.reason)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self._show_keychain()
        if not self.password.text() and self.w.flow.expects_stored_password:
            self._read_stored_password()
        acct = self.w.flow.account
        if acct.name and not self.name.text():
            self.name.setText(acct.name)
        if acct.address and not self.address.text():
            self.address.setText(acct.address)
        self.show_password_box.setChecked(False)
        self._changed()
        first_empty = next(
            (e for e in (self.name, self.address, self.password) if not e.text()), self.password
        )
        QTimer.singleShot(0, first_empty, first_empty.setFocus)

    def _read_stored_password(self) -> None:
        """Fill in the remembered password without blocking: the store may ask to be unlocked."""
        self.password.setPlaceholderText("Reading your saved password…")
        call = BackgroundCall(self.w.flow.stored_password, name="keychain-read", parent=self)
        call.done.connect(self._stored_password_read)
        self._reading = call
        call.start()

    def _stored_password_read(self, stored: object) -> None:
        if self.sender() is not self._reading:
            return  # an older read, overtaken by a newer one
        self._reading = None
        self.password.setPlaceholderText("")
        if isinstance(stored, str) and stored and not self.password.text():
            self.password.setText(stored)  # only if the person has not typed one meanwhile

    def _changed(self) -> None:
        v = self.w.flow.validate_account(
            self.name.text(), self.address.text(), self.password.text()
        )
        self.address_error.setText(v.address_error or v.name_error)
        self.address_error.setStyleSheet(f"color: {fail_color(self).name()};")
        self.address_error.setVisible(bool(v.address_error or v.name_error))
        self.domain_warning.setText(v.domain_warning)
        self.domain_warning.setStyleSheet(f"color: {warn_color(self).name()};")
        self.domain_warning.setVisible(bool(v.domain_warning))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.w.flow.validate_account(
            self.name.text(), self.address.text(), self.password.text()
        ).ok

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        v = self.w.flow.set_account(self.name.text(), self.address.text(), self.password.text())
        self.w.flow.remember_password = self.remember_box.isEnabled() and (
            self.remember_box.isChecked()
        )
        if v.ok:
            self.address.setText(v.normalised_address)
        return v.ok

    def clear_password(self) -> None:
        self.password.clear()


# ------------------------------------------------------------------------------------------
class CheckingPage(_Page):
    page_id = Page.CHECKING
    checks_done = Signal()

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Checking your account")
        self.worker: CheckWorker | None = None
        self._saving: BackgroundCall | None = None  # the password store, after a good check
        self._rows: dict[Service, ServiceRow] = {}
        outer = QVBoxLayout(self)
        self.status = wrapping_label("", self)
        outer.addWidget(self.status)
        rows_box = QWidget(self)
        rows = QVBoxLayout(rows_box)
        rows.setContentsMargins(0, 0, 0, 0)
        for server in wizard.flow.provider.servers:
            row = ServiceRow(
                server.service.label,
                f"{server.hostname} port {server.port}, {security_word(server.security)}",
                rows_box,
            )
            self._rows[server.service] = row
            rows.addWidget(row)
        rows.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(rows_box)
        outer.addWidget(scroll, 1)

        self.summary = wrapping_label("", self)
        outer.addWidget(self.summary)
        alt_row = QHBoxLayout()
        self.alternative_button = QPushButton("", self)
        self.alternative_button.setAutoDefault(False)
        self.alternative_button.clicked.connect(self.retry_with_full_address)
        self.alternative_note = wrapping_label(
            "Each failed login counts towards the server's lockout limit, so this is tried "
            "only once.",
            self,
        )
        self.alternative_note.setEnabled(False)
        alt_row.addWidget(self.alternative_button)
        alt_row.addWidget(self.alternative_note, 1)
        outer.addLayout(alt_row)
        self.continue_anyway = QCheckBox(
            "Set up my mail program an&yway (it will not work until this is fixed)", self
        )
        self.continue_anyway.toggled.connect(self._continue_toggled)
        outer.addWidget(self.continue_anyway)

        buttons = QHBoxLayout()
        self.stop_button = QPushButton("S&top", self)
        self.retry_button = QPushButton("&Retry", self)
        self.details_button = QPushButton("Show &details", self)
        self.details_button.setCheckable(True)
        self.copy_button = QPushButton("&Copy report", self)
        self.save_button = QPushButton("Sa&ve report…", self)
        self.mail_button = QPushButton("E&mail to IT", self)
        for b in (
            self.stop_button,
            self.retry_button,
            self.details_button,
            self.copy_button,
            self.save_button,
            self.mail_button,
        ):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Report details")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.hide()
        outer.addWidget(self.details, 2)

        self.stop_button.clicked.connect(self.stop)
        self.retry_button.clicked.connect(self.start)
        self.details_button.toggled.connect(self._toggle_details)
        self.copy_button.clicked.connect(self.copy_report)
        self.save_button.clicked.connect(self.save_report)
        self.mail_button.clicked.connect(self.email_report)
        self._set_running(False)

    # -- lifecycle -------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.start()

    def cleanupPage(self) -> None:  # noqa: N802 - Qt's name
        """Back pressed: stop whatever is running."""
        self.stop()

    def start(self) -> None:
        flow = self.w.flow
        if self.worker is not None:
            self.worker.cancel()
            self._disconnect(self.worker)
        self._saving = None  # a save still running from the previous run reports to nobody
        flow.checks_started()
        self.continue_anyway.setChecked(False)
        self.continue_anyway.hide()
        self.alternative_button.hide()
        self.alternative_note.hide()
        self.details.clear()
        self.details_button.setChecked(False)
        self.summary.setText("")
        for row in self._rows.values():
            row.start()
        self.status.setText(f"Checking {flow.account.address} with {flow.provider.imap.hostname}…")
        worker = CheckWorker(
            flow.provider,
            flow.account.address,
            flow.account.password,
            ca_file=self.w.ca_file,
            timeout=self.w.check_timeout,
            parent=self,
        )
        worker.step.connect(self._on_step)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self._set_running(True)
        self.completeChanged.emit()
        worker.start()

    def stop(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            self.status.setText("Stopping…")

    def _disconnect(self, worker: CheckWorker) -> None:
        worker.step.disconnect(self._on_step)
        worker.finished.disconnect(self._on_finished)

    def _set_running(self, running: bool) -> None:
        self.stop_button.setVisible(running)
        self.retry_button.setVisible(not running and bool(self._results()))
        for b in (self.details_button, self.copy_button, self.save_button):
            b.setEnabled(not running and bool(self._results()))
        self.mail_button.setEnabled(not running and bool(self._results()))

    def _results(self) -> list[CheckResult]:
        return self._wizard.flow.results

    # -- progress --------------------------------------------------------------------------
    def _on_step(self, service: str, step: Step) -> None:
        if self.sender() is not self.worker:
            return  # a stale run that was restarted
        row = self._rows.get(Service(service))
        if row is not None:
            row.update_step(step)

    def _on_finished(self, results: list[CheckResult]) -> None:
        if self.sender() is not self.worker:
            return
        flow = self.w.flow
        state = flow.checks_finished(results)
        for r in results:
            row = self._rows.get(r.service)
            if row is not None:
                row.finish(r)
        self._set_running(False)
        report = make_report(flow.account.address, flow.provider, results)
        self.details.setPlainText(self._report_text())
        messages = {
            CheckState.PASSED: ("Everything works.", ok_color(self)),
            CheckState.MAIL_WORKS: (
                "Sending and receiving mail work. Mail filters could not be checked; that does "
                "not stop you setting up your mail.",
                ok_color(self),
            ),
            CheckState.FAILED: (headline(report), fail_color(self)),
            CheckState.CANCELLED: ("The check was stopped. Press Retry to run it again.", None),
        }
        text, color = messages.get(state, ("", None))
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color.name()}; font-weight: bold;" if color else "")
        good = state is CheckState.PASSED or state is CheckState.MAIL_WORKS
        if good:
            self.summary.setText("Saving your password…" if flow.remember_password else "")
        elif state is CheckState.FAILED:
            advice = list(dict.fromkeys(r.advice for r in results if not r.ok and r.advice))
            self.summary.setText(
                " ".join(advice)
                + " Then press Retry, or send the report to IT: it tells them exactly what to "
                "look for in the server logs."
            )
        self.continue_anyway.setVisible(flow.can_offer_continue_anyway)
        alternative = flow.alternative_login()
        self.alternative_button.setVisible(alternative is not None)
        self.alternative_note.setVisible(alternative is not None)
        if alternative:
            self.alternative_button.setText(f"Try once with “{alternative}” as the login")
        if good:
            self._save_after_good_check()
            return
        self.completeChanged.emit()
        self.checks_done.emit()

    def _save_after_good_check(self) -> None:
        """Keep (or drop) the password as chosen, off the GUI thread; Next waits for it.

        The store may show the desktop's unlock dialog and wait for the person; the wizard
        must stay responsive meanwhile, and must not move on before the outcome is known (the
        last page says where the password is).
        """
        call = BackgroundCall(self.w.flow.after_good_check, name="keychain-save", parent=self)
        call.done.connect(self._saved_after_good_check)
        self._saving = call
        self.retry_button.setVisible(False)
        self.completeChanged.emit()
        call.start()

    def _saved_after_good_check(self, _result: object) -> None:
        if self.sender() is not self._saving:
            return
        self._saving = None
        flow = self.w.flow
        if flow.tried_alternative:
            self.summary.setText(
                "Logging in with your full email address works, so that is what will be set "
                "up. Please tell IT: the provider file gives the short login."
            )
        else:
            self.summary.setText(
                " ".join(t for t in (flow.keychain_message, "Press Next to continue.") if t)
            )
        self._set_running(False)
        self.completeChanged.emit()
        self.checks_done.emit()

    def retry_with_full_address(self) -> None:
        self.w.flow.use_full_address_login()
        self.start()

    def _continue_toggled(self, on: bool) -> None:
        self.w.flow.continue_anyway = on
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.w.flow.can_leave_checking and self._saving is None

    # -- report ----------------------------------------------------------------------------
    def _report_text(self) -> str:
        flow = self.w.flow
        report = make_report(flow.account.address, flow.provider, flow.results)
        return scrub(render_text(report), flow.account.password, flow.account.address)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide &details" if shown else "Show &details")

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self._report_text())
        self.copy_button.setText("Copied")
        QTimer.singleShot(1500, self.copy_button, lambda: self.copy_button.setText("&Copy report"))

    def save_report(self) -> None:
        flow = self.w.flow
        stamp = flow.results[0].started_at.strftime("%Y%m%d-%H%M%S") if flow.results else "now"
        default = f"mail-check-{flow.account.address.split('@')[0]}-{stamp}.txt"
        path, _ = QFileDialog.getSaveFileName(self, "Save report", default, "Text files (*.txt)")
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self._report_text())

    def email_report(self) -> None:
        flow = self.w.flow
        report = make_report(flow.account.address, flow.provider, flow.results)
        link = mailto_link(report, self._report_text())
        if link:
            QDesktopServices.openUrl(QUrl(link))


# ------------------------------------------------------------------------------------------
def _with_mnemonic(label: str, taken: set[str]) -> str:
    """Put "&" before the first letter no other control on the page uses yet."""
    for i, ch in enumerate(label):
        if ch.isalpha() and ch.lower() not in taken:
            taken.add(ch.lower())
            return f"{label[:i]}&{label[i:]}"
    return label


class ClientPage(_Page):
    page_id = Page.CLIENT

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Your mail program")
        self.setSubTitle("Which program do you read your mail with on this computer?")
        lay = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        taken = {"b", "n"}  # Back and Next
        for client in wizard.flow.clients:
            label = _with_mnemonic(client.label, taken)
            label += "  (detected on this computer)" if client.detected else ""
            button = QRadioButton(label, self)
            button.setAccessibleName(client.label)
            self.group.addButton(button)
            self.buttons[client.id] = button
            lay.addWidget(button)
        lay.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.buttons[self.w.flow.client_id].setChecked(True)

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        for cid, button in self.buttons.items():
            if button.isChecked():
                self.w.flow.choose_client(cid)
        return True


# ------------------------------------------------------------------------------------------
class ThunderbirdPanel(QWidget):
    """Profile choice and the "Add account to Thunderbird" button."""

    def __init__(self, page: SetupPage) -> None:
        super().__init__(page)
        self._page = page
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.profile_label = QLabel("Thunderbird &profile:", self)
        self.profiles = QComboBox(self)
        self.profiles.setAccessibleName("Thunderbird profile")
        self.profile_label.setBuddy(self.profiles)
        self.add_button = QPushButton("&Add account to Thunderbird", self)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_account)
        self.profiles.setMinimumContentsLength(30)
        row.addWidget(self.profile_label)
        row.addWidget(self.profiles)
        row.addWidget(self.add_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.result = wrapping_label("", self)
        lay.addWidget(self.result)

    def refresh(self) -> None:
        search = self._page.w.flow.thunderbird
        self.profiles.clear()
        self.result.setStyleSheet("")
        if search is None or not search.found:
            message = search.message if search is not None else ""
            self.result.setText(
                (message + " " if message else "")
                + "You can still set Thunderbird up by hand with the steps below."
            )
            for w in (self.profile_label, self.profiles, self.add_button):
                w.hide()
            return
        for w in (self.profile_label, self.profiles, self.add_button):
            w.show()
        for profile in search.profiles:
            self.profiles.addItem(profile.label, str(profile.path))
        self.profiles.setVisible(len(search.profiles) > 1)
        self.profile_label.setVisible(len(search.profiles) > 1)
        self.result.setText(
            "Close Thunderbird, then press “Add account to Thunderbird”. Your password is not "
            "written anywhere: Thunderbird asks for it once."
        )

    def add_account(self) -> None:
        path = self.profiles.currentData()
        if not path:
            return
        result = self._page.w.flow.write_thunderbird(Path(path))
        color = ok_color(self) if result.ok else fail_color(self)
        text = result.message
        if result.ok:
            text += " Start Thunderbird: it asks for your password once and offers to remember it."
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {color.name()};")
        self.add_button.setText("&Try again" if not result.ok else "&Add account to Thunderbird")


class SetupPage(_Page):
    page_id = Page.SETUP

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        lay = QVBoxLayout(self)
        self.thunderbird = ThunderbirdPanel(self)
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

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        flow = self.w.flow
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
        if not flow.setup_done:
            flow.setup_summary = f"You were shown how to set up {flow.client_label}."

    def save_profile(self) -> None:
        flow = self.w.flow
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
        flow.setup_summary = f"A configuration profile for Mail was saved to {path}."


# ------------------------------------------------------------------------------------------
class DonePage(_Page):
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

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        flow = self.w.flow
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
        flow = self.w.flow
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

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        return -1
