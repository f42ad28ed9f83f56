"""The Set-up page adds the account to a Thunderbird profile (a fixture profile, no real TB)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from tests.support.dovecot_server import GOOD_USER
from tests.support.gui import fill_account, run_checks_and_wait
from tests.support.profile_lock import parentlock_held_by_another_process
from wizard.checks.options import CheckOptions
from wizard.clients.thunderbird import find_profiles
from wizard.clients.thunderbird.prefsjs import parse_prefs
from wizard.flow import Page, WizardFlow
from wizard.provider import load_provider
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]


@pytest.fixture
def home_with_profile(tmp_path):
    home = tmp_path / "home"
    base = home / ".thunderbird"
    profile = base / "x1y2z3.default-release"
    profile.mkdir(parents=True)
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1y2z3.default-release\n"
        "Default=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n"
    )
    (profile / "prefs.js").write_text('user_pref("mail.shell.checkDefaultClient", false);\n')
    return home, profile


def open_on_setup(qtbot, dovecot, tmp_path, home):
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    search = find_profiles(home=home, platform="linux", environ={})
    flow = WizardFlow(provider, platform="win32", thunderbird=search)
    wiz = MailSetupWizard(flow, options=CheckOptions(ca_file=dovecot.ca_pem))
    qtbot.addWidget(wiz)
    wiz.resize(760, 600)
    wiz.show()
    qtbot.waitExposed(wiz)
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    wiz.next()
    return wiz


def test_detected_thunderbird_comes_first_and_the_button_writes_the_account(
    qtbot, dovecot, tmp_path, home_with_profile, screenshot
):
    home, profile = home_with_profile
    wiz = open_on_setup(qtbot, dovecot, tmp_path, home)
    assert wiz.currentId() == Page.CLIENT
    first = wiz.flow.clients[0]
    assert first.id == "thunderbird" and first.detected  # even on Windows, where Outlook leads
    assert "detected" in wiz.client_page.buttons["thunderbird"].text()
    screenshot(wiz, "06-client-thunderbird-detected")
    wiz.next()
    page = wiz.setup_page
    panel = page.thunderbird
    # The button is the page; the manual guide is folded under "Set up by hand instead".
    assert panel.add_button.isVisible() and panel.add_button.text() == "&Add to Thunderbird"
    assert page.by_hand.isVisible() and not page.view.isVisible()
    screenshot(wiz, "07-setup-thunderbird")
    page.by_hand.click()
    assert page.view.isVisible()
    screenshot(wiz, "07-setup-thunderbird-by-hand")
    page.by_hand.click()
    panel.add_button.click()
    assert panel.result.text() == "Added to Thunderbird." and wiz.flow.setup_done
    assert panel.mark.text() == "✓" and panel.open_button.isVisible()
    assert not panel.add_button.isVisible()
    shown = panel.result.text() + panel.note.text()
    assert "account1" not in shown and "prefs.js" not in shown and "x1y2z3" not in shown
    screenshot(wiz, "07-setup-thunderbird-written")
    prefs = parse_prefs((profile / "prefs.js").read_text()).values()
    assert prefs["mail.shell.checkDefaultClient"] is False  # what was there is kept
    assert GOOD_USER in prefs.values()
    assert list(profile.glob("prefs.js.wizard-*"))  # the original, backed up
    # What was written where goes to the report for IT.
    report = wiz.checking_page.export.text()
    assert "account1" in report and "prefs.js.wizard-" in report
    wiz.next()
    assert wiz.done_page.text.text() == "Sepheo mail is ready in Thunderbird."
    assert not wiz.button(QWizard.WizardButton.CancelButton).isVisible()
    screenshot(wiz, "08-done-thunderbird")


def test_running_thunderbird_is_refused_with_a_retry(
    qtbot, dovecot, tmp_path, home_with_profile, screenshot
):
    home, profile = home_with_profile
    before = (profile / "prefs.js").read_bytes()
    wiz = open_on_setup(qtbot, dovecot, tmp_path, home)
    wiz.next()
    with parentlock_held_by_another_process(profile):
        wiz.setup_page.thunderbird.add_button.click()
        text = wiz.setup_page.thunderbird.result.text()
        assert text.startswith("Thunderbird is open. Close it")
        assert "process" not in text  # the process id is for the report
        assert (profile / "prefs.js").read_bytes() == before
        screenshot(wiz, "07-setup-thunderbird-running")
