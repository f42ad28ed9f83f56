"""The Qt wizard driven end to end offscreen, against the real Dovecot fixture."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QWizard

from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, free_port
from tests.support.fake_servers import silent_server
from tests.support.gui import fill_account, run_checks_and_wait
from wizard.checks.options import CheckOptions
from wizard.flow import CheckState, Page, WizardFlow
from wizard.provider import load_provider
from wizard.services import Service
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]


@pytest.fixture
def make_wizard(qtbot, dovecot, tmp_path):
    def make(timeout: float = 10.0, **provider_kw) -> MailSetupWizard:
        provider = load_provider(dovecot.write_provider(tmp_path / "p.xml", **provider_kw))
        wiz = MailSetupWizard(
            WizardFlow(provider, platform="linux"),
            options=CheckOptions(ca_file=dovecot.ca_pem, timeout=timeout),
        )
        qtbot.addWidget(wiz)
        wiz.resize(760, 600)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return make


def test_right_password_shows_all_ticks_and_leads_to_the_client_page(
    qtbot, make_wizard, screenshot
):
    wiz = make_wizard()
    screenshot(wiz, "01-welcome")
    wiz.next()
    screenshot(wiz, "02-account-empty")
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    wiz.back()
    fill_account(qtbot, wiz)
    screenshot(wiz, "03-account-filled")
    assert wiz.account_page.password.displayText() != GOOD_PASSWORD  # masked on screen
    run_checks_and_wait(qtbot, wiz)
    screenshot(wiz, "05-checking-success")
    assert wiz.flow.check_state is CheckState.PASSED
    rows = wiz.checking_page._rows
    for service in (Service.IMAP, Service.SMTP, Service.SIEVE):
        assert rows[service].mark.text() == "✓"
        assert rows[service].verdict.text() == "Works"
    # No test message in this flow (the app asks for one; see test_gui_round_trip.py).
    assert rows[Service.ROUNDTRIP].verdict.text().startswith("Skipped")
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    wiz.next()
    assert wiz.currentId() == Page.CLIENT
    page = wiz.client_page
    # Nothing was detected, so nothing is ticked and Next waits for the person's choice.
    assert not any(b.isChecked() for b in page.buttons.values()) and not page.isComplete()
    screenshot(wiz, "06-client")
    page.buttons["thunderbird"].click()
    wiz.next()
    assert wiz.currentId() == Page.SETUP
    screenshot(wiz, "07-setup")
    view = wiz.setup_page.view
    assert (
        GOOD_USER in view.toPlainText() and str(wiz.flow.provider.imap.port) in view.toPlainText()
    )
    view.anchorClicked.emit(QUrl("copy:" + wiz.flow.provider.imap.hostname))
    assert QGuiApplication.clipboard().text() == wiz.flow.provider.imap.hostname
    wiz.next()
    assert wiz.currentId() == Page.DONE
    screenshot(wiz, "08-done")


def test_wrong_password_shows_the_auth_cause_on_imap_and_smtp(qtbot, make_wizard, screenshot):
    wiz = make_wizard()
    fill_account(qtbot, wiz, password="definitely-wrong")
    run_checks_and_wait(qtbot, wiz)
    assert wiz.flow.check_state is CheckState.FAILED
    for service in (Service.IMAP, Service.SMTP):
        verdict = wiz.checking_page._rows[service].verdict.text()
        assert "did not accept the email address and password" in verdict
    assert wiz.checking_page.summary.text().count("Caps Lock") == 1  # advice said once
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    screenshot(wiz, "05-checking-wrong-password")
    wiz.checking_page.details_button.click()
    assert "auth_failed" in wiz.checking_page.details.toPlainText()
    assert "definitely-wrong" not in wiz.checking_page.details.toPlainText()
    screenshot(wiz, "05-checking-wrong-password-details")
    # the user may explicitly go on anyway
    assert wiz.checking_page.continue_anyway.isVisible()
    wiz.checking_page.continue_anyway.setChecked(True)
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()


def test_closed_port_shows_the_connection_cause(qtbot, make_wizard, screenshot):
    wiz = make_wizard(smtp_port=free_port())
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    verdict = wiz.checking_page._rows[Service.SMTP].verdict.text()
    assert "refused the connection" in verdict
    assert wiz.checking_page._rows[Service.IMAP].verdict.text() == "Works"
    screenshot(wiz, "05-checking-port-closed")


def test_sieve_failure_alone_still_allows_next(qtbot, make_wizard, screenshot):
    wiz = make_wizard(sieve_port=free_port())
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    assert wiz.flow.check_state is CheckState.MAIL_WORKS
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    screenshot(wiz, "05-checking-sieve-only-failed")


def test_untrusted_certificate_is_explained(qtbot, make_wizard, screenshot):
    wiz = make_wizard()
    wiz.check_options = wiz.check_options.with_changes(ca_file=None)
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    assert "not trusted" in wiz.checking_page._rows[Service.IMAP].verdict.text()
    screenshot(wiz, "05-checking-certificate")


def test_cancel_during_a_slow_check_returns_control_within_a_second(qtbot, make_wizard, screenshot):
    with silent_server() as port:
        wiz = make_wizard(timeout=30, imap_port=port, smtp_port=port, sieve_port=port)
        fill_account(qtbot, wiz)
        wiz.next()
        qtbot.wait(300)
        screenshot(wiz, "04-checking-in-progress")
        assert wiz.flow.check_state is CheckState.RUNNING
        t0 = time.monotonic()
        with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=1000):
            wiz.checking_page.stop_button.click()
        assert time.monotonic() - t0 < 1.0
        assert wiz.flow.check_state is CheckState.CANCELLED
        screenshot(wiz, "05-checking-cancelled")
        # Retry runs again
        wiz.checking_page.action_button.click()  # after Stop: Try again
        assert wiz.flow.check_state is CheckState.RUNNING
        with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=1000):
            wiz.back()  # Back also stops the checks
        assert wiz.currentId() == Page.ACCOUNT


def test_gui_thread_never_stalls_during_a_slow_check(qtbot, make_wizard):
    """Longest gap between 10 ms timer ticks while three checks wait on a silent server."""
    with silent_server() as port:
        wiz = make_wizard(timeout=1.5, imap_port=port, smtp_port=port)
        fill_account(qtbot, wiz)
        gaps: list[int] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def tick() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        timer.start()
        with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=10000):
            wiz.next()
        timer.stop()
    assert len(gaps) > 50
    print(f"longest event-loop gap during the check: {max(gaps)} ms over {len(gaps)} ticks")
    assert max(gaps) < 100, f"event loop stalled {max(gaps)} ms"


def test_next_needs_a_well_formed_address_and_warns_about_another_domain(
    qtbot, make_wizard, screenshot
):
    wiz = make_wizard()
    wiz.next()
    page = wiz.account_page
    page.name.setText('Zoë "Zed" O\'Brien-Fitzgerald-Worthington')
    page.password.setText("x")
    page.address.setText("zoe.obrien@")
    assert not page.isComplete()
    assert page.address_error.isVisible() and "after the “@”" in page.address_error.text()
    screenshot(wiz, "02-account-malformed")
    page.address.setText(
        "zoe.obrien.with.a.very.long.address.indeed@subdivision.sepheo.example.com"
    )
    assert page.isComplete()
    # Another domain is taken as it is: its settings are looked up on the checking page.
    assert not page.domain_warning.isVisible()
    screenshot(wiz, "02-account-other-domain-long")


def test_show_password_toggle_and_enter_moves_on(qtbot, make_wizard):
    wiz = make_wizard()
    wiz.next()
    page = wiz.account_page
    assert page.password.echoMode() is QLineEdit.EchoMode.Password
    page.show_password_box.setChecked(True)
    assert page.password.echoMode() is QLineEdit.EchoMode.Normal
    page.show_password_box.setChecked(False)
    assert page.password.echoMode() is QLineEdit.EchoMode.Password
    assert page.password.accessibleName() == "Password"
    page.name.setText("Joe")
    page.address.setText(GOOD_USER)
    page.password.setText(GOOD_PASSWORD)
    page.password.setFocus()
    with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=20000):
        qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert wiz.currentId() == Page.CHECKING


def test_closing_the_wizard_drops_the_password(qtbot, make_wizard):
    wiz = make_wizard()
    fill_account(qtbot, wiz)
    wiz.next()
    wiz.reject()
    assert wiz.flow.account.password == ""
    assert wiz.account_page.password.text() == ""


def test_short_login_is_explained_and_retried_once_with_the_full_address(
    qtbot, make_wizard, screenshot
):
    wiz = make_wizard(username="%EMAILLOCALPART%")
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    assert "full email address" in wiz.checking_page._rows[Service.IMAP].verdict.text()
    button = wiz.checking_page.action_button  # the one main button, offering the fix
    assert button.isVisible() and button.text() == "&Try with my full email address"
    screenshot(wiz, "05-checking-short-login")
    with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=20000):
        button.click()
    assert wiz.flow.check_state is CheckState.PASSED
    assert not button.isVisible()
    assert wiz.flow.provider.imap.username_for(GOOD_USER) == GOOD_USER
    screenshot(wiz, "05-checking-short-login-retried")


def test_copied_report_has_no_password_in_any_form(qtbot, make_wizard):
    import base64
    import urllib.parse

    wiz = make_wizard()
    fill_account(qtbot, wiz, password="Wr0ng pässword+%")
    run_checks_and_wait(qtbot, wiz)
    wiz.checking_page.copy_report()
    text = QGuiApplication.clipboard().text()
    assert "auth_failed" in text and "C: " in text
    pw = "Wr0ng pässword+%"
    for form in (
        pw,
        urllib.parse.quote(pw),
        urllib.parse.quote_plus(pw),
        base64.b64encode(pw.encode()).decode(),
        base64.b64encode(f"\0{GOOD_USER}\0{pw}".encode()).decode(),
    ):
        assert form not in text
