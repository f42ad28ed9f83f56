"""Readable at 200 % and in a dark palette: nothing clipped, colours that still contrast."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from wizard.flow import WizardFlow
from wizard.provider import load_default_provider
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = pytest.mark.gui


def clipped_labels(root) -> list[str]:
    """Word-wrapped labels given less height than their text needs at their width."""
    bad = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.wordWrap() or not label.text():
            continue
        need = label.heightForWidth(label.width())
        if need > label.height() + 1:
            bad.append(f"{label.text()[:40]!r}: {label.height()} < {need}")
    return bad


def dark_palette() -> QPalette:
    p = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#2b2c2f"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#303134"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
    ):
        p.setColor(role, QColor(color))
    return p


@pytest.fixture
def wizard_at(qtbot):
    def make(width: int, height: int) -> MailSetupWizard:
        wiz = MailSetupWizard(WizardFlow(load_default_provider(), platform="darwin"))
        qtbot.addWidget(wiz)
        wiz.resize(width, height)
        wiz.show()
        qtbot.waitExposed(wiz)
        return wiz

    return make


def walk_offline_pages(wiz: MailSetupWizard, shoot, prefix: str) -> None:
    shoot(wiz, f"{prefix}-welcome")
    assert not clipped_labels(wiz)
    wiz.next()
    page = wiz.account_page
    page.name.setText("Zoë O'Brien")
    page.address.setText("zoe.obrien@example.org")
    page.password.setText("x")
    shoot(wiz, f"{prefix}-account")
    assert not clipped_labels(wiz)
    wiz.flow.set_account("Zoë O'Brien", "zoe.obrien@example.org", "x")
    for cid in ("apple_mail", "windows_mail"):
        wiz.flow.choose_client(cid)
        wiz.setup_page.initializePage()
        shoot(wiz.setup_page, f"{prefix}-setup-{cid}")
        assert "zoe.obrien@example.org" in wiz.setup_page.view.toPlainText()


def test_dark_palette_keeps_text_readable(qtbot, wizard_at, screenshot):
    app = QApplication.instance()
    old = app.palette()
    app.setPalette(dark_palette())
    try:
        wiz = wizard_at(760, 600)
        walk_offline_pages(wiz, screenshot, "dark")
        warning = wiz.account_page.domain_warning
        assert warning.isVisible()
        fg = QColor(warning.styleSheet().split("color:")[1].split(";")[0].strip())
        bg = wiz.palette().color(QPalette.ColorRole.Window)
        assert abs(fg.lightness() - bg.lightness()) > 100
    finally:
        app.setPalette(old)


def test_double_size_text_still_fits(qtbot, wizard_at, screenshot):
    app = QApplication.instance()
    old = app.font()
    big = app.font()
    big.setPointSizeF(old.pointSizeF() * 2)
    app.setFont(big)
    try:
        wiz = wizard_at(1400, 1100)
        walk_offline_pages(wiz, screenshot, "font200")
    finally:
        app.setFont(old)


def test_200_percent_scale_factor_renders_every_offline_page(tmp_path: Path):
    """A separate process, since Qt reads QT_SCALE_FACTOR only at start-up."""
    out = tmp_path / "shots"
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtWidgets import QApplication
        from wizard.flow import WizardFlow
        from wizard.provider import load_default_provider
        from wizard.ui.wizard_window import MailSetupWizard
        app = QApplication([])
        wiz = MailSetupWizard(WizardFlow(load_default_provider()))
        wiz.show()
        app.processEvents()
        assert wiz.devicePixelRatio() == 2.0, wiz.devicePixelRatio()
        import pathlib
        out = pathlib.Path({str(out)!r}); out.mkdir()
        wiz.grab().save(str(out / "scale200-welcome.png"))
        wiz.next(); app.processEvents()
        wiz.grab().save(str(out / "scale200-account.png"))
        print("ok")
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
    assert r.returncode == 0, r.stderr
    noise = [ln for ln in r.stderr.splitlines() if "propagateSizeHints" not in ln and ln.strip()]
    assert not noise, noise
    assert (out / "scale200-account.png").stat().st_size > 5000
