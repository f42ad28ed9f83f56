"""The account page: name, address and password, checked as they are typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from wizard.flow import AccountField, Page
from wizard.ui.pages.base import WizardPage
from wizard.ui.widgets import (
    PasswordEdit,
    fail_color,
    secondary_label,
    warn_color,
    wrapping_label,
)
from wizard.ui.worker import BackgroundCall
from wizard.ui_text.checking import TEST_MESSAGE_CHOICE, TEST_MESSAGE_NOTE

if TYPE_CHECKING:
    from wizard.ui.pages.base import PageHost


class AccountPage(WizardPage):
    """The person types their name, full email address and password, and may tick *Remember*.

    Next is enabled for a well-formed address only; another domain gets a gentle warning. A
    remembered password is read from the keychain off the GUI thread and never overwrites what
    the person typed meanwhile.
    """

    page_id = Page.ACCOUNT

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self._reading: BackgroundCall | None = None
        self._generation = wizard.flow.account_generation
        self.setTitle("Your account")
        org = wizard.flow.provider.branding.organization
        page_name = wizard.flow.provider.branding.account_page_name
        outer = QVBoxLayout(self)
        self.intro = wrapping_label(
            f"Your login is your full {org} email address."
            + (f" The password is the one you use on {page_name}." if page_name else ""),
            self,
        )
        outer.addWidget(self.intro)
        outer.addSpacing(6)
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
        self.password = PasswordEdit(self)
        self.password.setAccessibleName("Password")
        name_label = QLabel("&Full name:", self)
        name_label.setBuddy(self.name)
        address_label = QLabel("&Email address:", self)
        address_label.setBuddy(self.address)
        password_label = QLabel("&Password:", self)
        password_label.setBuddy(self.password)
        # Each field's message sits directly under it (not at the foot of the page), the field
        # is outlined in the error colour and a screen reader hears the message with the field.
        self.name_error = wrapping_label("", self)
        self.address_error = wrapping_label("", self)
        self.domain_warning = wrapping_label("", self)
        self.password_error = wrapping_label("", self)
        self.password_warning = wrapping_label("", self)
        form.addRow(name_label, self._with_messages(self.name, self.name_error))
        form.addRow(
            address_label,
            self._with_messages(self.address, self.address_error, self.domain_warning),
        )
        # Caps Lock right under the box it is about, where the eyes are while typing.
        self.caps = wrapping_label("Caps Lock seems to be on.", self)
        form.addRow(
            password_label,
            self._with_messages(
                self.password, self.password_error, self.password_warning, self.caps
            ),
        )
        self.show_password_box = QCheckBox("Sh&ow password", self)
        self.show_password_box.toggled.connect(self._toggle_reveal)
        form.addRow("", self.show_password_box)
        self.remember_box = QCheckBox("&Remember my password on this computer", self)
        # Where the password would be kept, or why it cannot be: its own wrapping line under
        # the box, because store names such as "Secret Service (GNOME Keyring / KWallet)" make
        # a one-line check box too wide for the form's field column.
        self.keychain_note = secondary_label("", self)
        self.remember_row = self._with_messages(self.remember_box, self.keychain_note)
        form.addRow("", self.remember_row)
        self.test_message_box = QCheckBox(TEST_MESSAGE_CHOICE, self)
        self.test_message_box.setChecked(wizard.flow.send_test_message)
        self.test_message_box.toggled.connect(wizard.flow.choose_test_message)
        self.test_message_note = secondary_label(TEST_MESSAGE_NOTE, self)
        form.addRow("", self._with_messages(self.test_message_box, self.test_message_note))
        self._form = form
        form.setRowVisible(self.remember_row, False)  # shown once the keychain has been asked
        for label in (
            self.name_error,
            self.address_error,
            self.domain_warning,
            self.password_error,
            self.password_warning,
            self.caps,
        ):
            label.hide()
        outer.addLayout(form)
        outer.addStretch(1)
        self.password.caps_lock.connect(self._caps_changed)
        for edit in (self.name, self.address, self.password):
            edit.textChanged.connect(self._changed)
        self.setTabOrder(self.name, self.address)
        self.setTabOrder(self.address, self.password)
        self.setTabOrder(self.password, self.show_password_box)
        self.setTabOrder(self.show_password_box, self.remember_box)
        self.setTabOrder(self.remember_box, self.test_message_box)

    def _with_messages(self, edit: QWidget, *messages: QLabel) -> QWidget:
        """The field and its messages in one cell: a form row would size a wrapping label for
        a narrower column than it gets and leave a gap under it."""
        cell = QWidget(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        policy.setHeightForWidth(True)
        cell.setSizePolicy(policy)
        lay = QVBoxLayout(cell)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(edit)
        for label in messages:
            label.setParent(cell)
            lay.addWidget(label)
        return cell

    def _caps_changed(self, on: bool) -> None:
        self.caps.setStyleSheet(f"color: {warn_color(self).name()};")
        self.caps.setVisible(on)

    def _toggle_reveal(self, shown: bool) -> None:
        self.password.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    def _show_keychain(self) -> None:
        flow = self.flow
        status = flow.keychain_status()
        if status is None:  # no remembering in this run (tests, --selftest)
            self._form.setRowVisible(self.remember_row, False)
            return
        self._form.setRowVisible(self.remember_row, True)
        self.remember_box.setEnabled(status.ok)
        self.remember_box.setChecked(status.ok and flow.remember_password)
        if status.ok:
            self.keychain_note.setText(f"Kept in {status.where} if you tick this, never in a file.")
        else:
            self.keychain_note.setText(status.reason)

    def initializePage(self) -> None:
        flow = self.flow
        if self._generation != flow.account_generation:
            # The account was forgotten on the first page: what these fields held is gone too.
            self._generation = flow.account_generation
            self.name.clear()
            self.address.clear()
        self._show_keychain()
        self.test_message_box.setChecked(flow.send_test_message)
        if not self.password.text() and flow.expects_stored_password:
            self._read_stored_password()
        acct = flow.account
        if acct.name and not self.name.text():
            self.name.setText(acct.name)
        if acct.address and not self.address.text():
            self.address.setText(acct.address)
        self.show_password_box.setChecked(False)
        self._changed()

    def page_shown(self) -> None:
        """Forward or Back onto this page: focus where typing is needed next."""
        kept = self.flow.account.password
        if kept and self.password.text() != kept:
            self.password.setText(kept)  # retyped on the checking page since
        to_fix = self.flow.field_to_fix()
        if to_fix is not None:
            # Back from a failed check: straight into the field the fix is about, its text
            # selected so typing replaces it.
            edit = {
                AccountField.NAME: self.name,
                AccountField.ADDRESS: self.address,
                AccountField.PASSWORD: self.password,
            }[to_fix]
            QTimer.singleShot(0, edit, lambda: self._focus_selected(edit))
            return
        first_empty = next(
            (e for e in (self.name, self.address, self.password) if not e.text()), self.password
        )
        QTimer.singleShot(0, first_empty, first_empty.setFocus)

    @staticmethod
    def _focus_selected(edit: QLineEdit) -> None:
        edit.setFocus()
        edit.selectAll()

    def _read_stored_password(self) -> None:
        """Fill in the remembered password without blocking: the store may ask to be unlocked."""
        self.password.setPlaceholderText("Reading your saved password…")
        call = BackgroundCall(self.flow.stored_password, name="keychain-read", parent=self)
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
        v = self.flow.validate_account(self.name.text(), self.address.text(), self.password.text())
        fail, warn = fail_color(self).name(), warn_color(self).name()
        self._show_message(self.name, self.name_error, v.name_error, fail)
        self._show_message(self.address, self.address_error, v.address_error, fail)
        self._show_message(self.password, self.password_error, v.password_error, fail)
        self.domain_warning.setText(v.domain_warning)
        self.domain_warning.setStyleSheet(f"color: {warn};")
        self.domain_warning.setVisible(bool(v.domain_warning))
        if not v.address_error:
            self.address.setAccessibleDescription(v.domain_warning)
        self.password_warning.setText(v.password_warning)
        self.password_warning.setStyleSheet(f"color: {warn};")
        self.password_warning.setVisible(bool(v.password_warning))
        if not v.password_error:
            self.password.setAccessibleDescription(v.password_warning)
        self.completeChanged.emit()

    def _show_message(self, edit: QLineEdit, label: QLabel, message: str, color: str) -> None:
        """The message under its field; the field outlined in ``color`` and described by it."""
        label.setText(message)
        label.setStyleSheet(f"color: {color};")
        label.setVisible(bool(message))
        edit.setProperty("invalid", bool(message))
        edit.setProperty("invalidColor", color)
        edit.setAccessibleDescription(message)
        edit.update()

    def isComplete(self) -> bool:
        return self.flow.validate_account(
            self.name.text(), self.address.text(), self.password.text()
        ).ok

    def validatePage(self) -> bool:
        v = self.flow.set_account(self.name.text(), self.address.text(), self.password.text())
        self.flow.choose_remember_password(
            self.remember_box.isEnabled() and self.remember_box.isChecked()
        )
        if v.ok:
            self.address.setText(v.normalised_address)
        return v.ok

    def wizard_closing(self) -> None:
        self.password.clear()
