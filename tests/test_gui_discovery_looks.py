"""The states discovery added, looked at (issue 29 item 7): light, dark, 200 % text, smallest.

Finding the settings, nothing found, the question before untrusted settings get a password,
and the manual settings page empty and with an error under a field, each checked with the
rules tests/test_gui_appearance.py applies: nothing clipped, AA contrast for text and field
outlines, one main action and it is the default button. ``--screenshots DIR`` saves each.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from tests import test_gui_discovery as gd
from tests.support import discovery_world as w
from tests.support.gui import fill_account
from tests.support.looks import clipped, low_contrast, weak_outlines, weak_primary_text
from tests.test_gui_appearance import dark_palette, one_primary
from wizard.flow import Page
from wizard.services import Service
from wizard.ui.wizard_window import MINIMUM_SIZE, MailSetupWizard

pytestmark = [pytest.mark.gui]

# The discovery world and its network, shared with the behaviour tests.
world = gd.world
on_loopback = gd.on_loopback
make = gd.make


def problems(wiz: MailSetupWizard) -> list[str]:
    QApplication.processEvents()
    bad = clipped(wiz) + low_contrast(wiz) + weak_outlines(wiz) + one_primary(wiz)
    return bad + weak_primary_text(wiz)


def states(qtbot, world: w.World, size: tuple[int, int]) -> Iterator[tuple[str, MailSetupWizard]]:
    def fresh(address: str) -> MailSetupWizard:
        wiz = make(qtbot, world)
        wiz.resize(*size)
        fill_account(qtbot, wiz, address=address, password="not-sent")
        wiz.next()
        return wiz

    wiz = fresh("joe@drop.test")  # the look-ups wait on dropped packets: still finding
    qtbot.waitUntil(lambda: wiz.checking_page.finding.lookups.count() >= 3, timeout=8000)
    yield "finding", wiz
    wiz.checking_page.stop()
    wiz = fresh("hal@http.test")
    qtbot.waitUntil(lambda: wiz.checking_page.origin_question.isVisible(), timeout=15000)
    yield "untrusted-question", wiz
    wiz = fresh("nobody@nothing.test")
    page = wiz.checking_page
    with qtbot.waitSignal(page.finding.nothing, timeout=15000):
        pass
    yield "nothing-found", wiz
    page.finding.manual_button.click()
    assert wiz.currentId() == int(Page.MANUAL_SETTINGS)
    yield "manual-empty", wiz
    manual = wiz.page(int(Page.MANUAL_SETTINGS))
    manual.fields[Service.IMAP].host.setText("imap.nothing.test")
    manual.fields[Service.SMTP].host.setText("smtp.nothing.test")
    manual.fields[Service.SMTP].port.setText("25")
    wiz.next()
    assert manual.fields[Service.SMTP].error.isVisible()
    yield "manual-error", wiz


def look_at_states(qtbot, world, screenshot, prefix: str, size: tuple[int, int]) -> dict:
    found: dict[str, list[str]] = {}
    for name, wiz in states(qtbot, world, size):
        screenshot(wiz, f"{prefix}-discovery-{name}")
        if bad := problems(wiz):
            found[name] = bad
    return found


def test_light(qtbot, on_loopback, screenshot):
    assert look_at_states(qtbot, on_loopback, screenshot, "light", (760, 600)) == {}


def test_dark(qtbot, on_loopback, screenshot):
    app = QApplication.instance()
    old = app.palette()
    app.setPalette(dark_palette())
    try:
        assert look_at_states(qtbot, on_loopback, screenshot, "dark", (760, 600)) == {}
    finally:
        app.setPalette(old)


def test_smallest_window(qtbot, on_loopback, screenshot):
    size = (MINIMUM_SIZE.width(), MINIMUM_SIZE.height())
    assert look_at_states(qtbot, on_loopback, screenshot, "smallest", size) == {}


def test_double_size_text(qtbot, on_loopback, screenshot):
    app = QApplication.instance()
    old = app.font()
    big = app.font()
    big.setPointSizeF(old.pointSizeF() * 2)
    app.setFont(big)
    try:
        assert look_at_states(qtbot, on_loopback, screenshot, "font200", (1400, 1100)) == {}
    finally:
        app.setFont(old)
