"""Readable at 200 %, at the smallest window and in a dark palette: nothing clipped, AA contrast.

Every offline page in each of its states is measured with tests/support/looks.py: each label's
size hint (or height for its width) against the room it got, and the WCAG contrast of its text
against its background. The checking page's states need Dovecot: tests/test_gui_checking_looks.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLineEdit,
    QStyle,
    QWizard,
)

from tests.support.looks import (
    clipped,
    contrast,
    low_contrast,
    primary_buttons,
    weak_outlines,
    weak_primary_text,
)
from tests.support.memory_keyring import MemoryKeyring
from wizard.account.store import AccountStore
from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.flow import Page, WizardFlow
from wizard.provider import load_default_provider
from wizard.services import Security, Service
from wizard.ui.headings import heading_label
from wizard.ui.wizard_window import MINIMUM_SIZE, MailSetupWizard

pytestmark = pytest.mark.gui

Shoot = Callable[[object, str], None]


def dark_palette() -> QPalette:
    """A dark desktop palette with what real ones set too: links and disabled colours."""
    p = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#2b2c2f"),
        (QPalette.ColorRole.AlternateBase, "#303134"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#303134"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.HighlightedText, "#202124"),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
        (QPalette.ColorRole.Link, "#8ab4f8"),
        (QPalette.ColorRole.LinkVisited, "#c58af9"),
        (QPalette.ColorRole.ToolTipBase, "#303134"),
        (QPalette.ColorRole.ToolTipText, "#e8eaed"),
    ):
        p.setColor(role, QColor(color))
    for role, color in (
        (QPalette.ColorRole.WindowText, "#7c7f84"),
        (QPalette.ColorRole.Text, "#7c7f84"),
        (QPalette.ColorRole.ButtonText, "#6b6e73"),
        (QPalette.ColorRole.Button, "#26272a"),
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return p


def result(service: Service, ok: bool, **kw: object) -> CheckResult:
    return CheckResult(
        service, "my.sepheo.co", 993, Security.TLS, "zoe.obrien@sepheo.co", ok=ok, **kw
    )


GOOD = [result(s, True) for s in (Service.IMAP, Service.SMTP, Service.SIEVE)]
REFUSED = [
    result(s, False, cause=Cause.AUTH_FAILED, message="No.")
    for s in (Service.IMAP, Service.SMTP, Service.SIEVE)
]


@pytest.fixture
def wizard_at(qtbot, tmp_path) -> Callable[[int, int], MailSetupWizard]:
    # A keychain is present (in memory): the account page shows the remember-password row.
    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())

    def make(width: int, height: int) -> MailSetupWizard:
        flow = WizardFlow(load_default_provider(), platform="darwin", store=store)
        wiz = MailSetupWizard(flow)
        qtbot.addWidget(wiz)
        wiz.resize(width, height)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return make


def offline_states(wiz: MailSetupWizard) -> Iterator[str]:
    """Put the window through every page and state that needs no server; yield each's name."""
    yield "welcome"
    wiz.next()
    page = wiz.account_page
    page.name.setText("Zoë O'Brien")
    page.address.setText("zoe.obrien@example.org")  # another domain: the warning shows
    page.password.setText("x")
    page._caps_changed(True)
    assert page.remember_box.isVisible() and page.remember_box.isEnabled()
    yield "account"
    flow = wiz.flow
    flow.set_account("Zoë O'Brien", "zoe.obrien@sepheo.co", "x")
    flow.checks_finished(GOOD)
    show(wiz, Page.CLIENT)
    yield "client"
    for cid in ("apple_mail", "outlook_classic", "windows_mail", "thunderbird"):
        flow.choose_client(cid)
        show(wiz, Page.SETUP)
        yield f"setup-{cid}"
    flow.choose_client("outlook_new")
    show(wiz, Page.DONE)
    yield "done-ready"
    flow.checks_finished(REFUSED)
    flow.choose_continue_anyway(True)
    show(wiz, Page.DONE)
    yield "done-not-finished"


def show(wiz: MailSetupWizard, page_id: Page) -> None:
    """Open ``page_id`` (initialised from the flow) without running the checks before it."""
    wiz.setStartId(int(page_id))
    wiz.restart()
    QApplication.processEvents()


