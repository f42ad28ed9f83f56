"""The checking page's words for each state of the check: one headline, one fix, one action.

Summary first, like Outlook's "Test Account Settings": the person reads what is wrong in their
terms and the one thing to do; which protocol, host, port and step failed is in the details and
the report (``wizard.report``), not here. The cause's own long advice (``diagnosis.explain``)
stays in the report too.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.flow import CheckState, WizardFlow
from wizard.ui_text.services import OPTIONAL_SERVICES, SERVICE_NAMES, service_name, status_word


class Tone(enum.StrEnum):
    """How the status line is coloured: the page maps these to its palette's colours."""

    PLAIN = "plain"
    GOOD = "good"
    BAD = "bad"


class Action(enum.StrEnum):
    """The page's one main button besides Back and Next."""

    NONE = "none"
    RETRY = "retry"  # "Try again"
    PASSWORD = "password"  # noqa: S105 - a password box and "Try again"
    FULL_ADDRESS = "full_address"  # "Try with my full email address"


ACTION_LABELS = {
    Action.NONE: "",
    Action.RETRY: "&Try again",
    Action.PASSWORD: "&Try again",
    Action.FULL_ADDRESS: "&Try with my full email address",
}


@dataclass(frozen=True)
class Row:
    service: str
    name: str  # "Receiving mail"
    word: str  # "Works", "Login refused", "Checking…"
    tone: Tone
    description: str  # the full result, for screen readers (accessible description)


@dataclass(frozen=True)
class CheckingText:
    status: str  # the headline at the top of the page
    tone: Tone
    fix: str  # the one thing to do (failure), or a short note after success
    action: Action
    rows: tuple[Row, ...] = ()
    title: str = "Checking your account"  # the page's title: the outcome once the check ended

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


STOPPING = "Stopping…"
TITLE_RUNNING = "Checking your account"
TITLE_WORKS = "Your mail works"
TITLE_FAILED = "Your mail does not work yet"
TITLE_STOPPED = "Check stopped"
TITLE_TRIP_FAILED = "The test message did not arrive"
PASSWORD_FIXED = "The password you typed again works."  # noqa: S105 - words, not a secret
TEST_MESSAGE_CHOICE = "Send a test &message to myself"
TEST_MESSAGE_NOTE = (
    "Checks that mail really goes out and comes back in, not only that you can log in. "
    "The message is removed again afterwards."
)
ROUND_TRIP_SUBTITLE = "to yourself, then removed"
ROUND_TRIP_WAITING = "Starts once the logins work."
ROUND_TRIP_SKIPPED = "Skipped: you chose not to send a test message."
ROUND_TRIP = "roundtrip"  # the test message's service value


def round_trip_not_run(results: Sequence[CheckResult]) -> str:
    """Why the test message was not sent, for its row, once the logins have finished."""
    if any(r.cancelled for r in results):
        return "Not sent: the check was stopped."
    return "Not sent: it needs working incoming and outgoing logins first."


def _ask_it(flow: WizardFlow) -> str:
    support = flow.provider.branding.support_email
    return f"contact {support}" if support else "contact your IT contact"


# cause -> (what is wrong, as the end of "… does not work: ___", and the one fix)
def _reason_and_fix(cause: Cause | None, flow: WizardFlow) -> tuple[str, str]:
    ask = _ask_it(flow)
    if cause is Cause.ACCOUNT_DISABLED:
        return "your mailbox is not allowed to log in", f"Please {ask} to turn it on."
    if cause is Cause.AUTH_UNAVAILABLE:
        return (
            "the mail server's login service is down right now",
            f"This is not your password. Try again in a few minutes; if it lasts, {ask}.",
        )
    if cause is Cause.DNS_FAILED:
        return (
            "this computer could not find the mail server",
            "Check that you are connected to the internet, then try again.",
        )
    if cause is Cause.CONNECTION_BLOCKED:
        return (
            "the mail server refuses this network",
            f"Try another network, such as a phone hotspot, and {ask}.",
        )
    if cause in (Cause.CONNECTION_REFUSED, Cause.CONNECTION_TIMEOUT):
        return (
            "the mail server cannot be reached from this network",
            "Hotel, guest and company Wi-Fi often block mail. Try another network, such as a "
            "phone hotspot.",
        )
    if cause in (Cause.CERTIFICATE_EXPIRED, Cause.CERTIFICATE_NOT_YET_VALID):
        return (
            "the connection is not safe",
            "Check this computer's date and time, then try again.",
        )
    if cause is Cause.CERTIFICATE_UNTRUSTED:
        return (
            "the connection is not safe",
            "Antivirus with a mail shield can cause this: turn its mail scanning off and try "
            f"again. Otherwise {ask}.",
        )
    if cause in (Cause.CERTIFICATE_HOSTNAME_MISMATCH, Cause.STARTTLS_UNAVAILABLE):
        return (
            "the connection is not safe",
            f"Something on this network may be intercepting mail. Try another network and {ask}.",
        )
    if cause is Cause.NO_GREETING:
        return (
            "the mail server does not answer",
            f"Try again in a few minutes; if it lasts, {ask}.",
        )
    if cause is Cause.WRONG_SECURITY:
        return (
            "its settings do not match the mail server",
            f"This is not your password or your network: please {ask}.",
        )
    if cause is Cause.TLS_FAILED:
        return (
            "a secure connection could not be set up",
            f"Try another network; if it lasts, {ask}.",
        )
    return (
        "the mail server answered in an unexpected way",
        f"Try again later; if it lasts, {ask}.",
    )


