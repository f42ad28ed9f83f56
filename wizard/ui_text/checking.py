"""The checking page's words for each state of the check (running, passed, failed, stopped)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.checks.model import CheckResult
from wizard.flow import CheckState, WizardFlow
from wizard.provider import Service
from wizard.report import headline, make_report


class Tone(enum.StrEnum):
    """How the status line is coloured: the page maps these to its palette's colours."""

    PLAIN = "plain"
    GOOD = "good"
    BAD = "bad"


@dataclass(frozen=True)
class CheckingText:
    status: str  # the bold line at the top of the page
    tone: Tone
    summary: str  # under the service rows: what happens now, or what to do
    alternative_login: str  # the "try the full address" button's label; "" when not offered


STOPPING = "Stopping…"
TEST_MESSAGE_CHOICE = "Send a test &message to myself"
TEST_MESSAGE_NOTE = (
    "Checks that mail really goes out and comes back in, not only that you can log in. "
    "The message is removed again afterwards."
)
ROUND_TRIP_SUBTITLE = "to yourself, then removed"
ROUND_TRIP_WAITING = "Starts once the logins work."
ROUND_TRIP_SKIPPED = "Skipped: you chose not to send a test message."


def round_trip_not_run(results: Sequence[CheckResult]) -> str:
    """Why the test message was not sent, for its row, once the logins have finished."""
    if any(r.cancelled for r in results):
        return "Not sent: the check was stopped."
    return "Not sent: it needs working incoming and outgoing logins first."


ALTERNATIVE_NOTE = (
    "Each failed login counts towards the server's lockout limit, so this is tried only once."
)


def checking_text(flow: WizardFlow, *, saving: bool = False) -> CheckingText:
    """The page's words for the flow's current check state.

    ``saving``: a good check has finished and the password store is still being updated
    (it may be waiting for the desktop's unlock dialog), so the last word is not said yet.
    """
    state = flow.check_state
    alternative = flow.alternative_login()
    button = f"Try once with “{alternative}” as the login" if alternative else ""
    if state is CheckState.RUNNING:
        status = f"Checking {flow.account.address} with {flow.provider.imap.hostname}…"
        return CheckingText(status, Tone.PLAIN, "", "")
    if state is CheckState.MAIL_WORKS:
        trip = next((r for r in flow.results if r.service is Service.ROUNDTRIP and not r.ok), None)
        if trip is not None:
            # The logins work, but the test message showed mail does not flow as it should.
            summary = " ".join(
                t
                for t in (
                    trip.advice,
                    "You can still set up your mail program.",
                    _summary_after_good_check(flow, saving),
                )
                if t
            )
            return CheckingText(trip.message, Tone.BAD, summary, button)
    if state is CheckState.PASSED or state is CheckState.MAIL_WORKS:
        status = (
            "Everything works."
            if state is CheckState.PASSED
            else "Sending and receiving mail work. Mail filters could not be checked; that "
            "does not stop you setting up your mail."
        )
        return CheckingText(status, Tone.GOOD, _summary_after_good_check(flow, saving), button)
    if state is CheckState.FAILED:
        report = make_report(flow.account.address, flow.provider, flow.results)
        advice = list(dict.fromkeys(r.advice for r in flow.results if not r.ok and r.advice))
        summary = (
            " ".join(advice)
            + " Then press Retry, or send the report to IT: it tells them exactly what to "
            "look for in the server logs."
        )
        return CheckingText(headline(report), Tone.BAD, summary, button)
    if state is CheckState.CANCELLED:
        return CheckingText(
            "The check was stopped. Press Retry to run it again.", Tone.PLAIN, "", button
        )
    return CheckingText("", Tone.PLAIN, "", "")


def _summary_after_good_check(flow: WizardFlow, saving: bool) -> str:
    if saving:
        return "Saving your password…" if flow.remember_password else ""
    if flow.tried_alternative:
        return (
            "Logging in with your full email address works, so that is what will be set up. "
            "Please tell IT: the provider file gives the short login."
        )
    return " ".join(t for t in (flow.keychain_message, "Press Next to continue.") if t)
