"""Re-running the wizard: a remembered account, the opt-in keychain, and forgetting it all.

Keychains here are in-memory stand-ins; the real OS keychain is never touched.
"""

from __future__ import annotations

import json

import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWizard

from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from tests.support.gui import choose_client, fill_account, run_checks_and_wait
from tests.support.memory_keyring import MemoryKeyring, PromptingKeyring, guard_default_keyring
from wizard.account.store import AccountStore
from wizard.checks.options import CheckOptions
from wizard.flow import Mode, Page, WizardFlow
from wizard.provider import load_provider
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]


@pytest.fixture(autouse=True)
def _no_real_keychain(monkeypatch):
    guard_default_keyring(monkeypatch)


@pytest.fixture
def open_wizard(qtbot, dovecot, tmp_path):
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))

    def open_(store: AccountStore) -> MailSetupWizard:
        remembered = store.load()
        flow = WizardFlow(provider, platform="linux", store=store, remembered=remembered)
        wiz = MailSetupWizard(flow, options=CheckOptions(ca_file=dovecot.ca_pem))
        qtbot.addWidget(wiz)
        wiz.resize(760, 600)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return open_


def finish_setup(qtbot, wiz, remember: bool) -> None:
    fill_account(qtbot, wiz)
    wiz.account_page.remember_box.setChecked(remember)
    run_checks_and_wait(qtbot, wiz)
    wiz.next()  # client
    choose_client(wiz, "outlook_new")
    wiz.next()  # setup
    wiz.next()  # done: the account is remembered here
    assert wiz.currentId() == Page.DONE
    wiz.accept()


def test_opted_in_password_is_kept_in_the_keychain_and_the_rerun_opens_on_diagnosis(
    qtbot, open_wizard, tmp_path, screenshot
):
    keyring = MemoryKeyring()
    store = AccountStore(tmp_path / "config", keychain_backend=keyring)
    first = open_wizard(store)
    first.next()
    assert first.account_page.remember_box.isEnabled()
    assert "Kept in" in first.account_page.keychain_note.text()
    assert first.account_page.keychain_note.isVisible()
    first.back()
    finish_setup(qtbot, first, remember=True)
    assert list(keyring.entries.values()) == [GOOD_PASSWORD]
    saved = store.path.read_text()
    assert GOOD_PASSWORD not in saved
    assert json.loads(saved)["address"] == GOOD_USER

    again = open_wizard(store)
    assert again.flow.mode is Mode.DIAGNOSE
    assert again.welcome_page.diagnose.isChecked()
    screenshot(again, "01-welcome-remembered")
    again.next()
    assert again.account_page.address.text() == GOOD_USER
    # From the keychain, read off the GUI thread (the store may ask to be unlocked first).
    qtbot.waitUntil(lambda: again.account_page.password.text() == GOOD_PASSWORD, timeout=5000)
    assert again.account_page.isComplete()
    run_checks_and_wait(qtbot, again)
    again.next()
    # Diagnosis looks at the mail program itself, then gives the verdict.
    assert again.currentId() == Page.MAIL_PROGRAMS
    page = again.pages[Page.MAIL_PROGRAMS]
    qtbot.waitUntil(lambda: "Looking" not in page.headline.text(), timeout=10000)
    again.next()
    assert again.currentId() == Page.DONE
    screenshot(again, "08-done-diagnosis")


def test_without_opt_in_nothing_is_kept_in_the_keychain(qtbot, open_wizard, tmp_path):
    keyring = MemoryKeyring()
    store = AccountStore(tmp_path / "config", keychain_backend=keyring)
    finish_setup(qtbot, open_wizard(store), remember=False)
    assert keyring.entries == {}
    assert store.load() is not None and not store.load().keychain_used