def _round_trip_words(trip: CheckResult, flow: WizardFlow) -> tuple[str, str, Tone]:
    """(headline, fix, tone) when the logins work but the test message did not come back."""
    ask = _ask_it(flow)
    if trip.cause is Cause.ARRIVED_IN_JUNK:
        return (
            "Your mail works, but the test message went to Junk.",
            "Look in your Junk folder now and then: real mail may land there too.",
            Tone.PLAIN,
        )
    if trip.cause is Cause.DELIVERY_DELAYED:
        return (
            "Your test message has not arrived yet.",
            f"It may still come: look in your inbox in a while. If it never does, {ask}.",
            Tone.BAD,
        )
    if trip.cause is Cause.BOUNCED:
        full = "full" in trip.advice.lower()
        fix = (
            "Your mailbox is full: delete or archive some mail and empty the Trash."
            if full
            else f"Please {ask}; Details for IT says why."
        )
        return "Your test message came back undelivered.", fix, Tone.BAD
    if trip.cause is Cause.SUBMISSION_REFUSED:
        return (
            "The mail server refused to send your test message.",
            f"Please {ask}; Details for IT says why.",
            Tone.BAD,
        )
    return (
        "The test message could not be checked.",
        f"Try again; if it lasts, {ask}.",
        Tone.BAD,
    )


def failed_round_trip(flow: WizardFlow) -> CheckResult | None:
    """The test message's result when it failed (the logins themselves worked)."""
    return next(
        (r for r in flow.results if str(r.service) == ROUND_TRIP and not r.ok and not r.cancelled),
        None,
    )


def _blocking_failures(flow: WizardFlow) -> list[CheckResult]:
    return [
        r
        for r in flow.results
        if not r.ok
        and not r.cancelled
        and str(r.service) not in OPTIONAL_SERVICES
        and str(r.service) != ROUND_TRIP
    ]


def _password_fix(flow: WizardFlow) -> str:
    branding = flow.provider.branding
    page = branding.account_page_name or (branding.account_page or "").removeprefix("https://")
    where = f"the one you use on {page}" if page else "your mail password"
    return f"Type your password again below ({where}) and check Caps Lock."


def headline_and_fix(flow: WizardFlow) -> tuple[str, str]:
    """The headline and the one fix for a failed check (also repeated on the last page)."""
    failed = _blocking_failures(flow)
    if not failed:
        return "", ""
    if flow.alternative_login() is not None:
        return (
            "The login needs your full email address.",
            f"Press the button to try again with {flow.account.address}.",
        )
    first = failed[0]
    if first.cause is Cause.AUTH_FAILED:
        return "Your password was not accepted.", _password_fix(flow)
    reason, fix = _reason_and_fix(first.cause, flow)
    same = [r for r in failed if r.cause == first.cause]
    blocking = [r for r in flow.results if str(r.service) not in OPTIONAL_SERVICES | {ROUND_TRIP}]
    if len(same) == len(blocking) and len(same) > 1:
        head = reason[0].upper() + reason[1:] + "."
    else:
        names = " and ".join(service_name(r.service).lower() for r in same)
        head = f"{names[0].upper()}{names[1:]} does not work: {reason}."
    return head, fix


def one_fix(flow: WizardFlow) -> str:
    """The one thing to do, worded for after the checking page (no "below", no button)."""
    failed = _blocking_failures(flow)
    if not failed:
        return ""
    if flow.alternative_login() is not None or (
        failed[0].cause is Cause.AUTH_FAILED and failed[0].username != flow.account.address
    ):
        return f"Log in with your full email address, {flow.account.address}."
    if failed[0].cause is Cause.AUTH_FAILED:
        return _password_fix(flow).replace("Type your password again below", "Check your password")
    return headline_and_fix(flow)[1]


def _row(result: CheckResult) -> Row:
    optional = str(result.service) in OPTIONAL_SERVICES
    if result.ok:
        tone = Tone.GOOD
    elif optional or result.cancelled or result.cause is Cause.ARRIVED_IN_JUNK:
        tone = Tone.PLAIN
    else:
        tone = Tone.BAD
    word = status_word(result)
    name = service_name(result.service)
    description = f"{name}: {word}." + (f" {result.message}" if result.message else "")
    return Row(str(result.service), name, word, tone, description)


