"""The checking page's and the last page's words for each check state, without Qt."""

from __future__ import annotations

import re

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.flow import AccountField, WizardFlow
from wizard.provider import load_default_provider
from wizard.services import Security, Service
from wizard.ui_text.checking import Action, Tone, checking_text, one_fix
from wizard.ui_text.done import done_text

ADDRESS = "joe.bloggs@sepheo.co"
JARGON = re.compile(
    r"IMAP|SMTP|Sieve|STARTTLS|\bport\b|localhost|\d+ ms|provider file|lockout", re.I
)


def result(service: Service, ok: bool, *, username: str = ADDRESS, **kw: object) -> CheckResult:
    return CheckResult(service, "my.sepheo.co", 993, Security.TLS, username, ok=ok, **kw)


def flow() -> WizardFlow:
    f = WizardFlow(load_default_provider())
    f.set_account("Joe", ADDRESS, "pw")
    return f


def refused(f: WizardFlow, username: str = ADDRESS) -> None:
    f.checks_finished(
        [
            result(Service.IMAP, False, username=username, cause=Cause.AUTH_FAILED, message="No."),
            result(Service.SMTP, False, username=username, cause=Cause.AUTH_FAILED, message="No."),
            result(Service.SIEVE, False, username=username, cause=Cause.AUTH_FAILED),
        ]
    )


def test_running_names_the_address_in_plain_tone_and_every_row_says_checking():
    f = flow()
    f.checks_started()
    words = checking_text(f)
    assert words.status == f"Checking {ADDRESS}…"
    assert words.tone is Tone.PLAIN and words.fix == "" and words.action is Action.NONE
    assert [r.name for r in words.rows] == [
        "Receiving mail",
        "Sending mail",
        "Mail filters (optional)",
    ]
    assert {r.word for r in words.rows} == {"Checking…"}


def test_everything_working_is_good_and_waits_for_the_password_store_before_saying_more():
    f = flow()
    f.choose_remember_password(True)
    f.checks_finished([result(s, True) for s in (Service.IMAP, Service.SMTP, Service.SIEVE)])
    saving = checking_text(f, saving=True)
    assert (saving.status, saving.tone) == ("Receiving and sending mail both work.", Tone.GOOD)
    assert saving.title == "Your mail works"
    assert saving.fix == "Putting your password in this computer's keychain…"
    words = checking_text(f)
    assert words.fix == "" and words.action is Action.NONE
    assert {r.word for r in words.rows} == {"Works"}


def test_only_filters_failing_reads_as_good_with_a_neutral_optional_row():
    f = flow()
    f.checks_finished(
        [result(Service.IMAP, True), result(Service.SMTP, True), result(Service.SIEVE, False)]
    )
    words = checking_text(f)
    assert words.tone is Tone.GOOD and words.status == "Receiving and sending mail both work."
    sieve = words.rows[-1]
    assert (sieve.name, sieve.word, sieve.tone) == (
        "Mail filters (optional)",
        "Not available",
        Tone.PLAIN,
    )
    assert "optional" in words.fix


def test_a_refused_password_gives_one_headline_one_fix_and_a_password_box():
    f = flow()
    refused(f)
    words = checking_text(f)
    assert words.tone is Tone.BAD and words.status == "Your password was not accepted."
    assert words.action is Action.PASSWORD and words.action_label == "&Try again"
    assert "my.sepheo.co" in words.fix and "Caps Lock" in words.fix
    assert [r.word for r in words.rows] == ["Login refused"] * 3
    assert [r.tone for r in words.rows] == [Tone.BAD, Tone.BAD, Tone.PLAIN]  # filters: neutral
    assert not JARGON.search(words.status + words.fix)
    assert f.field_to_fix() is AccountField.PASSWORD


def test_a_refused_short_login_offers_only_the_full_address_and_back_goes_to_the_address():
    f = flow()
    refused(f, username="joe.bloggs")
    words = checking_text(f)
    assert words.status == "The login needs your full email address."
    assert words.action is Action.FULL_ADDRESS
    assert words.action_label == "&Try with my full email address"
    assert f.field_to_fix() is AccountField.ADDRESS
    f.use_full_address_login()
    f.checks_finished([result(Service.IMAP, True), result(Service.SMTP, True)])
    words = checking_text(f)
    assert words.action is Action.NONE and "full email address works" in words.fix
    assert "provider file" not in words.fix  # that is for the report