def look_at_every_state(wiz: MailSetupWizard, shoot: Shoot, prefix: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for state in offline_states(wiz):
        QApplication.processEvents()
        shoot(wiz, f"{prefix}-{state}")
        bad = clipped(wiz) + low_contrast(wiz) + weak_outlines(wiz) + one_primary(wiz)
        bad += weak_primary_text(wiz)
        if bad:
            problems[state] = bad
    return problems


def one_primary(wiz: MailSetupWizard) -> list[str]:
    """Exactly one main action is shown, and it is the default button (Enter presses it)."""
    primaries = primary_buttons(wiz)
    if len(primaries) != 1:
        return [f"main actions: {[b.text() for b in primaries]}"]
    main = primaries[0]
    if not main.isDefault():
        return [f"main action {main.text()!r} is not the default button"]
    focus = QApplication.focusWidget()
    typing_or_choosing = isinstance(focus, QLineEdit | QAbstractButton) and focus is not main
    if main.isEnabled() and focus is not main and not typing_or_choosing:
        return [f"the focus is on {focus!r}, not on {main.text()!r} or a field"]
    return []


def test_every_page_has_one_header_style(wizard_at):
    wiz = wizard_at(760, 600)
    assert wiz.wizardStyle() in (QWizard.WizardStyle.ClassicStyle, QWizard.WizardStyle.ModernStyle)
    for page_id, page in wiz.pages.items():
        assert page.title(), page_id
        assert page.subTitle() == "", f"{page_id.name} has a subtitle: a second header style"


def test_light_palette_every_page_unclipped_and_readable(qtbot, wizard_at, screenshot):
    wiz = wizard_at(760, 600)
    assert look_at_every_state(wiz, screenshot, "light") == {}


def test_dark_palette_sets_links_and_disabled_and_every_page_meets_aa(qtbot, wizard_at, screenshot):
    app = QApplication.instance()
    old = app.palette()
    app.setPalette(dark_palette())
    try:
        wiz = wizard_at(760, 600)
        pal = wiz.palette()
        # Links readable on the text background; a disabled Next looks disabled.
        assert (
            contrast(pal.color(QPalette.ColorRole.Link), pal.color(QPalette.ColorRole.Base)) >= 4.5
        )
        enabled = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
        disabled = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        assert abs(enabled.lightness() - disabled.lightness()) > 80
        assert look_at_every_state(wiz, screenshot, "dark") == {}
    finally:
        app.setPalette(old)


def test_smallest_supported_window_clips_nothing(qtbot, wizard_at, screenshot):
    wiz = wizard_at(MINIMUM_SIZE.width(), MINIMUM_SIZE.height())
    assert wiz.minimumSize() == MINIMUM_SIZE
    wiz.resize(100, 100)
    assert wiz.size() == MINIMUM_SIZE  # the window cannot be made smaller than laid out for
    assert look_at_every_state(wiz, screenshot, "smallest") == {}


def test_double_size_text_clips_nothing(qtbot, wizard_at, screenshot):
    app = QApplication.instance()
    old = app.font()
    big = app.font()
    big.setPointSizeF(old.pointSizeF() * 2)
    app.setFont(big)
    try:
        wiz = wizard_at(1400, 1100)
        # Indicators, button padding and the heading grow with the text (not 14 px and +4 pt).
        style, line = wiz.style(), wiz.fontMetrics().height()
        box = QCheckBox("x", wiz)
        assert style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, box) >= 0.8 * line
        assert style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, None, box) >= 0.45 * line
        box.deleteLater()
        heading = heading_label(wiz)
        assert heading is not None
        assert heading.font().pointSizeF() >= 1.4 * wiz.font().pointSizeF()
        assert look_at_every_state(wiz, screenshot, "font200") == {}
    finally:
        app.setFont(old)


def test_200_percent_scale_factor_clips_nothing_on_the_offline_pages(tmp_path: Path, request):
    """A separate process, since Qt reads QT_SCALE_FACTOR only at start-up."""
    out = Path(request.config.getoption("--screenshots") or tmp_path / "shots")
    script = textwrap.dedent(
        f"""
        import pathlib, sys
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from PySide6.QtWidgets import QApplication
        from tests.support.looks import clipped
        from wizard.flow import Page, WizardFlow
        from wizard.provider import load_default_provider
        from wizard.ui.wizard_window import MINIMUM_SIZE, MailSetupWizard
        app = QApplication([])
        wiz = MailSetupWizard(WizardFlow(load_default_provider()))
        wiz.resize(MINIMUM_SIZE)
        wiz.show()
        app.processEvents()
        assert wiz.devicePixelRatio() == 2.0, wiz.devicePixelRatio()
        out = pathlib.Path({str(out)!r}); out.mkdir(parents=True, exist_ok=True)
        bad = []
        # By name: the checking page (it would start a check) is left out.
        shown = (Page.WELCOME, Page.ACCOUNT, Page.MAIL_PROGRAMS, Page.CLIENT, Page.SETUP)
        for page_id in (int(p) for p in shown):
            wiz.setStartId(page_id)
            wiz.restart()
            app.processEvents()
            wiz.grab().save(str(out / f"scale200-page{{page_id}}.png"))
            bad += [f"{{page_id}}: {{b}}" for b in clipped(wiz)]
        print("BAD", bad) if bad else print("ok")
        sys.exit(1 if bad else 0)
        """
    )
    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    noise = [ln for ln in r.stderr.splitlines() if "propagateSizeHints" not in ln and ln.strip()]
    assert not noise, noise
