"""The mail programs' findings for the report: text lines for IT and the ``--json`` shape.

JSON (``diagnose --json``, key ``mail_programs``): one object per account found, ``{"program",
"profile", "account", "offline", "duplicate", "saved_password": {"server", "changed"} | null,
"differences": [{"service", "setting", "found", "expected", "explanation"}]}``.
"""

from __future__ import annotations

from typing import Any

from wizard.clients.found import SavedPassword
from wizard.clients.outlook.fields import dialog_field
from wizard.clients.outlook.registry import NOT_RUN_NOTE
from wizard.mail_programs.compare import PROGRAM_NAMES
from wizard.mail_programs.model import Finding, MailProgramsLook

UNCHECKED_NAMES = {"outlook_new": "Outlook (new)", "apple_mail": "Apple Mail"}


def to_json(look: MailProgramsLook) -> list[dict[str, Any]]:
    return [_finding_json(f) for f in look.findings]


def _finding_json(finding: Finding) -> dict[str, Any]:
    a = finding.account
    saved = _main_saved(a.saved_passwords)
    return {
        "program": a.program,
        "profile": a.profile,
        "account": a.account,
        "address": a.address,
        "offline": a.offline,
        "duplicate": a.duplicate,
        "saved_password": (
            {
                "server": saved.server,
                "changed": saved.changed.isoformat() if saved.changed else None,
            }
            if saved
            else None
        ),
        "differences": [
            {
                "service": d.service.value,
                "setting": d.setting.value,
                "found": d.found,
                "expected": d.expected,
                "explanation": d.explanation,
            }
            for d in finding.differences
        ],
    }


def _main_saved(saved: tuple[SavedPassword, ...]) -> SavedPassword | None:
    """The incoming server's saved login first: that is the one that fails at the server."""
    ordered = sorted(saved, key=lambda p: not p.server.lower().startswith(("imap:", "mailbox:")))
    return ordered[0] if ordered else None


def text_lines(look: MailProgramsLook) -> list[str]:
    """The report's "Mail programs" section."""
    out = ["", "== Mail programs on this computer"]
    if look.looked_at:
        out.append("   looked at: " + "; ".join(look.looked_at))
    if not look.findings:
        out.append("   no account for this address in Thunderbird or Outlook here")
    for finding in look.findings:
        a = finding.account
        name = PROGRAM_NAMES.get(a.program, a.program)
        flags = [w for w, on in (("offline", a.offline), ("duplicate", a.duplicate)) if on]
        out.append(
            f"   {name} {a.account} ({a.address or 'no address'}) in {a.profile}"
            + (f" [{', '.join(flags)}]" if flags else "")
        )
        for server in (a.incoming, a.outgoing):
            if server is not None:
                security = server.security.value if server.security else "unknown"
                out.append(
                    f"     {server.protocol.upper():<5} {server.hostname} port {server.port} "
                    f"{security}, user {server.username or '(none)'}, "
                    f"auth {server.authentication or 'unknown'}"
                )
        for saved in a.saved_passwords:
            changed = saved.changed.strftime("%Y-%m-%d %H:%M UTC") if saved.changed else "unknown"
            out.append(f"     saved password for {saved.server}, last changed {changed}")
        if not finding.differences:
            out.append("     settings match the provider's")
        for d in finding.differences:
            out.append(f"     ✗ {d.service.value} {d.setting.value}: {d.explanation}")
            if a.program == "outlook":
                out.append(f"       in Outlook: {dialog_field(d)}")
    for problem in look.problems:
        out.append(f"   problem: {problem}")
    for unchecked in look.unchecked:
        out.append(f"   not checked: {UNCHECKED_NAMES.get(unchecked.program)}: {unchecked.reason}")
    if look.outlook_checked or any(f.account.program == "outlook" for f in look.findings):
        out.append(f"   note: {NOT_RUN_NOTE}")
    return out
