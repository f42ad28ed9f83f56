"""The diagnosis page for the mail program: after a passing check against the real Dovecot it
names Thunderbird's wrong settings, "Fix it" repairs them, and the saved password is offered
to forget; the words stay within the UX rules (≤ 50 words before Details, one main action)."""

from __future__ import annotations

import json

import pytest

from tests.support.dovecot_server import GOOD_USER
from tests.support.gui import fill_account, run_checks_and_wait
from tests.test_mail_programs import logins_json, make_profile
from tests.test_mail_programs_cli import wrong_profile
from wizard.checks.options import CheckOptions
from wizard.clients.thunderbird.reader import read_prefs
from wizard.flow import Mode, Page, WizardFlow
from wizard.mail_programs.look import look_at_mail_programs
from wizard.provider import load_provider
from wizard.ui.wizard_window import MailSetupWizard
from wizard.ui_text.mail_programs import Action, mail_programs_text

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]


@pytest.fixture
def home(tmp_path, monkeypatch, dovecot):
    home = tmp_path / "home"
    base = home / ".thunderbird"
    base.mkdir(parents=True)
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=abc.default\nDefault=1\n"
    )
    profile = wrong_profile(base / "abc.default", dovecot.hostname, 465, dovecot.imap_port)
    logins_json(profile, f"imap://{dovecot.hostname}")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return profile


def words_before_details(page) -> int:
    return len((page.headline.text() + " " + page.items.text()).split())


def test_diagnosis_names_the_wrong_settings_and_fix_it_repairs_them(
    qtbot, dovecot, tmp_path, home, screenshot
):
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    options = CheckOptions(ca_file=dovecot.ca_pem)
    wiz = MailSetupWizard(WizardFlow(provider, platform="linux"), options=options)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    wiz.welcome_page.diagnose.setChecked(True)
    fill_account(qtbot, wiz)
    assert wiz.flow.mode is Mode.DIAGNOSE
    run_checks_and_wait(qtbot, wiz)
    wiz.next()
    assert wiz.currentId() == int(Page.MAIL_PROGRAMS)
    page = wiz.pages[Page.MAIL_PROGRAMS]
    qtbot.waitUntil(lambda: "wrong settings" in page.headline.text(), timeout=10000)
    assert page.headline.text() == "Thunderbird has 4 wrong settings:"
    assert "Outgoing port: 465 → " + str(dovecot.submission_port) in page.items.text()
    assert words_before_details(page) <= 50
    assert page.action.isVisible() and page.action.text() == "&Fix it in Thunderbird"
    qtbot.waitUntil(page.action.isDefault, timeout=5000)  # the page's one main action
    assert page.action.property("primary")
    assert not page.details.isVisible()
    screenshot(wiz, "mail-programs-wrong-settings")
    assert "Thunderbird sends mail through port 465 with SSL/TLS" in page.details.toPlainText()
    page.details_button.click()
    assert page.details.isVisible() and page.copy_button.isVisible()
    page.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("== Mail programs on this computer") and "✗ smtp port" in copied
    # The checking page's report for IT (Copy / Save / Email) carries the same section now.
    export = wiz.pages[Page.CHECKING].export
    assert "== Mail programs on this computer" in export.text()
    assert "✗ smtp port" in export.text()

    page.action.click()
    fixed = "Thunderbird has the right settings"
    qtbot.waitUntil(lambda: fixed in page.outcome.text(), timeout=10000)
    # Which account key and backup file is IT's business: in the report, not on the page.
    assert "account1" not in page.outcome.text() and "prefs.js" not in page.outcome.text()
    values = read_prefs(home).values
    assert values["mail.server.server1.userName"] == GOOD_USER
    assert values["mail.accountmanager.accounts"] == "account1"
    # Looked again: the settings are right now; the saved password is what is left to offer.
    qtbot.waitUntil(lambda: "old saved password" in page.headline.text(), timeout=10000)
    assert "Updated the account in Thunderbird (account1)" in export.text()
    assert "prefs.js.wizard-" in export.text()
    screenshot(wiz, "mail-programs-saved-password")
    assert page.action.text() == "&Make Thunderbird ask for the password again"
    page.action.click()
    qtbot.waitUntil(lambda: "will ask for the password" in page.outcome.text(), timeout=10000)
    assert "logins.json" not in page.outcome.text()
    assert json.loads((home / "logins.json").read_text())["logins"] == []
    qtbot.waitUntil(lambda: "set up right" in page.headline.text(), timeout=10000)
    assert not page.action.isVisible()
    assert "✗ smtp port" not in export.text()  # the report follows the latest look
    assert "logins.json.wizard-" in export.text()  # and keeps what the page changed
    wiz.flow.checks_started()  # a new check: the look was of the old results
    assert "== Mail programs on this computer" not in export.text()
    wiz.next()
    assert wiz.currentId() == int(Page.DONE)


def test_every_verdict_is_at_most_50_words_before_details(tmp_path, dovecot) -> None:
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    wrong = wrong_profile(tmp_path / "w", dovecot.hostname, 465, dovecot.imap_port)
    right = make_profile(tmp_path / "r", {})
    cases = {
        "wrong": look_at_mail_programs(provider, GOOD_USER, profile=wrong),
        "none": look_at_mail_programs(provider, GOOD_USER, profile=right, platform="darwin"),
    }
    for name, look in cases.items():
        words = mail_programs_text(look, provider)
        count = len((words.headline + " " + " ".join(words.items)).split())
        assert count <= 50, (name, words)
    assert mail_programs_text(cases["wrong"], provider).action is Action.FIX
    none = mail_programs_text(cases["none"], provider)
    assert none.headline.startswith("No Thunderbird account for this address here")
    details = "\n".join(none.details)
    assert "Apple Mail: could not check" in details and "Outlook (new): could not check" in details
    assert f"port {provider.imap.port}" in details
