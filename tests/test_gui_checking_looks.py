"""The checking page as the person meets it, against the real Dovecot: summary first.

For each state: at most 50 visible words before anything is expanded, at most one main button
besides Back/Next (and *Details*), nothing clipped, AA contrast; and the fix can be done on the
page itself (retype the password, try the full address), or Back lands in the field to change.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWizard

from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, free_port
from tests.support.gui import fill_account, run_checks_and_wait
from tests.support.looks import clipped, low_contrast, visible_buttons, visible_words
from wizard.checks.options import CheckOptions
from wizard.flow import CheckState, Page, WizardFlow
from wizard.provider import load_provider
from wizard.ui.style import is_primary
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]

NAVIGATION = {"< Back", "Next >", "Cancel", "Finish"}
JARGON = ("IMAP", "SMTP", "Sieve", "STARTTLS", "localhost", " ms", "port ")


@pytest.fixture
def make_wizard(qtbot, dovecot, tmp_path):
    def make(**provider_kw) -> MailSetupWizard:
        provider = load_provider(dovecot.write_provider(tmp_path / "p.xml", **provider_kw))
        wiz = MailSetupWizard(
            WizardFlow(provider, platform="linux"),
            options=CheckOptions(ca_file=dovecot.ca_pem, timeout=10),
        )
        qtbot.addWidget(wiz)
        wiz.resize(760, 600)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return make


def look(wiz: MailSetupWizard) -> tuple[list[str], list[str]]:
    """(visible words, visible buttons other than navigation) on the checking page and title."""
    QApplication.processEvents()
    page = wiz.checking_page
    words = page.title().split() + visible_words(page)
    buttons = [b for b in visible_buttons(page) if b not in NAVIGATION]
    assert clipped(wiz) == [] and low_contrast(wiz) == []
    text = " ".join(words)
    assert not any(j in text for j in JARGON), text
    return words, buttons


def test_wrong_password_is_fixed_on_the_checking_page(qtbot, make_wizard, screenshot):
    wiz = make_wizard()
    fill_account(qtbot, wiz, password="definitely-wrong")
    run_checks_and_wait(qtbot, wiz)
    page = wiz.checking_page
    words, buttons = look(wiz)
    screenshot(wiz, "05-checking-wrong-password")
    assert len(words) <= 50, " ".join(words)
    assert buttons == ["Try again", "Details"]
    assert page.status.text() == "Your password was not accepted."
    assert page.title() == "Your mail does not work yet"  # the title is the outcome now
    # "Try again" is the one main action: accent, the default button (Enter in the box).
    assert page.action_button.isDefault() and is_primary(page.action_button)
    assert not wiz.button(QWizard.WizardButton.NextButton).isDefault()
    assert page.password.isVisible() and page.password.hasFocus()
    assert page.password.echoMode() is QLineEdit.EchoMode.Password
    assert not page.action_button.isEnabled()  # nothing typed yet
    page.password.setText(GOOD_PASSWORD)  # (keyClicks only types ASCII)
    with qtbot.waitSignal(page.checks_done, timeout=20000):
        page.action_button.click()
    assert wiz.flow.check_state is CheckState.PASSED
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    words, buttons = look(wiz)
    screenshot(wiz, "05-checking-success-after-retyping")
    assert buttons == ["Details"] and page.title() == "Your mail works"
    assert page.status.text() == "Receiving and sending mail both work."
    assert page.status_mark.isVisible() and page.status_mark.accessibleName() == "Passed"
    # The retyped password gets its own acknowledgement (the two runs do not look the same).
    assert page.summary.text().startswith("The password you typed again works.")
    assert wiz.button(QWizard.WizardButton.NextButton).isDefault()


def test_back_after_a_refused_password_lands_in_the_password_with_it_selected(qtbot, make_wizard):
    wiz = make_wizard()
    fill_account(qtbot, wiz, password="definitely-wrong")
    run_checks_and_wait(qtbot, wiz)
    wiz.back()
    assert wiz.currentId() == Page.ACCOUNT
    edit = wiz.account_page.password
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    assert edit.selectedText() != "" or edit.hasSelectedText()


def test_short_login_offers_one_button_and_back_lands_in_the_address(
    qtbot, make_wizard, screenshot
):
    wiz = make_wizard(username="%EMAILLOCALPART%")
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    words, buttons = look(wiz)
    screenshot(wiz, "05-checking-short-login")
    assert len(words) <= 50, " ".join(words)
    assert buttons == ["Try with my full email address", "Details"]
    assert wiz.checking_page.status.text() == "The login needs your full email address."
    wiz.back()
    edit = wiz.account_page.address
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    assert edit.selectedText() == GOOD_USER


def test_unreachable_sending_says_which_and_what_to_do_in_few_words(qtbot, make_wizard, screenshot):
    wiz = make_wizard(smtp_port=free_port())
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    words, buttons = look(wiz)
    screenshot(wiz, "05-checking-port-closed")
    assert len(words) <= 50, " ".join(words)
    assert buttons == ["Try again", "Details"]
    assert wiz.checking_page.status.text().startswith("Sending mail does not work")


def test_filters_alone_failing_reads_as_working_and_neutral(qtbot, make_wizard, screenshot):
    wiz = make_wizard(sieve_port=free_port())
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    words, buttons = look(wiz)
    screenshot(wiz, "05-checking-sieve-only-failed")
    page = wiz.checking_page
    assert page.status.text() == "Receiving and sending mail both work." and buttons == ["Details"]
    text = " ".join(words)
    assert "Mail filters (optional)" in text and "Not available" in text
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()


def test_details_hold_the_steps_and_the_report_window_with_its_actions(
    qtbot, make_wizard, screenshot
):
    wiz = make_wizard()
    fill_account(qtbot, wiz, password="definitely-wrong")
    run_checks_and_wait(qtbot, wiz)
    page = wiz.checking_page
    assert not page.it_button.isVisible() and not page.export.copy_button.isVisible()
    page.details_button.click()
    assert page.it_button.isVisible() and page.continue_anyway.isVisible()
    QApplication.processEvents()
    # Expanded, the steps scroll rather than squeeze, and still read well.
    assert clipped(page.details_box) == [] and low_contrast(page.details_box) == []
    screenshot(wiz, "05-checking-wrong-password-details")
    page.it_button.click()
    window = page.report_window
    assert window.isVisible() and window.isSizeGripEnabled()
    metrics = window.text.fontMetrics()  # the font actually used: columns line up
    assert metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("WWWW")
    assert [b.text() for b in page.export.buttons if b.isVisible()] == [
        "&Copy report",
        "Sa&ve report…",
        "E&mail to IT",
    ]
    assert "auth_failed" in window.text.toPlainText()
    assert "definitely-wrong" not in window.text.toPlainText()
    window.resize(900, 700)
    # Long summary lines wrap at the window's edge instead of running off it.
    QApplication.processEvents()
    assert window.text.lineWrapMode() is QPlainTextEdit.LineWrapMode.WidgetWidth
    assert not window.text.horizontalScrollBar().isVisible()
    screenshot(window, "05-checking-details-for-it")
    window.close()


def test_dark_palette_checking_page_meets_aa_in_failure_and_success(qtbot, make_wizard, screenshot):
    from tests.test_gui_appearance import dark_palette

    app = QApplication.instance()
    old = app.palette()
    app.setPalette(dark_palette())
    try:
        wiz = make_wizard(sieve_port=free_port())
        fill_account(qtbot, wiz, password="definitely-wrong")
        run_checks_and_wait(qtbot, wiz)
        look(wiz)  # asserts AA contrast and nothing clipped
        screenshot(wiz, "dark-checking-wrong-password")
        wiz.checking_page.password.setText(GOOD_PASSWORD)
        with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=20000):
            wiz.checking_page.action_button.click()
        look(wiz)
        screenshot(wiz, "dark-checking-filters-only")
    finally:
        app.setPalette(old)


def test_an_untrusted_certificate_says_not_safe_in_few_words(qtbot, make_wizard, screenshot):
    wiz = make_wizard()
    wiz.check_options = wiz.check_options.with_changes(ca_file=None)
    fill_account(qtbot, wiz)
    run_checks_and_wait(qtbot, wiz)
    words, buttons = look(wiz)
    screenshot(wiz, "05-checking-certificate")
    assert len(words) <= 50, " ".join(words)
    assert buttons == ["Try again", "Details"]
    assert "not safe" in wiz.checking_page.status.text()
    assert "certificate" not in " ".join(words).lower()  # the word is for the details


@pytest.mark.parametrize("looks", ["light", "dark", "font200", "smallest"])
def test_the_checking_page_keeps_its_rules_in_every_look(qtbot, make_wizard, screenshot, looks):
    """Title = outcome, one main action that is the default, outlines >= 3:1 from the pixels."""
    from tests.support.looks import weak_outlines
    from tests.test_gui_appearance import dark_palette, one_primary
    from wizard.ui.wizard_window import MINIMUM_SIZE

    app = QApplication.instance()
    old_palette, old_font = app.palette(), app.font()
    if looks == "dark":
        app.setPalette(dark_palette())
    if looks == "font200":
        big = app.font()
        big.setPointSizeF(old_font.pointSizeF() * 2)
        app.setFont(big)
    try:
        wiz = make_wizard()
        if looks == "font200":
            wiz.resize(1400, 1100)
        if looks == "smallest":
            wiz.resize(MINIMUM_SIZE)
        fill_account(qtbot, wiz, password="definitely-wrong")
        run_checks_and_wait(qtbot, wiz)
        QApplication.processEvents()
        page = wiz.checking_page
        assert page.title() == "Your mail does not work yet"
        assert one_primary(wiz) == [] and page.action_button.isDefault()
        assert weak_outlines(wiz) == []
        look(wiz)  # nothing clipped, AA text, no jargon
        screenshot(wiz, f"{looks}-checking-wrong-password")
        page.password.setText(GOOD_PASSWORD)
        with qtbot.waitSignal(page.checks_done, timeout=20000):
            page.action_button.click()
        QApplication.processEvents()
        assert page.title() == "Your mail works"
        assert one_primary(wiz) == []
        assert wiz.button(QWizard.WizardButton.NextButton).isDefault()
        look(wiz)
        screenshot(wiz, f"{looks}-checking-works")
    finally:
        app.setPalette(old_palette)
        app.setFont(old_font)


def test_a_retyped_password_the_flow_refuses_is_said_under_the_box(qtbot, make_wizard):
    from wizard.password_rules import CONTROL_CHARACTERS

    wiz = make_wizard()
    fill_account(qtbot, wiz, password="definitely-wrong")
    run_checks_and_wait(qtbot, wiz)
    page = wiz.checking_page
    headline = page.status.text()
    page.password.setText("secret\r\n")  # pasted with its line break
    page.action_button.click()
    assert page.password_error.isVisible() and page.password_error.text() == CONTROL_CHARACTERS
    assert page.password.accessibleDescription() == CONTROL_CHARACTERS
    assert page.status.text() == headline  # the headline still says what the check found
    assert wiz.flow.check_state is CheckState.FAILED  # nothing was sent
    page.password.setText("secret")
    assert not page.password_error.isVisible()
