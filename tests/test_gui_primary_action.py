"""One main action per page, where the person's eyes and Enter are; feedback beside its cause.

Offline: the set-up page is opened straight from the flow with a fixture Thunderbird profile
(no real Thunderbird is started), the account page is typed into directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWizard

from tests.support.looks import primary_buttons
from wizard.checks.model import CheckResult
from wizard.clients.thunderbird import find_profiles
from wizard.flow import Page, WizardFlow
from wizard.provider import load_default_provider
from wizard.services import Security, Service
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = pytest.mark.gui

ADDRESS = "zoe.obrien@sepheo.co"
GOOD = [
    CheckResult(s, "my.sepheo.co", 993, Security.TLS, ADDRESS, ok=True)
    for s in (Service.IMAP, Service.SMTP, Service.SIEVE)
]


def make_profile(home: Path) -> Path:
    base = home / ".thunderbird"
    profile = base / "x1y2z3.default-release"
    profile.mkdir(parents=True)
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1y2z3.default-release\n"
        "Default=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n"
    )
    return profile


def search(home: Path):
    return find_profiles(home=home, platform="linux", environ={})


def open_page(qtbot, flow: WizardFlow, page_id: Page) -> MailSetupWizard:
    wiz = MailSetupWizard(flow)
    qtbot.addWidget(wiz)
    wiz.resize(760, 600)
    wiz.setStartId(int(page_id))
    wiz.show()
    qtbot.waitExposed(wiz)
    settle()
    return wiz


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def checked_flow(**kw) -> WizardFlow:
    flow = WizardFlow(load_default_provider(), platform="linux", **kw)
    flow.set_account("Zoë O'Brien", ADDRESS, "x")
    flow.checks_finished(GOOD)
    return flow


def test_enter_on_the_thunderbird_page_adds_the_account_instead_of_skipping_it(
    qtbot, tmp_path, screenshot
):
    home = tmp_path / "home"
    profile = make_profile(home)
    flow = checked_flow(thunderbird=search(home))
    flow.choose_client("thunderbird")
    wiz = open_page(qtbot, flow, Page.SETUP)
    panel = wiz.setup_page.thunderbird
    next_button = wiz.button(QWizard.WizardButton.NextButton)
    assert primary_buttons(wiz) == [panel.add_button]
    assert panel.add_button.isDefault() and panel.add_button.hasFocus()
    assert not next_button.isDefault()
    screenshot(wiz, "primary-setup-thunderbird-add")
    qtbot.keyClick(wiz, Qt.Key.Key_Return)  # Enter goes to the window's default button
    settle()
    assert wiz.currentId() == Page.SETUP  # not skipped to the last page
    assert flow.setup_done and ADDRESS in (profile / "prefs.js").read_text()
    # Added: "Open Thunderbird" takes the main role.
    assert primary_buttons(wiz) == [panel.open_button]
    assert panel.open_button.isDefault() and not next_button.isDefault()
    screenshot(wiz, "primary-setup-thunderbird-open")


def test_thunderbird_not_set_up_offers_check_again_and_looks_again_on_return(
    qtbot, tmp_path, screenshot
):
    home = tmp_path / "home"
    home.mkdir()
    flow = checked_flow(thunderbird=search(home))
    flow.choose_client("thunderbird")
    wiz = open_page(qtbot, flow, Page.SETUP)
    page = wiz.setup_page
    panel = page.thunderbird
    panel.rescan = lambda: search(home)
    assert panel.check_again_button.isVisible() and not panel.add_button.isVisible()
    assert primary_buttons(wiz) == [panel.check_again_button]
    assert panel.check_again_button.isDefault()
    screenshot(wiz, "primary-setup-thunderbird-not-set-up")
    panel.check_again_button.click()
    settle()
    assert "Still no Thunderbird profile" in panel.note.text()
    make_profile(home)  # the person started Thunderbird once meanwhile
    # Back to the wizard's window: the page looks again by itself.
    wiz.activateWindow()
    qtbot.waitUntil(wiz.isActiveWindow, timeout=2000)
    QApplication.sendEvent(page, QEvent(QEvent.Type.ActivationChange))
    settle()
    assert panel.add_button.isVisible() and not panel.check_again_button.isVisible()
    assert primary_buttons(wiz) == [panel.add_button] and panel.add_button.isDefault()
    assert page.by_hand.isVisible()  # the manual steps folded away again


def test_nothing_is_preselected_on_the_client_page_that_was_not_detected(qtbot, tmp_path):
    wiz = open_page(qtbot, checked_flow(), Page.CLIENT)
    page = wiz.client_page
    assert not any(b.isChecked() for b in page.buttons.values())
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    page.buttons["outlook_new"].click()
    settle()
    assert wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    assert wiz.button(QWizard.WizardButton.NextButton).isDefault()

    home = tmp_path / "home"
    make_profile(home)
    detected = open_page(qtbot, checked_flow(thunderbird=search(home)), Page.CLIENT)
    assert detected.client_page.buttons["thunderbird"].isChecked()


def test_the_address_error_sits_right_under_the_address_field_and_marks_it(qtbot, screenshot):
    flow = WizardFlow(load_default_provider(), platform="linux")
    wiz = open_page(qtbot, flow, Page.ACCOUNT)
    page = wiz.account_page
    page.name.setText("Zoë")
    page.address.setText("zoe@")
    page.password.setText("x")
    settle()
    error = page.address_error
    assert error.isVisible() and error.text()
    field_bottom = page.address.mapTo(page, page.address.rect().bottomLeft()).y()
    error_top = error.mapTo(page, error.rect().topLeft()).y()
    assert 0 <= error_top - field_bottom <= error.fontMetrics().height()
    assert page.address.property("invalid") is True
    assert page.address.accessibleDescription() == error.text()
    screenshot(wiz, "account-address-error")
    page.address.setText(ADDRESS)
    settle()
    assert not error.isVisible() and not page.address.property("invalid")
    assert page.address.accessibleDescription() == ""


def test_the_password_box_menu_offers_paste_only(qtbot):
    flow = WizardFlow(load_default_provider(), platform="linux")
    wiz = open_page(qtbot, flow, Page.ACCOUNT)
    box = wiz.account_page.password
    QGuiApplication.clipboard().setText("pasted-secret")
    menu = box.context_menu()
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert [a.text().replace("&", "") for a in actions] == ["Paste"]
    actions[0].trigger()
    assert box.text() == "pasted-secret"
    QGuiApplication.clipboard().clear()


def copy_button_heights(view) -> list[float]:
    """Height of each framed Copy cell as laid out in the steps' document."""
    from PySide6.QtGui import QTextCursor

    doc = view.document()
    layout = doc.documentLayout()
    heights = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref().startswith("copy:"):
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position())
                table = cursor.currentTable()
                heights.append(layout.frameBoundingRect(table).height())
            it += 1
        block = block.next()
    return heights


