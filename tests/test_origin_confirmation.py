"""Nothing is sent to servers a planted provider file names until the person agrees (issue 27).

The rule (wizard.origin_gate) in plain pytest; the CLI's refusal and --accept-untrusted, and the
GUI's confirmation, against the real Dovecot: its own log proves no login arrived before the
yes, and none after a no. Dovecot's test host is ``localhost``, outside the address's
``sepheo.co``: a file naming it from a user-writable place is exactly the planted file.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

import wizard.provider_source as provider_source
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from tests.support.gui import fill_account
from tests.support.log_lines import wait_until_logged
from wizard import cli
from wizard.checks.options import CheckOptions
from wizard.flow import CheckState, Page, WizardFlow
from wizard.provider import load_default_provider, load_provider
from wizard.report import make_report, render_json, render_text
from wizard.trust import BUILTIN_PLACE, PlaceKind, ProviderPlace
from wizard.ui.wizard_window import MailSetupWizard
from wizard.ui_text.trust import REFUSED, cli_refusal, confirmation


def logins(dovecot) -> int:
    """Every login and every connection a login service saw, so far."""
    log = dovecot.log_text()
    return log.count("Login: user=") + log.count("-login: Disconnected")


# -- the rule --------------------------------------------------------------------------------


def planted_flow(dovecot, tmp_path: Path) -> WizardFlow:
    f = dovecot.write_provider(tmp_path / "provider.xml")
    flow = WizardFlow(load_provider(f), platform="linux", place=ProviderPlace(PlaceKind.USER, f))
    assert flow.set_account("Joe Bloggs", GOOD_USER, GOOD_PASSWORD).ok
    return flow


def test_a_confirmation_holds_for_these_servers_and_this_domain_only(dovecot, tmp_path: Path):
    flow = planted_flow(dovecot, tmp_path)
    assert not flow.settings_origin.trusted
    assert flow.origin_needs_confirmation
    flow.confirm_origin()
    assert not flow.origin_needs_confirmation
    # Another address's domain asks again.
    assert flow.set_account("Jane", "jane@example.org", GOOD_PASSWORD).ok
    assert flow.origin_needs_confirmation
    # The same domain again needs no second question.
    assert flow.set_account("Joe", GOOD_USER, GOOD_PASSWORD).ok
    assert not flow.origin_needs_confirmation


def test_a_refusal_is_remembered_and_a_later_yes_clears_it(dovecot, tmp_path: Path):
    flow = planted_flow(dovecot, tmp_path)
    flow.refuse_origin()
    assert flow.origin_gate.refused and flow.origin_needs_confirmation
    flow.confirm_origin()
    assert not flow.origin_gate.refused and not flow.origin_needs_confirmation


@pytest.mark.parametrize("kind", [PlaceKind.ADMIN, PlaceKind.EXPLICIT])
def test_admin_placed_and_named_files_need_no_confirmation(dovecot, tmp_path: Path, kind):
    f = dovecot.write_provider(tmp_path / "provider.xml")
    flow = WizardFlow(load_provider(f), platform="linux", place=ProviderPlace(kind, f))
    assert flow.set_account("Joe", GOOD_USER, GOOD_PASSWORD).ok
    assert flow.settings_origin.trusted and not flow.origin_needs_confirmation


def test_the_built_in_settings_need_no_confirmation():
    flow = WizardFlow(load_default_provider(), platform="linux")
    assert flow.origin_gate.place == BUILTIN_PLACE
    assert flow.set_account("Joe", "joe@elsewhere.example", "pw").ok
    assert not flow.origin_needs_confirmation


def test_the_question_names_the_organisation_and_the_servers_domain_in_full(
    dovecot, tmp_path: Path
):
    flow = planted_flow(dovecot, tmp_path)
    words = confirmation(flow.provider, GOOD_USER, flow.settings_origin)
    assert flow.provider.branding.organization in words.body
    assert "localhost" in words.body and "not sepheo.co" in words.body
    assert str(tmp_path / "provider.xml") in words.body
    assert words.send == "Send my password to localhost"


# -- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def planted(dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A provider.xml in a user-writable place, found without --provider (as beside the
    executable of an unpacked build)."""
    f = dovecot.write_provider(tmp_path / "provider.xml")
    monkeypatch.setattr(
        provider_source,
        "override_provider_places",
        lambda: [ProviderPlace(PlaceKind.USER, f)],
    )
    return f