def test_a_blocked_sending_port_names_sending_mail_not_the_port():
    f = flow()
    f.checks_finished(
        [
            result(Service.IMAP, True),
            result(Service.SMTP, False, cause=Cause.CONNECTION_TIMEOUT, message="port 587"),
            result(Service.SIEVE, True),
        ]
    )
    words = checking_text(f)
    assert words.status.startswith("Sending mail does not work:")
    assert words.action is Action.RETRY
    assert not JARGON.search(words.status + words.fix)
    assert f.field_to_fix() is None


def test_retyping_the_password_on_the_checking_page_replaces_it_for_the_next_run():
    f = flow()
    refused(f)
    assert not f.retry_with_password("")
    assert f.retry_with_password("new one")
    assert f.account.password == "new one" and f.account.address == ADDRESS
    assert f.results == [] and f.field_to_fix() is None


def test_a_stopped_check_offers_try_again():
    f = flow()
    f.checks_finished([result(Service.IMAP, False, cancelled=True)])
    words = checking_text(f)
    assert words.status == "The check was stopped."
    assert words.tone is Tone.PLAIN and words.action is Action.RETRY


def test_the_last_page_after_a_failed_check_is_not_finished_and_repeats_the_fix():
    f = flow()
    refused(f)
    f.choose_continue_anyway(True)
    words = done_text(f)
    assert words.tone is Tone.BAD and "not" in words.headline.lower()
    assert words.steps[0] == one_fix(f) and "password" in words.steps[0]
    assert "ready" not in (words.title + words.headline).lower()


def test_the_last_page_after_manual_steps_claims_no_more_than_is_known():
    f = flow()
    f.checks_finished([result(s, True) for s in (Service.IMAP, Service.SMTP)])
    f.choose_client("outlook_new")
    words = done_text(f)
    # Nobody saw the steps done: no "Ready", no tick, "when you have done these steps".
    assert words.tone is Tone.PLAIN and words.title == "Finish in Outlook (new)"
    assert words.headline == (
        "When you have done the steps in Outlook (new), your Sepheo mail works there."
    )
    assert "ready" not in (words.title + words.headline).lower()
    assert len(words.steps) == 2


def test_the_test_message_is_a_row_of_its_own_and_its_failure_has_its_own_words():
    f = flow()
    f.choose_test_message(True)
    f.checks_started()
    logins = [result(s, True) for s in (Service.IMAP, Service.SMTP, Service.SIEVE)]
    waiting = checking_text(f, interim=logins)
    assert waiting.status == "Your logins work. Waiting for the test message…"
    assert [(r.name, r.word) for r in waiting.rows] == [
        ("Receiving mail", "Works"),
        ("Sending mail", "Works"),
        ("Test message", "Checking…"),
        ("Mail filters (optional)", "Works"),
    ]
    late = result(Service.ROUNDTRIP, False, cause=Cause.DELIVERY_DELAYED, message="queue id 4F2")
    f.checks_finished([*logins, late])
    words = checking_text(f)
    assert words.status == "Your test message has not arrived yet."
    assert words.tone is Tone.BAD and words.action is Action.RETRY
    assert ("Test message", "Not arrived") in [(r.name, r.word) for r in words.rows]
    assert not JARGON.search(words.status + words.fix)
    junk = result(Service.ROUNDTRIP, False, cause=Cause.ARRIVED_IN_JUNK)
    f.checks_finished([*logins, junk])
    words = checking_text(f)
    assert words.tone is Tone.PLAIN and "Junk" in words.status


def test_a_test_message_not_sent_because_a_login_failed_says_so_neutrally():
    f = flow()
    f.choose_test_message(True)
    refused(f)
    trip = next(r for r in checking_text(f).rows if r.service == "roundtrip")
    assert (trip.word, trip.tone) == ("Not sent", Tone.PLAIN)
    f.choose_test_message(False)
    assert "roundtrip" not in {r.service for r in checking_text(f).rows}  # skipped: no row


def test_a_password_typed_again_that_works_is_acknowledged():
    f = flow()
    f.checks_finished([result(s, True) for s in (Service.IMAP, Service.SMTP, Service.SIEVE)])
    words = checking_text(f, retyped=True)
    assert words.fix.startswith("The password you typed again works.")
    assert checking_text(f).fix == ""  # a first run that passes says nothing about it


def test_the_title_becomes_the_outcome_when_the_check_ends():
    f = flow()
    assert checking_text(f).title == "Checking your account"
    f.checks_finished([result(Service.IMAP, False, cause=Cause.AUTH_FAILED)])
    assert checking_text(f).title == "Your mail does not work yet"
    f.checks_finished([result(s, True) for s in (Service.IMAP, Service.SMTP)])
    assert checking_text(f).title == "Your mail works"
