"""The checking page's words for each state of the check (running, passed, failed, stopped)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from wizard.flow import CheckState, WizardFlow
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
