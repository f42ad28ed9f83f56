"""The mail-program page's words for what the look found (Qt-free, so they are plain tests).

One of four verdicts, at most 50 words before Details and one main action: the settings are
right (and so the problem is elsewhere), N wrong settings (Fix it), an old saved password (Make
it ask again), or no account here. Everything longer (each explanation, where to look in
programs the app cannot read, the Outlook note) goes under Details.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from wizard.clients.found import Setting
from wizard.clients.outlook.fields import OPEN as OUTLOOK_OPEN
from wizard.clients.outlook.fields import dialog_field
from wizard.clients.outlook.registry import NOT_RUN_NOTE
from wizard.clients.thunderbird import Cause, WriteResult
from wizard.clients.thunderbird.logins import ForgetResult
from wizard.mail_programs.compare import PROGRAM_NAMES, SECURITY_WORDS
from wizard.mail_programs.model import Finding, MailProgramsLook
from wizard.mail_programs.render import UNCHECKED_NAMES
from wizard.mail_programs.repair import can_fix
from wizard.provider import Provider
from wizard.services import Service
from wizard.ui_text.setup import write_outcome


class Action(enum.StrEnum):
    NONE = "none"
    FIX = "fix"
    FORGET = "forget"


ACTION_LABELS = {
    Action.FIX: "&Fix it in Thunderbird",
    Action.FORGET: "&Make Thunderbird ask for the password again",
}
_SETTING_WORDS = {
    Setting.HOSTNAME: "server",
    Setting.PORT: "port",
    Setting.SECURITY: "security",
    Setting.USERNAME: "user name",
    Setting.AUTHENTICATION: "authentication",
    Setting.PROTOCOL: "type",
}
_SIDE = {Service.IMAP: "Incoming", Service.SMTP: "Outgoing"}


@dataclass(frozen=True)
class MailProgramsText:
    headline: str
    items: tuple[str, ...]  # short "Outgoing port: 465 → 587" lines, before Details
    action: Action
    details: tuple[str, ...]  # the full explanations and everything else, under Details
    finding: Finding | None = None  # the account the action applies to


def item(finding: Finding) -> list[str]:
    return [
        f"{_SIDE[d.service]} {_SETTING_WORDS[d.setting]}: {d.found or '(none)'} → {d.expected}"
        for d in finding.differences
    ]


def mail_programs_text(look: MailProgramsLook, provider: Provider) -> MailProgramsText:
    details = _details(look, provider)
    wrong = [f for f in look.findings if f.differences]
    if wrong:
        first = next((f for f in wrong if can_fix(f)), wrong[0])
        program = PROGRAM_NAMES.get(first.account.program, first.account.program)
        count = len(first.differences)
        noun = "setting" if count == 1 else "settings"
        return MailProgramsText(
            f"{program} has {count} wrong {noun}:",
            tuple(item(first)),
            Action.FIX if can_fix(first) else Action.NONE,
            details,
            first,
        )
    offline = next((f for f in look.findings if f.account.offline), None)
    if offline is not None:
        return MailProgramsText(
            "Thunderbird is set to work offline, so it does not fetch or send mail.",
            ("In Thunderbird: File > Offline > untick “Work Offline”.",),
            Action.NONE,
            details,
            offline,
        )
    saved = next((f for f in look.findings if f.account.saved_passwords), None)
    if saved is not None and saved.account.program == "thunderbird":
        when = saved.account.saved_passwords[0].changed
        since = f" (saved {when:%d %B %Y})" if when else ""
        return MailProgramsText(
            f"Thunderbird has an old saved password{since}. Yours works: make Thunderbird ask "
            "for it again.",
            (),
            Action.FORGET,
            details,
            saved,
        )
    if look.findings:
        return MailProgramsText(
            "Your mail program is set up right: the problem is not in its settings. Type your "
            "password in it again, or check it is not offline.",
            (),
            Action.NONE,
            details,
            look.findings[0],
        )
    return MailProgramsText(
        "No Thunderbird account for this address here. Your mail works; set up your mail "
        "program with the values under Details.",
        (),
        Action.NONE,
        details,
    )


def _details(look: MailProgramsLook, provider: Provider) -> tuple[str, ...]:
    out: list[str] = []
    for finding in look.findings:
        a = finding.account
        name = PROGRAM_NAMES.get(a.program, a.program)
        out.append(f"{name}, account {a.account} in {a.profile}:")
        out += [f"• {d.explanation}" for d in finding.differences]
        if a.program == "outlook" and finding.differences:
            out.append(f"  In Outlook: {OUTLOOK_OPEN}")
            out += [f"  – {dialog_field(d)}" for d in finding.differences]
        if a.duplicate:
            out.append(
                f"• {name} has more than one account for this address; the others are left "
                "as they are: remove the one you do not use in Account Settings."
            )
        for saved in a.saved_passwords:
            when = f", changed {saved.changed:%Y-%m-%d}" if saved.changed else ""
            out.append(f"• A saved password for {saved.server}{when}.")
        if not finding.differences:
            out.append("• Its settings match the provider's.")
    if look.outlook_checked or any(f.account.program == "outlook" for f in look.findings):
        out.append(NOT_RUN_NOTE)
    out += look.problems
    if look.unchecked:
        imap, smtp = provider.imap, provider.smtp
        out.append(
            f"The right values: incoming (IMAP) {imap.hostname}, port {imap.port}, "
            f"{SECURITY_WORDS[imap.security]}; outgoing (SMTP) {smtp.hostname}, port "
            f"{smtp.port}, {SECURITY_WORDS[smtp.security]}; user name: your full email address."
        )
    for unchecked in look.unchecked:
        name = UNCHECKED_NAMES.get(unchecked.program, unchecked.program)
        where = {
            "outlook_new": "Settings > Accounts > Email accounts > Manage",
            "apple_mail": "Mail > Settings > Accounts > Server Settings",
        }.get(unchecked.program, "its account settings")
        out.append(f"{name}: could not check. {unchecked.reason} Look in {where}.")
    return tuple(out)


# After a repair: what changed, in the person's words. Which account key and backup file it
# was is for IT (the report), as on the set-up page.
_CLOSE_THUNDERBIRD = (
    "Thunderbird is open. Close it completely (check the system tray too), then press “{}” "
    "again. Nothing was changed."
)


def fix_outcome(result: WriteResult) -> str:
    if result.ok:
        if result.changed:
            return "Done: Thunderbird has the right settings now."
        return "Thunderbird already had the right settings; nothing was changed."
    if result.cause is Cause.THUNDERBIRD_RUNNING:
        return _CLOSE_THUNDERBIRD.format(ACTION_LABELS[Action.FIX].replace("&", ""))
    return write_outcome(result)


def forget_outcome(result: ForgetResult) -> str:
    if result.ok and result.removed:
        return "Done: Thunderbird will ask for the password the next time it connects."
    if result.running:
        return _CLOSE_THUNDERBIRD.format(ACTION_LABELS[Action.FORGET].replace("&", ""))
    return result.message
