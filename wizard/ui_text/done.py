"""The last page's words: an honest ending (not finished after a failed check), or what is ready.

Qt-free, so "the last page never claims success when mail does not work" is a plain test.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard import APP_NAME
from wizard.flow import CheckState, Mode, WizardFlow
from wizard.ui_text.checking import Tone, one_fix


@dataclass(frozen=True)
class DoneText:
    title: str
    tone: Tone  # GOOD: a tick (done and seen); PLAIN: steps left to the person; BAD: not finished
    headline: str
    steps: tuple[str, ...]  # the next steps, numbered on the page
    note: str = ""  # what was remembered, or the saved password


def done_text(flow: WizardFlow, remembered: str = "") -> DoneText:
    """What the last page says for the flow's state; ``remembered`` is what the store said."""
    org = flow.provider.branding.organization
    client = flow.client_label
    if flow.check_state is CheckState.FAILED:
        fix = one_fix(flow)
        return DoneText(
            title="Not finished yet",
            tone=Tone.BAD,
            headline=f"Your {org} mail does not work yet.",
            steps=(
                fix,
                f"Then open {APP_NAME} again and choose “Check why my mail isn't working”.",
            ),
            note=remembered,
        )
    if flow.mode is Mode.DIAGNOSE:
        return DoneText(
            title="Your mail works",
            tone=Tone.GOOD,
            headline=f"Your {org} mail works: this computer can receive and send it.",
            steps=(
                "If your mail program still shows an error, type your password in it again: "
                "it may have kept an old one.",
                "If that does not help, remove the account from your mail program and run "
                f"{APP_NAME} again to set it up afresh.",
            ),
        )
    sheet = (
        "Save your settings sheet below: it has your settings for another computer or a "
        "phone, and never your password."
    )
    if flow.client_id == "thunderbird" and flow.setup_done:
        return DoneText(
            title="Ready",
            tone=Tone.GOOD,
            headline=f"{org} mail is ready in Thunderbird.",
            steps=(
                "Open Thunderbird. It asks for your password once: type it and tick “Remember”.",
                sheet,
            ),
            note=remembered,
        )
    # Steps the person does by hand: nobody has seen them done, so no "Ready" and no tick.
    return DoneText(
        title=f"Finish in {client}",
        tone=Tone.PLAIN,
        headline=f"When you have done the steps in {client}, your {org} mail works there.",
        steps=(
            f"Do the steps in {client} if you have not yet (Back shows them again). It asks "
            "for your password once: let it remember it.",
            sheet,
        ),
        note=remembered,
    )