def test_forget_removes_the_account_and_the_saved_password(
    qtbot, open_wizard, tmp_path, monkeypatch
):
    keyring = MemoryKeyring()
    store = AccountStore(tmp_path / "config", keychain_backend=keyring)
    finish_setup(qtbot, open_wizard(store), remember=True)
    wiz = open_wizard(store)
    assert wiz.welcome_page.forget_button.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    wiz.welcome_page.forget_button.click()
    assert keyring.entries == {}
    assert not store.path.exists()
    assert "removed" in wiz.welcome_page.remembered.text()
    assert wiz.welcome_page.setup.isChecked() and wiz.flow.mode is Mode.SETUP


def test_no_secure_keychain_disables_the_option_with_a_reason(qtbot, open_wizard, tmp_path):
    store = AccountStore(tmp_path / "config", keychain_backend=fail.Keyring())
    wiz = open_wizard(store)
    wiz.next()
    box = wiz.account_page.remember_box
    assert box.isVisible() and not box.isEnabled()
    assert "No secure password store" in wiz.account_page.keychain_note.text()
    finish_setup(qtbot, wiz, remember=True)  # ticking a disabled box changes nothing
    assert not store.load().keychain_used


def _ticks_while(qtbot, event, timeout_ms: int = 5000) -> int:
    """Event-loop ticks counted until ``event`` is set: proof the GUI thread is not blocked."""
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(event.is_set, timeout=timeout_ms)
    qtbot.wait(200)  # the store is now "showing its dialog": the wizard must keep running
    timer.stop()
    return len(ticks)


def test_saving_to_a_store_that_asks_to_be_unlocked_keeps_the_wizard_responsive(
    qtbot, open_wizard, tmp_path, screenshot
):
    keyring = PromptingKeyring()
    store = AccountStore(tmp_path / "config", keychain_backend=keyring)
    wiz = open_wizard(store)
    fill_account(qtbot, wiz)
    wiz.account_page.remember_box.setChecked(True)
    wiz.next()  # the checks start; they pass, then the password is saved
    assert _ticks_while(qtbot, keyring.waiting, timeout_ms=20000) >= 10
    page = wiz.checking_page
    assert not page.isComplete()
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    assert page.summary.text() == "Putting your password in this computer's keychain…"
    screenshot(wiz, "04-checking-saving-password")
    with qtbot.waitSignal(page.checks_done, timeout=5000):
        keyring.answer.set()
    assert page.isComplete()
    assert list(keyring.entries.values()) == [GOOD_PASSWORD]
    assert "Your password is kept in" in page.summary.text()


def test_reading_the_saved_password_does_not_block_and_never_overwrites_typing(
    qtbot, open_wizard, tmp_path
):
    keyring = MemoryKeyring()
    store = AccountStore(tmp_path / "config", keychain_backend=keyring)
    finish_setup(qtbot, open_wizard(store), remember=True)
    slow = PromptingKeyring()
    slow.entries = dict(keyring.entries)
    again = open_wizard(AccountStore(tmp_path / "config", keychain_backend=slow))
    again.next()
    page = again.account_page
    assert _ticks_while(qtbot, slow.waiting) >= 10
    assert page.password.placeholderText() == "Reading your saved password…"
    qtbot.keyClicks(page.password, "typed-meanwhile")
    slow.answer.set()
    qtbot.waitUntil(lambda: page.password.placeholderText() == "", timeout=5000)
    assert page.password.text() == "typed-meanwhile"


def test_after_forget_the_account_page_no_longer_shows_the_forgotten_address(
    qtbot, open_wizard, tmp_path, monkeypatch
):
    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())
    finish_setup(qtbot, open_wizard(store), remember=False)
    wiz = open_wizard(store)
    wiz.next()
    assert wiz.account_page.address.text() == GOOD_USER
    wiz.back()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    wiz.welcome_page.forget_button.click()
    wiz.next()
    assert wiz.account_page.address.text() == "" and wiz.account_page.name.text() == ""
    assert not wiz.account_page.isComplete()
