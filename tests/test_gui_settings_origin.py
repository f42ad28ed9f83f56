"""The first page shows where the settings came from and where the password goes (issue 27),
and never says "encrypted" for settings that are not (issue 28 item 4)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from tests.support.memory_keyring import MemoryKeyring, guard_default_keyring
from wizard.account.store import AccountStore
from wizard.flow import CheckState, Mode, WizardFlow
from wizard.provider import load_default_provider
from wizard.services import Security
from wizard.trust import PlaceKind, ProviderPlace
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui]


def first_page_text(qtbot, flow: WizardFlow) -> str:
    wiz = MailSetupWizard(flow)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    page = wiz.page(wiz.currentId())
    return "\n".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())


def test_built_in_settings_say_so_and_name_the_server(qtbot):
    provider = load_default_provider()
    text = first_page_text(qtbot, WizardFlow(provider, platform="linux"))
    assert f"{provider.branding.organization}'s settings, built in." in text
    assert f"only sent to {provider.imap.hostname}, over an encrypted connection" in text


def test_a_file_found_where_anyone_can_write_is_named_as_found(qtbot, tmp_path: Path):
    where = tmp_path / "provider.xml"
    flow = WizardFlow(
        load_default_provider(), platform="linux", place=ProviderPlace(PlaceKind.USER, where)
    )
    text = first_page_text(qtbot, flow)
    assert f"Settings found at {where}" in text


def test_plain_settings_are_never_called_encrypted(qtbot):
    provider = load_default_provider()
    plain = replace(provider, imap=replace(provider.imap, security=Security.PLAIN, port=143))
    text = first_page_text(qtbot, WizardFlow(plain, platform="linux"))
    assert "encrypted connection" not in text
    assert "unencrypted" in text


def test_a_changed_provider_is_said_to_be_new_on_the_first_page(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    guard_default_keyring(monkeypatch)
    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())
    provider = load_default_provider()
    flow = WizardFlow(provider, platform="linux", store=store)
    assert flow.set_account("Joe", "joe.bloggs@sepheo.co", "pw").ok
    flow.check_state = CheckState.PASSED
    flow.remember_account()
    changed = replace(provider, imap=replace(provider.imap, hostname="mail.elsewhere.example"))
    again = WizardFlow(changed, platform="linux", store=store, remembered=store.load())
    assert again.mode is Mode.SETUP
    text = first_page_text(qtbot, again)
    assert "with other mail servers" in text and "a saved password is not used" in text
