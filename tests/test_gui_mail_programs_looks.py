"""The mail-program diagnosis page's states, looked at (issue 29 item 7): light, dark, 200 %
text and the smallest window, with the appearance tests' rules (nothing clipped, AA contrast,
outlines, one main action and it is the default button). ``--screenshots DIR`` saves each.

Against the real Dovecot and a Thunderbird profile with wrong settings, as
tests/test_gui_mail_programs.py drives it: wrong settings, then the old saved password, then
all right.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtWidgets import QApplication

from tests import test_gui_mail_programs as gm
from tests.support.gui import fill_account, run_checks_and_wait
from tests.support.looks import clipped, low_contrast, weak_outlines, weak_primary_text
from tests.test_gui_appearance import dark_palette, one_primary
from wizard.checks.options import CheckOptions
from wizard.flow import Page, WizardFlow
from wizard.provider import load_provider
from wizard.ui.wizard_window import MINIMUM_SIZE, MailSetupWizard

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]

home = gm.home  # the Thunderbird profile with wrong settings (a fixture)


@contextmanager
def dark() -> Iterator[None]:
    app = QApplication.instance()
    old = app.palette()
    app.setPalette(dark_palette())
    try:
        yield
    finally:
        app.setPalette(old)


@contextmanager
def big_text() -> Iterator[None]:
    app = QApplication.instance()
    old = app.font()
    big = app.font()
    big.setPointSizeF(old.pointSizeF() * 2)
    app.setFont(big)
    try:
        yield
    finally:
        app.setFont(old)


@contextmanager
def as_is() -> Iterator[None]:
    yield


LOOKS = {
    "light": (as_is, (760, 600)),
    "dark": (dark, (760, 600)),
    "font200": (big_text, (1400, 1100)),
    "smallest": (as_is, (MINIMUM_SIZE.width(), MINIMUM_SIZE.height())),
}


def problems(wiz: MailSetupWizard) -> list[str]:
    QApplication.processEvents()
    bad = clipped(wiz) + low_contrast(wiz) + weak_outlines(wiz) + one_primary(wiz)
    return bad + weak_primary_text(wiz)


@pytest.mark.parametrize("look", list(LOOKS))
def test_mail_program_states(qtbot, dovecot, tmp_path, home, screenshot, look):
    context, size = LOOKS[look]
    with context():
        provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
        wiz = MailSetupWizard(
            WizardFlow(provider, platform="linux"), options=CheckOptions(ca_file=dovecot.ca_pem)
        )
        qtbot.addWidget(wiz)
        wiz.resize(*size)
        wiz.show()
        qtbot.waitExposed(wiz)
        wiz.welcome_page.diagnose.setChecked(True)
        fill_account(qtbot, wiz)
        run_checks_and_wait(qtbot, wiz)
        wiz.next()
        assert wiz.currentId() == int(Page.MAIL_PROGRAMS)
        page = wiz.pages[Page.MAIL_PROGRAMS]
        found: dict[str, list[str]] = {}

        def state(name: str, words: str) -> None:
            qtbot.waitUntil(lambda: words in page.headline.text(), timeout=10000)
            screenshot(wiz, f"{look}-mail-programs-{name}")
            if bad := problems(wiz):
                found[name] = bad

        state("wrong-settings", "wrong settings")
        page.details_button.click()
        state("wrong-settings-details", "wrong settings")
        page.details_button.click()
        page.action.click()
        state("saved-password", "old saved password")
        page.action.click()
        state("all-right", "set up right")
        assert found == {}
