"""The checking page's words for each check state, without Qt."""

from __future__ import annotations

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.flow import WizardFlow
from wizard.provider import Security, Service, load_default_provider
from wizard.ui_text.checking import Tone, checking_text

ADDRESS = "joe.bloggs@sepheo.co"


def result(service: Service, ok: bool, *, username: str = ADDRESS, **kw: object) -> CheckResult:
    return CheckResult(service, "my.sepheo.co", 993, Security.TLS, username, ok=ok, **kw)


def flow() -> WizardFlow:
    f = WizardFlow(load_default_provider())
    f.set_account("Joe", ADDRESS, "pw")
    return f


def test_running_names_the_address_and_the_server_in_plain_tone():
    f = flow()
    f.checks_started()
    words = checking_text(f)
    assert words.status == f"Checking {ADDRESS} with my.sepheo.co…"
    assert words.tone is Tone.PLAIN and words.summary == "" and words.alternative_login == ""


def test_everything_working_is_good_and_waits_for_the_password_store_before_saying_next():
    f = flow()
    f.choose_remember_password(True)
    f.checks_finished([result(s, True) for s in (Service.IMAP, Service.SMTP, Service.SIEVE)])
    saving = checking_text(f, saving=True)
    assert (saving.status, saving.tone) == ("Everything works.", Tone.GOOD)
    assert saving.summary == "Saving your password…"
    assert checking_text(f).summary == "Press Next to continue."


def test_only_filters_failing_still_reads_as_good():
    f = flow()
    f.checks_finished(
        [result(Service.IMAP, True), result(Service.SMTP, True), result(Service.SIEVE, False)]
    )
    words = checking_text(f)
    assert words.tone is Tone.GOOD and "Mail filters could not be checked" in words.status


def test_a_failure_gives_the_headline_and_each_advice_once_then_retry():
    f = flow()
    advice = "Check Caps Lock."
    f.checks_finished(
        [
            result(Service.IMAP, False, cause=Cause.AUTH_FAILED, message="No.", advice=advice),
            result(Service.SMTP, False, cause=Cause.AUTH_FAILED, message="No.", advice=advice),
        ]
    )
    words = checking_text(f)
    assert words.tone is Tone.BAD and words.status == "No."
    assert words.summary.count(advice) == 1 and "Then press Retry" in words.summary


def test_a_refused_short_login_offers_the_full_address_once():
    f = flow()
    f.checks_finished([result(Service.IMAP, False, username="joe.bloggs", cause=Cause.AUTH_FAILED)])
    assert checking_text(f).alternative_login == f"Try once with “{ADDRESS}” as the login"
    f.use_full_address_login()
    f.checks_finished([result(Service.IMAP, True), result(Service.SMTP, True)])
    words = checking_text(f)
    assert words.alternative_login == "" and "full email address works" in words.summary


def test_a_stopped_check_says_how_to_run_it_again():
    f = flow()
    f.checks_finished([result(Service.IMAP, False, cancelled=True)])
    words = checking_text(f)
    assert words.status == "The check was stopped. Press Retry to run it again."
    assert words.tone is Tone.PLAIN