def diagnose_in_process(
    dovecot, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> tuple[int, io.StringIO]:
    stdin = io.StringIO(GOOD_PASSWORD + "\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    code = cli.main(
        ["diagnose", GOOD_USER, "--ca-file", str(dovecot.ca_pem), "--password-stdin", *extra]
    )
    return code, stdin


@pytest.mark.dovecot
def test_cli_refuses_a_planted_file_and_nothing_reaches_the_server(
    dovecot, planted: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    before = logins(dovecot)
    code, stdin = diagnose_in_process(dovecot, monkeypatch, "--json")
    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT
    assert err.startswith("error: the settings at ") and "--accept-untrusted" in err
    assert "localhost" in err and "nothing was sent" in err
    assert stdin.tell() == 0  # refused before the password was even read
    assert logins(dovecot) == before


@pytest.mark.dovecot
def test_cli_with_accept_untrusted_checks_and_reports_the_origin(
    dovecot, planted: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    code, _ = diagnose_in_process(dovecot, monkeypatch, "--json", "--accept-untrusted")
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK, out
    data = json.loads(out)
    assert data["settings_origin"] == {
        "kind": "provider",
        "where": str(planted.resolve()),
        "trusted": False,
    }


@pytest.mark.dovecot
def test_cli_named_file_is_not_asked_about(
    dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    f = dovecot.write_provider(tmp_path / "named.xml")
    code, _ = diagnose_in_process(dovecot, monkeypatch, "--json", "--provider", str(f))
    assert code == cli.EXIT_OK
    origin = json.loads(capsys.readouterr().out)["settings_origin"]
    assert origin == {"kind": "provider", "where": str(f.resolve()), "trusted": True}


def test_the_report_text_says_where_the_settings_came_from():
    flow = WizardFlow(load_default_provider(), platform="linux")
    assert flow.set_account("Joe", GOOD_USER, "pw").ok
    report = make_report(GOOD_USER, flow.provider, [], origin=flow.settings_origin)
    assert "\nSettings:  built in (builtin; trusted: part of the signed app)\n" in render_text(
        report
    )
    assert render_json(report)["settings_origin"] == {
        "kind": "builtin",
        "where": "built in",
        "trusted": True,
    }


def test_the_cli_refusal_names_the_file_the_domain_and_the_way_on(dovecot, tmp_path: Path):
    flow = planted_flow(dovecot, tmp_path)
    text = cli_refusal(flow.provider, GOOD_USER, flow.settings_origin)
    assert str(tmp_path / "provider.xml") in text
    assert "outside sepheo.co" in text and text.endswith("--accept-untrusted")


# -- the GUI ---------------------------------------------------------------------------------


@pytest.fixture
def planted_wizard(qtbot, dovecot, tmp_path: Path) -> MailSetupWizard:
    flow = planted_flow(dovecot, tmp_path)
    flow.account.address = ""  # the person types it on the account page
    wiz = MailSetupWizard(flow, options=CheckOptions(ca_file=dovecot.ca_pem, timeout=10))
    qtbot.addWidget(wiz)
    wiz.resize(760, 600)
    wiz.show()
    qtbot.waitExposed(wiz)
    return wiz


@pytest.mark.gui
@pytest.mark.dovecot
def test_gui_sends_no_login_before_the_person_agrees(qtbot, dovecot, planted_wizard, screenshot):
    wiz = planted_wizard
    page = wiz.checking_page
    before = logins(dovecot)
    fill_account(qtbot, wiz)
    wiz.next()  # account -> checking: the run waits for the answer
    assert wiz.currentId() == Page.CHECKING
    assert page.origin_question.isVisible()
    assert page.status.text() == "Send your password to these servers?"
    assert page.origin_question.refuse_button.hasFocus()  # Enter never sends
    assert page.run.worker is None
    screenshot(wiz, "origin-question")
    qtbot.wait(1500)  # a run started by mistake would have logged in by now
    assert logins(dovecot) == before
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()

    with qtbot.waitSignal(page.checks_done, timeout=20000):
        qtbot.mouseClick(page.origin_question.send_button, Qt.MouseButton.LeftButton)
    assert wiz.flow.check_state is CheckState.PASSED
    assert not page.origin_question.isVisible()
    wait_until_logged(dovecot.log_text, lambda log: logins(dovecot) > before)


@pytest.mark.gui
@pytest.mark.dovecot
def test_gui_refusal_sends_nothing_and_says_so(qtbot, dovecot, planted_wizard):
    wiz = planted_wizard
    page = wiz.checking_page
    before = logins(dovecot)
    fill_account(qtbot, wiz)
    assert "Settings found at" in wiz.welcome_page.origin.text()
    wiz.next()
    qtbot.mouseClick(page.origin_question.refuse_button, Qt.MouseButton.LeftButton)
    assert page.origin_question.body.text() == REFUSED
    assert not page.origin_question.send_button.isVisible()
    assert wiz.flow.origin_gate.refused
    qtbot.wait(1500)
    assert page.run.worker is None and logins(dovecot) == before
    assert wiz.flow.check_state is CheckState.NOT_STARTED
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()


@pytest.mark.gui
@pytest.mark.dovecot
def test_gui_admin_placed_file_runs_without_a_question(qtbot, dovecot, tmp_path: Path):
    f = dovecot.write_provider(tmp_path / "provider.xml")
    flow = WizardFlow(load_provider(f), platform="linux", place=ProviderPlace(PlaceKind.ADMIN, f))
    wiz = MailSetupWizard(flow, options=CheckOptions(ca_file=dovecot.ca_pem, timeout=10))
    qtbot.addWidget(wiz)
    wiz.show()
    fill_account(qtbot, wiz)
    with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=20000):
        wiz.next()
    assert not wiz.checking_page.origin_question.isVisible()
    assert flow.check_state is CheckState.PASSED


def test_thunderbird_cli_writes_no_account_for_a_planted_file(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    profile = tmp_path / "profile"
    profile.mkdir()
    code = cli.main(["thunderbird", GOOD_USER, "--name", "Joe Bloggs", "--profile", str(profile)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT
    assert "nothing was written" in err and "--accept-untrusted" in err
    assert list(profile.iterdir()) == []


def test_an_origin_judged_by_discovery_is_asked_about_the_same_way():
    from wizard.trust import OriginKind, SettingsOrigin

    flow = WizardFlow(load_default_provider(), platform="linux")
    assert flow.set_account("Joe", GOOD_USER, "pw").ok
    assert not flow.origin_needs_confirmation
    flow.origin_gate.known = SettingsOrigin(
        OriginKind.AUTOCONFIG, "http://autoconfig.sepheo.co/mail/config-v1.1.xml", False
    )
    assert flow.settings_origin.kind is OriginKind.AUTOCONFIG
    assert flow.origin_needs_confirmation
    flow.confirm_origin()
    assert not flow.origin_needs_confirmation
