"""Keyboard access (unique mnemonics per page) and the files the wizard saves."""

from __future__ import annotations

import plistlib
import re
import subprocess

import pytest
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel, QWizard

from wizard.flow import Page, WizardFlow
from wizard.provider import load_default_provider
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = pytest.mark.gui


@pytest.fixture
def wiz(qtbot):
    w = MailSetupWizard(WizardFlow(load_default_provider(), platform="darwin"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.flow.set_account('Zoë "Z" <O\'Brien> & Co', "zoe.obrien@sepheo.co", "not-written")
    return w


def mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&\s])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def test_every_page_has_unique_mnemonics_including_the_wizard_buttons(wiz):
    for page_id in Page:
        page = wiz.page(int(page_id))
        last = (
            QWizard.WizardButton.FinishButton
            if page_id is Page.DONE
            else QWizard.WizardButton.NextButton
        )
        nav = [wiz.button(QWizard.WizardButton.BackButton), wiz.button(last)]
        widgets = page.findChildren(QAbstractButton) + page.findChildren(QLabel) + nav
        keys = [mnemonic(w.text()) for w in widgets if mnemonic(w.text())]
        dupes = {k for k in keys if keys.count(k) > 1}
        assert not dupes, (page_id.name, dupes, keys)


def test_apple_mail_page_saves_a_profile_without_the_password(wiz, tmp_path, monkeypatch):
    target = tmp_path / "mail.mobileconfig"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    wiz.flow.choose_client("apple_mail")
    wiz.setup_page.initializePage()
    assert not wiz.setup_page.profile_button.isHidden()
    wiz.setup_page.profile_button.click()
    profile = plistlib.loads(target.read_bytes())
    assert "not-written" not in target.read_bytes().decode("utf-8", "replace")
    assert profile["PayloadContent"][0]["EmailAddress"] == "zoe.obrien@sepheo.co"
    assert "Privacy & Security" in wiz.setup_page.view.toPlainText()  # how to install it


def test_done_page_saves_the_handout_as_pdf_and_html(wiz, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    wiz.done_page.initializePage()
    wiz.done_page.handout_button.click()
    pdfs = list(tmp_path.glob("*.pdf"))
    htmls = list(tmp_path.glob("*.html"))
    assert len(pdfs) == 1 and len(htmls) == 1
    assert "Saved" in wiz.done_page.handout_status.text()
    html = htmls[0].read_text()
    assert "&lt;O&#x27;Brien&gt; &amp; Co" in html or "&lt;O'Brien&gt; &amp; Co" in html
    assert "not-written" not in html
    text = subprocess.run(
        ["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=False
    ).stdout
    if text:  # poppler is installed by tests/run_all.sh
        assert "zoe.obrien@sepheo.co" in text and "my.sepheo.co" in text
        assert "not-written" not in text