def _order(service: str) -> int:
    order = list(SERVICE_NAMES)
    return order.index(service) if service in order else len(order)


def rows(flow: WizardFlow, interim: Sequence[CheckResult] = ()) -> tuple[Row, ...]:
    """One row per thing the person cares about, in a fixed order; running ones say so.

    ``interim``: results known while the check still runs (the logins, before the test
    message comes back). The test message's row shows only when it was asked for.
    """
    running = flow.check_state is CheckState.RUNNING or not flow.results
    results = list(interim) if running else list(flow.results)
    done = {str(r.service) for r in results}
    wanted = [str(s.service) for s in flow.provider.servers]
    if flow.send_test_message or ROUND_TRIP in done:
        wanted.append(ROUND_TRIP)
    out = [_row(r) for r in results]
    for service in wanted:
        if service in done:
            continue
        name = service_name(service)
        if running:
            out.append(Row(service, name, "Checking…", Tone.PLAIN, f"{name}: checking."))
        elif service == ROUND_TRIP:
            why = round_trip_not_run(results)
            out.append(Row(service, name, "Not sent", Tone.PLAIN, f"{name}: {why}"))
    return tuple(sorted(out, key=lambda r: _order(r.service)))


def _works_headline(flow: WizardFlow) -> str:
    """What the check proved, no more: the test message is named only when it arrived."""
    if any(str(r.service) == ROUND_TRIP and r.ok for r in flow.results):
        return "Receiving, sending and a test message all work."
    return "Receiving and sending mail both work."


def checking_text(
    flow: WizardFlow,
    *,
    saving: bool = False,
    interim: Sequence[CheckResult] = (),
    retyped: bool = False,
) -> CheckingText:
    """The page's words for the flow's current check state.

    ``saving``: a good check has finished and the password store is still being updated
    (it may be waiting for the desktop's unlock dialog), so the last word is not said yet.
    ``interim``: the login results known while the test message is still on its way.
    ``retyped``: this run checked a password typed again on the page, so a pass says that the
    new password is the one that works (otherwise two runs look identical).
    """
    state = flow.check_state
    if state is CheckState.RUNNING:
        status = f"Checking {flow.account.address}…"
        if interim and all(r.ok for r in interim if str(r.service) in ("imap", "smtp")):
            status = "Your logins work. Waiting for the test message…"
        return CheckingText(status, Tone.PLAIN, "", Action.NONE, rows(flow, interim))
    trip = failed_round_trip(flow) if state is CheckState.MAIL_WORKS else None
    if trip is not None:
        status, fix, tone = _round_trip_words(trip, flow)
        title = TITLE_WORKS if trip.cause is Cause.ARRIVED_IN_JUNK else TITLE_TRIP_FAILED
        return CheckingText(status, tone, fix, Action.RETRY, rows(flow), title)
    if state is CheckState.PASSED or state is CheckState.MAIL_WORKS:
        note = _note_after_good_check(flow, saving)
        if retyped:
            note = f"{PASSWORD_FIXED} {note}".strip()
        return CheckingText(
            _works_headline(flow), Tone.GOOD, note, Action.NONE, rows(flow), TITLE_WORKS
        )
    if state is CheckState.FAILED:
        status, fix = headline_and_fix(flow)
        if flow.alternative_login() is not None:
            action = Action.FULL_ADDRESS
        elif flow.password_refused:
            action = Action.PASSWORD
        else:
            action = Action.RETRY
        return CheckingText(status, Tone.BAD, fix, action, rows(flow), TITLE_FAILED)
    if state is CheckState.CANCELLED:
        return CheckingText(
            "The check was stopped.", Tone.PLAIN, "", Action.RETRY, rows(flow), TITLE_STOPPED
        )
    return CheckingText("", Tone.PLAIN, "", Action.NONE)


def _note_after_good_check(flow: WizardFlow, saving: bool) -> str:
    if saving:
        # Said as what it is: the keychain, not "saving" (the page says it is never in a file).
        return (
            "Putting your password in this computer's keychain…" if flow.remember_password else ""
        )
    notes = []
    if flow.check_state is CheckState.MAIL_WORKS and any(
        not r.ok for r in flow.results if str(r.service) in OPTIONAL_SERVICES
    ):
        notes.append("Mail filters are optional and could not be checked; mail is not affected.")
    if flow.tried_alternative:
        notes.append("Your full email address works as the login, so that is what is set up.")
    if flow.keychain_message:
        notes.append(flow.keychain_message)
    return " ".join(notes)


def it_notes(flow: WizardFlow) -> list[str]:
    """Facts for the report that the page leaves out (the short login the provider gave)."""
    notes = []
    if flow.tried_alternative:
        notes.append(
            "The provider file gives a short login; the server accepted only the full address, "
            "which the wizard then used. Consider changing <username> to %EMAILADDRESS%."
        )
    notes.extend(flow.setup_notes)
    return notes