def test_copy_is_a_button_of_at_least_24_px_that_says_copied(qtbot, screenshot):
    flow = checked_flow()
    flow.choose_client("outlook_classic")
    wiz = open_page(qtbot, flow, Page.SETUP)
    view = wiz.setup_page.view
    heights = copy_button_heights(view)
    assert heights and min(heights) >= 24, heights
    host = flow.provider.imap.hostname
    from PySide6.QtCore import QUrl

    view.anchorClicked.emit(QUrl("copy:" + host))
    assert QGuiApplication.clipboard().text() == host
    assert "Copied ✓" in view.toPlainText()
    screenshot(wiz, "setup-copied")
    qtbot.waitUntil(lambda: "Copied ✓" not in view.toPlainText(), timeout=4000)


def test_a_password_warning_sits_under_the_password_not_the_address(qtbot):
    flow = WizardFlow(load_default_provider(), platform="linux")
    wiz = open_page(qtbot, flow, Page.ACCOUNT)
    page = wiz.account_page
    page.name.setText("Zoë")
    page.address.setText(ADDRESS)
    page.password.setText("secret ")  # a trailing space: allowed, but worth a look
    settle()
    assert page.password_warning.isVisible() and "space" in page.password_warning.text()
    assert not page.domain_warning.isVisible()
    assert page.password.accessibleDescription() == page.password_warning.text()
    below = page.password_warning.mapTo(page, page.password_warning.rect().topLeft()).y()
    field = page.password.mapTo(page, page.password.rect().bottomLeft()).y()
    assert 0 <= below - field <= page.password_warning.fontMetrics().height()
