"""The checking page's fourth row: a test message to oneself, run once the logins pass.

Driven offscreen against the real Haraka (submission) in front of the real Dovecot (IMAP).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from tests.support.dovecot_server import GOOD_USER
from tests.support.gui import fill_account, run_checks_and_wait
from wizard.checks.model import StepName, StepStatus
from wizard.checks.options import CheckOptions
from wizard.checks.test_message import TOKEN_HEADER
from wizard.flow import CheckState, WizardFlow
from wizard.provider import load_provider
from wizard.services import Service
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot, pytest.mark.haraka]


@pytest.fixture
def make_wizard(qtbot, dovecot, haraka, tmp_path):
    def make(round_trip_timeout: float = 15.0) -> MailSetupWizard:
        provider = load_provider(haraka.write_provider(tmp_path / "p.xml"))
        flow = WizardFlow(provider, platform="linux", send_test_message=True)
        wiz = MailSetupWizard(
            flow,
            options=CheckOptions(ca_file=dovecot.ca_pem, test_message_timeout=round_trip_timeout),
        )
        qtbot.addWidget(wiz)
        wiz.resize(760, 640)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return make


def test_the_test_message_row_passes_after_the_logins(qtbot, make_wizard, screenshot):
    wiz = make_wizard()
    fill_account(qtbot, wiz)
    box = wiz.account_page.test_message_box
    assert box.isVisible() and box.isChecked()
    assert box.text().replace("&", "") == "Send a test message to myself"
    assert "removed" in wiz.account_page.test_message_note.text()
    screenshot(wiz, "round-trip-01-account")
    run_checks_and_wait(qtbot, wiz, timeout_ms=30000)
    screenshot(wiz, "round-trip-02-working")
    row = wiz.checking_page._rows[Service.ROUNDTRIP]  # under Details
    assert row.mark.text() == "✓" and row.verdict.text() == "Works"
    summary = wiz.checking_page._summary["roundtrip"]
    assert (summary.name.text(), summary.word.text()) == ("Test message", "Arrived")
    assert wiz.flow.check_state is CheckState.PASSED
    trip = wiz.flow.results[-1]
    assert trip.service is Service.ROUNDTRIP and trip.folder == "INBOX"
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()


def test_junk_arrival_is_said_but_does_not_block(qtbot, make_wizard, dovecot, screenshot):
    dovecot.set_delivery_rule(
        GOOD_USER, f'require "fileinto";\nif exists "{TOKEN_HEADER}" {{ fileinto "Junk"; }}\n'
    )
    try:
        wiz = make_wizard()
        fill_account(qtbot, wiz)
        run_checks_and_wait(qtbot, wiz, timeout_ms=30000)
    finally:
        dovecot.set_delivery_rule(GOOD_USER, None)
    screenshot(wiz, "round-trip-03-junk")
    page = wiz.checking_page
    assert wiz.flow.check_state is CheckState.MAIL_WORKS
    assert page.status.text() == "Your mail works, but the test message went to Junk."
    assert "Junk folder" in page.summary.text()
    assert page._summary["roundtrip"].word.text() == "In Junk"
    assert "SPF and DKIM" in page.export.text()  # IT's part goes to the report
    assert page._rows[Service.ROUNDTRIP].mark.text() == "✗"
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()


def test_unticking_the_box_skips_the_test_message(qtbot, make_wizard, haraka):
    wiz = make_wizard()
    fill_account(qtbot, wiz)
    wiz.account_page.test_message_box.setChecked(False)
    assert wiz.flow.send_test_message is False
    queued = haraka.log_text().count("Message Queued")
    run_checks_and_wait(qtbot, wiz, timeout_ms=30000)
    assert Service.ROUNDTRIP not in {r.service for r in wiz.flow.results}
    assert wiz.checking_page._rows[Service.ROUNDTRIP].verdict.text().startswith("Skipped")
    assert haraka.log_text().count("Message Queued") == queued
    wiz.back()
    wiz.back()
    assert not wiz.account_page.test_message_box.isChecked()  # remembered in the flow


def test_stop_works_while_waiting_for_the_message(qtbot, make_wizard, haraka, screenshot):
    haraka.pause_delivery()
    wiz = make_wizard(round_trip_timeout=60)
    fill_account(qtbot, wiz)
    page = wiz.checking_page
    waiting = []

    def on_step(service: Service, step: object) -> None:
        name, status = getattr(step, "name", None), getattr(step, "status", None)
        if service is Service.ROUNDTRIP and name is StepName.ARRIVED:
            waiting.extend([step] if status is StepStatus.RUNNING else [])

    page.run.step.connect(on_step)
    wiz.next()
    page.details_button.click()  # the steps are under Details
    qtbot.waitUntil(lambda: bool(waiting), timeout=20000)
    assert page._rows[Service.ROUNDTRIP].spinner.isVisible()
    # The summary says the logins work while the message is awaited.
    qtbot.waitUntil(lambda: page.status.text().startswith("Your logins work"), timeout=2000)
    assert page._summary["roundtrip"].word.text() == "Checking…"
    # The logins' verdicts are shown while the message is awaited.
    qtbot.waitUntil(lambda: page._rows[Service.IMAP].verdict.text() == "Works", timeout=2000)
    screenshot(wiz, "round-trip-04-waiting")
    with qtbot.waitSignal(page.checks_done, timeout=3000):
        page.stop_button.click()
    assert wiz.flow.check_state is CheckState.CANCELLED
    assert page._rows[Service.ROUNDTRIP].verdict.text() == "Stopped"
