"""The diagnosis page's two repairs, Qt-free: "Fix it in Thunderbird" and "forget the password".

Both go through the existing safe writers (backup, atomic replace, profile lock held, refused
while Thunderbird runs): ``write_account`` with the found account's key, so the account is
updated in place and no second one is created; ``forget_saved_passwords`` for the servers of
the provider and of the account. A duplicate account is never deleted, only reported.
"""

from __future__ import annotations

from pathlib import Path

from wizard.clients.thunderbird.logins import ForgetResult, forget_saved_passwords
from wizard.clients.thunderbird.reader import read_prefs
from wizard.clients.thunderbird.result import WriteResult
from wizard.clients.thunderbird.writer import write_account
from wizard.mail_programs.model import Finding
from wizard.provider import Provider


def can_fix(finding: Finding) -> bool:
    """Thunderbird IMAP accounts are fixed in place; POP ones and Outlook are changed by hand."""
    incoming = finding.account.incoming
    return (
        finding.account.program == "thunderbird"
        and bool(finding.differences)
        and incoming is not None
        and incoming.protocol == "imap"
    )


def fix_in_thunderbird(
    finding: Finding, provider: Provider, address: str, name: str = ""
) -> WriteResult:
    """Bring the found account to the provider's settings, keeping its name when none is given."""
    profile = Path(finding.account.profile)
    if not name.strip():
        full = read_prefs(profile).values.get(f"mail.identity.{finding.account.identity}.fullName")
        name = full if isinstance(full, str) and full.strip() else address.partition("@")[0]
    return write_account(profile, provider, address, name, account_key=finding.account.account)


def forget_in_thunderbird(finding: Finding, provider: Provider) -> ForgetResult:
    """Remove the saved logins of this account's servers, so Thunderbird asks again."""
    origins = {p.server for p in finding.account.saved_passwords}
    return forget_saved_passwords(Path(finding.account.profile), tuple(sorted(origins)))
