"""Look at every mail program on this computer for the address and compare it with the provider.

Read-only and quick (a few milliseconds for an ordinary profile): Thunderbird in every profile
the existing discovery finds (or just ``--profile``), classic Outlook through the registry on
Windows. Programs that keep their accounts where an app may not read them (the new Outlook in
the cloud, Apple Mail behind macOS privacy controls) are listed as not checked.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from wizard.checks.model import CheckResult
from wizard.clients.found import ProgramAccount, shown
from wizard.clients.outlook.registry import RegistrySource, default_source, read_accounts
from wizard.clients.thunderbird.logins import LoginsUnreadable, saved_passwords
from wizard.clients.thunderbird.profiles import find_profiles
from wizard.clients.thunderbird.reader import accounts_for, read_prefs
from wizard.mail_programs.compare import compare_account, offered_mechanisms
from wizard.mail_programs.model import Finding, MailProgramsLook, Unchecked
from wizard.provider import Provider

NEW_OUTLOOK = Unchecked(
    "outlook_new",
    "The new Outlook keeps its accounts in Microsoft's cloud, where this app cannot read them.",
)
APPLE_MAIL = Unchecked(
    "apple_mail",
    "Apple Mail keeps its accounts behind macOS privacy controls, where this app may not "
    "read them.",
)


def look_at_mail_programs(
    provider: Provider,
    address: str,
    *,
    results: Sequence[CheckResult] = (),
    profile: Path | None = None,
    home: Path | None = None,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    outlook: RegistrySource | None = None,
) -> MailProgramsLook:
    """Every account for ``address`` in the mail programs here, each compared and explained."""
    started = time.perf_counter()
    plat = sys.platform if platform is None else platform
    offered = offered_mechanisms(results)
    accounts: list[ProgramAccount] = []
    problems: list[str] = []
    looked_at: list[str] = []
    if profile is not None:
        folders = [Path(profile)]
    else:
        search = find_profiles(home=home, platform=plat, environ=environ)
        folders = [p.path for p in search.profiles]
        problems += [shown(p) for p in search.problems]
    for folder in folders:
        looked_at.append(shown(str(folder)))
        found, problem = _thunderbird(folder, provider, address)
        accounts += found
        if problem:
            problems.append(problem)
    source = outlook if outlook is not None else (default_source() if profile is None else None)
    if source is not None:
        try:
            outlook_accounts = read_accounts(source)
        except OSError as exc:
            problems.append(f"Outlook's settings cannot be read ({exc.strerror or exc}).")
            outlook_accounts = []
        mine = [a.account for a in outlook_accounts if _outlook_is_for(a.account, address)]
        if len(mine) > 1:
            mine = [replace(a, duplicate=True) for a in mine]
        accounts += mine
        looked_at += sorted({f"Outlook profile {a.profile}" for a in outlook_accounts})
    findings = tuple(
        Finding(a, compare_account(a, provider, address, offered or None)) for a in accounts
    )
    unchecked: list[Unchecked] = []
    if plat.startswith("win"):
        unchecked.append(NEW_OUTLOOK)
    elif plat == "darwin":
        unchecked += [APPLE_MAIL, NEW_OUTLOOK]
    return MailProgramsLook(
        findings=findings,
        looked_at=tuple(looked_at),
        problems=tuple(problems),
        unchecked=tuple(unchecked),
        duration_ms=(time.perf_counter() - started) * 1000,
        outlook_checked=source is not None,
    )


def _thunderbird(
    folder: Path, provider: Provider, address: str
) -> tuple[list[ProgramAccount], str | None]:
    if not folder.is_dir():
        return [], f"Thunderbird profile {shown(str(folder))} cannot be read (no such folder)."
    read = read_prefs(folder)
    where = f"Thunderbird profile {shown(str(folder))}"
    problem = f"{where}: {read.problem}." if read.problem else None
    try:
        saved = saved_passwords(folder)
    except LoginsUnreadable as exc:
        saved = ()
        problem = (problem + " " if problem else "") + f"{where}: {exc}"
    found = accounts_for(read.values, address, provider, profile=str(folder), saved=saved)
    return found, problem


def _outlook_is_for(account: ProgramAccount, address: str) -> bool:
    wanted = address.lower()
    users = {s.username.lower() for s in (account.incoming, account.outgoing) if s}
    return account.address.lower() == wanted or wanted in users
