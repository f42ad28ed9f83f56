"""Issue 28 items 1 and 5: a password is masked where it is written down, server text that
echoes it is masked per field, the app's own words never are, and a password with a line break
or another control character is refused where it is typed (real Dovecot; GUI offscreen)."""

from __future__ import annotations

import ssl
import urllib.parse
from pathlib import Path

import pytest
import trustme

from tests.support.checks import check_all, check_one
from tests.support.cli import diagnose
from tests.support.dovecot_server import GOOD_USER
from tests.support.fake_servers import InjectingImapServer, write_hostile_provider
from wizard.checks.model import Direction
from wizard.flow import WizardFlow
from wizard.password_rules import CONTROL_CHARACTERS
from wizard.provider import load_default_provider, load_provider
from wizard.report import mailto_link, make_report, render_json_text, render_text, scrub

PASTED = "Tr0ub4dor&3\r\n"  # a line copied on Windows, line break and all
WEAK_USER, WEAK = "mail.reader@sepheo.co", "mail"


def _everything(provider, address, results) -> str:
    report = make_report(address, provider, results)
    text = render_text(report)
    link = mailto_link(report, text) or ""
    transcript = "\n".join(t.text for r in results for t in r.transcript)
    return "\n".join([text, render_json_text(report), link, urllib.parse.unquote(link), transcript])


@pytest.mark.dovecot
def test_a_password_pasted_with_its_line_break_never_reaches_the_report(dovecot, tmp_path):
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    results = check_all(provider, GOOD_USER, PASTED, ca_file=dovecot.ca_pem)
    assert {r.cause for r in results} == {"auth_failed"}
    everything = _everything(provider, GOOD_USER, results)
    assert "Tr0ub4dor" not in everything and "4dor&3" not in everything
    imap_sent = [t.text for t in results[0].transcript if t.direction is Direction.SENT]
    # Not a quoted string it could split: it went as AUTHENTICATE PLAIN, masked whole.
    assert any("AUTHENTICATE PLAIN ********" in t for t in imap_sent), imap_sent
    assert not any(" LOGIN " in t for t in imap_sent)


@pytest.mark.dovecot
def test_a_weak_password_is_masked_only_where_it_was_sent(dovecot_factory, tmp_path):
    server = dovecot_factory(users={WEAK_USER: WEAK})
    provider = load_provider(server.write_provider(tmp_path / "p.xml"))
    results = check_all(provider, WEAK_USER, WEAK, ca_file=server.ca_pem)
    assert all(r.ok for r in results), [(r.service, r.cause, r.steps[-1].detail) for r in results]
    for r in results:
        assert r.username == WEAK_USER
        login = next(s for s in r.steps if s.name.value == "login")
        assert login.detail.startswith(f"logged in as {WEAK_USER}"), login.detail
        sent = [t.text for t in r.transcript if t.direction is Direction.SENT]
        assert any("********" in t for t in sent), sent  # the credential, masked
        assert not any("********.reader" in t for t in sent), sent  # the login, not
        notes = [t.text for t in r.transcript if t.direction is Direction.NOTE]
        assert not any("********" in t for t in notes), notes  # the app's own words
    # The last pass before the report leaves the app (Copy, Save, Email) keeps the app's words.
    text = render_text(make_report(WEAK_USER, provider, results))
    scrubbed = scrub(text, WEAK, WEAK_USER)
    assert "receiving mail" in text  # the app's own words hold the password "mail"
    assert scrubbed == text  # every field was masked as it came in; the app's words stay
    assert "C: " in scrubbed and "********" in scrubbed  # the sent credential stays masked


def test_server_text_that_echoes_the_password_is_masked_per_field(
    test_ca: trustme.CA, tmp_path: Path
) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    test_ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_pem = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_pem))
    echo = b'NO [ALERT] Password "s3cr3t-Echo" has expired, mail us'
    with InjectingImapServer(ctx, login_reply=echo) as fake:
        provider = load_provider(
            write_hostile_provider(
                tmp_path,
                "127.0.0.1",
                imap=(fake.port, "STARTTLS"),
                smtp=(9, "STARTTLS"),
                sieve=(9, "STARTTLS"),
            )
        )
        r = check_one(
            provider, provider.imap, "someone@hostile.test", "s3cr3t-Echo", ca_file=ca_pem
        )
    assert r.server_alert == 'Password "********" has expired, mail us'
    assert "s3cr3t-Echo" not in r.steps[-1].detail and "s3cr3t-Echo" not in r.server_text
    assert all("s3cr3t-Echo" not in line for line in r.server_responses)


def test_the_flow_refuses_a_password_with_control_characters_and_keeps_nothing() -> None:
    flow = WizardFlow(load_default_provider(), platform="linux")
    for bad in (PASTED, "pass\nword", "tab\there", "esc\x1b[2J", "c1\x9b"):
        v = flow.set_account("Joe Bloggs", GOOD_USER, bad)
        assert not v.ok and v.password_error == CONTROL_CHARACTERS, repr(bad)
        assert flow.account.password == ""
    assert flow.set_account("Joe Bloggs", GOOD_USER, "fine pässword 42").ok


@pytest.mark.dovecot
def test_the_cli_refuses_a_password_with_a_control_character_on_stdin(dovecot, provider_file):
    r = diagnose(dovecot, provider_file, "Tr0ub4dor&3\rmore")
    assert r.returncode == 2
    assert "control character" in r.stderr
    assert "Tr0ub4dor" not in r.stdout + r.stderr


@pytest.mark.gui
def test_a_pasted_password_with_its_line_break_is_refused_on_the_account_page(qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    from wizard.ui.wizard_window import MailSetupWizard

    wiz = MailSetupWizard(WizardFlow(load_default_provider(), platform="linux"))
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    wiz.next()  # welcome -> account
    page = wiz.account_page
    page.name.setText("Joe Bloggs")
    page.address.setText(GOOD_USER)
    QGuiApplication.clipboard().setText(PASTED)  # a line copied on Windows
    page.password.setFocus()
    page.password.paste()
    assert page.password.text() == PASTED  # the box keeps the line break (Qt does)
    assert not page.isComplete()  # Next stays disabled
    # The flow's message sits under the password box, which is marked and described by it.
    assert page.password_error.isVisible() and not page.address_error.isVisible()
    assert page.password_error.text() == CONTROL_CHARACTERS
    assert page.password.property("invalid") is True
    assert page.password.accessibleDescription() == CONTROL_CHARACTERS
    assert not page.validatePage()
    assert wiz.flow.account.password == ""  # nothing kept, so nothing can reach a report


def test_a_command_is_masked_whole_before_it_is_split_into_lines() -> None:
    from wizard.checks.redact import CommandMasker

    masked = CommandMasker(PASTED, GOOD_USER)(f'a1 LOGIN "{GOOD_USER}" "{PASTED}"\r\n')
    assert masked == f'a1 LOGIN "{GOOD_USER}" ********\r\n'
    weak = CommandMasker(WEAK, WEAK_USER)
    assert weak(f"MAIL FROM:<{WEAK_USER}>") == f"MAIL FROM:<{WEAK_USER}>"


def test_the_last_pass_masks_a_strong_password_anywhere_and_encoded_forms_always() -> None:
    import base64

    from wizard.report import scrub

    sasl = base64.b64encode(f"\0{WEAK_USER}\0{WEAK}".encode()).decode()
    assert scrub(f"Incoming mail; AUTH PLAIN {sasl}", WEAK, WEAK_USER) == (
        "Incoming mail; AUTH PLAIN ********"
    )
    assert scrub("note: Tr0ub4dor&3 echoed", "Tr0ub4dor&3") == "note: ******** echoed"
