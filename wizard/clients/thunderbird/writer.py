"""Writing the account into a real profile's prefs.js, safely.

The order is chosen so that every refusal leaves the profile exactly as it was:
check the input and the profile first, then take the profile lock and hold it to the end (so
Thunderbird cannot start in between); parse the whole file before deciding anything; do nothing
at all when the account is already in place (a second run must not even add a backup); then copy
the original aside, write a temporary file in the same folder, fsync it and swap it in with one
atomic ``os.replace`` (``profile_files``). A prefs.js that is a symbolic link is refused.

We write ``prefs.js`` and not ``user.js``: user.js is re-applied at every start, so the person
could never change the account in Thunderbird afterwards, and it is where IT puts lockdowns.
The function takes no password: Thunderbird asks for it on first use and keeps it in its own
password manager. Nothing here could write it even by mistake.
"""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path

from wizard.address import check_address, check_display_name
from wizard.clients.thunderbird import prefsjs
from wizard.clients.thunderbird.account import AccountPlan, AccountRequest, plan_account
from wizard.clients.thunderbird.lock import LockState
from wizard.clients.thunderbird.profile_files import (
    LinkRefused,
    ProfileBusy,
    backup,
    discard,
    held_profile_lock,
    looks_writable,
    read_plain_file,
    replace_atomically,
)
from wizard.clients.thunderbird.profiles import INSTALL_HINT
from wizard.clients.thunderbird.result import Cause, WriteResult
from wizard.provider import Provider

PREFS = "prefs.js"
USER_JS = "user.js"
NEW_FILE_HEADER = (
    "// Mozilla User Preferences\n"
    "\n"
    "// Written by the Mail Setup Wizard for a profile Thunderbird had not started yet.\n"
    "// Thunderbird rewrites this file in its own format when it runs.\n"
    "\n"
)
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
# Thunderbird's own prefs.js is kilobytes; the cap keeps a planted huge file out of memory.
MAX_PREFS_BYTES = 64_000_000
_CLOSE_HINT = "Close Thunderbird completely (check the system tray too) and try again."
_TABLE_HINT = "or set up the account by hand with the settings table."


def write_account(
    profile: Path,
    provider: Provider,
    address: str,
    full_name: str,
    *,
    now: datetime | None = None,
    account_key: str | None = None,
    platform: str | None = None,
) -> WriteResult:
    """Add (or update) the IMAP/SMTP account for ``address`` in ``profile``; never raises for
    the expected refusals, which come back as a WriteResult with a Cause and a message.

    ``account_key`` names an existing account to bring to the provider's settings in place
    (the diagnosis' "Fix it"), even when its host or login is wrong today.
    """
    profile = Path(profile)
    checked = check_address(address)
    if not checked.ok:
        return _refuse(profile, Cause.BAD_INPUT, checked.message)
    name_ok, name_or_message = check_display_name(full_name)
    if not name_ok:
        return _refuse(profile, Cause.BAD_INPUT, name_or_message)
    request = AccountRequest(checked.address, name_or_message, provider)

    if not profile.is_dir():
        return _refuse(
            profile,
            Cause.NO_PROFILE,
            f"There is no Thunderbird profile at {profile}. {INSTALL_HINT}",
        )
    try:
        with held_profile_lock(profile, platform=platform):
            return _write_locked(profile, request, now, account_key)
    except ProfileBusy as busy:
        return _running(profile, busy.state)
    except OSError as exc:
        if exc.errno in _READ_ONLY_ERRNOS:
            return _read_only(profile, exc.strerror or str(exc))
        return _refuse(
            profile,
            Cause.PROFILE_READ_ONLY,
            f"The Thunderbird profile at {profile} cannot be locked for writing "
            f"({exc.strerror or exc}). Nothing was changed; {_TABLE_HINT}",
            detail=str(exc),
        )


def _write_locked(
    profile: Path, request: AccountRequest, now: datetime | None, account_key: str | None
) -> WriteResult:
    prefs_path = profile / PREFS
    try:
        read = read_plain_file(prefs_path, MAX_PREFS_BYTES)
    except LinkRefused:
        return _refuse(
            profile,
            Cause.PROFILE_READ_ONLY,
            f"Thunderbird's settings file {prefs_path} is a link to another place, so the "
            f"wizard left it alone; nothing was changed. {_TABLE_HINT.capitalize()}",
            detail="prefs.js is a symbolic link",
        )
    except OSError as exc:
        return _refuse(
            profile,
            Cause.PROFILE_READ_ONLY,
            f"Thunderbird's settings file {prefs_path} cannot be read. Nothing was changed; "
            f"{_TABLE_HINT.capitalize()}",
            detail=exc.strerror or str(exc),
        )
    original, exists = (read, True) if read is not None else (b"", False)

    try:
        document = prefsjs.parse_prefs(prefsjs.decode(original))
    except prefsjs.PrefsSyntaxError as exc:
        return _corrupt(profile, prefs_path, original, exc, now)

    try:
        plan = plan_account(document.values(), request, account_key=account_key)
        new_text = document.with_values(plan.changes)
    except ValueError as exc:  # a value Thunderbird cannot store, or unmappable provider data
        return _refuse(profile, Cause.BAD_INPUT, f"This account cannot be written: {exc}.")

    warnings = _user_js_overrides(profile, plan)
    if not plan.changes:
        return _result(profile, plan, backup=None, changed=False, warnings=warnings)
    if not exists:
        new_text = NEW_FILE_HEADER + new_text

    if not looks_writable(profile) or (exists and not looks_writable(prefs_path)):
        return _read_only(profile, "the folder or prefs.js has no write permission")
    saved: Path | None = None
    try:
        if exists:
            saved = backup(prefs_path, original, now)
        replace_atomically(prefs_path, prefsjs.encode(new_text))
    except OSError as exc:
        discard(saved)
        if exc.errno in _READ_ONLY_ERRNOS:
            return _read_only(profile, exc.strerror or str(exc))
        return _refuse(
            profile,
            Cause.PROFILE_READ_ONLY,
            f"Writing Thunderbird's settings failed ({exc.strerror or exc}). Nothing was "
            f"changed; free some disk space and try again, {_TABLE_HINT}",
            detail=str(exc),
        )
    return _result(profile, plan, backup=saved, changed=True, warnings=warnings)


def _user_js_overrides(profile: Path, plan: AccountPlan) -> tuple[str, ...]:
    """user.js wins over prefs.js at every start; say so if it sets any of our prefs."""
    try:
        text = (profile / USER_JS).read_bytes()
    except OSError:
        return ()
    try:
        names = set(prefsjs.parse_prefs(prefsjs.decode(text)).values())
    except prefsjs.PrefsSyntaxError:
        return ("user.js in this profile cannot be read; it may override these settings.",)
    ours = {n for n in names if n in plan.changes or _belongs_to(n, plan)}
    if not ours:
        return ()
    listed = ", ".join(sorted(ours))
    return (f"user.js in this profile sets {listed}; Thunderbird applies it over ours.",)


def _belongs_to(name: str, plan: AccountPlan) -> bool:
    return name.startswith(
        (
            f"mail.account.{plan.account_key}.",
            f"mail.server.{plan.server_key}.",
            f"mail.identity.{plan.identity_key}.",
            f"mail.smtpserver.{plan.smtp_key}.",
        )
    )


# --- results ---


def _refuse(profile: Path, cause: Cause, message: str, *, detail: str = "") -> WriteResult:
    return WriteResult(ok=False, message=message, profile=profile, cause=cause, detail=detail)


def _running(profile: Path, lock: LockState) -> WriteResult:
    who = f" (process {lock.pid})" if lock.pid else ""
    return _refuse(
        profile,
        Cause.THUNDERBIRD_RUNNING,
        f"Thunderbird is open{who} and would overwrite the new settings when it closes. "
        f"{_CLOSE_HINT} Nothing was changed.",
        detail=lock.detail,
    )


def _read_only(profile: Path, detail: str) -> WriteResult:
    return _refuse(
        profile,
        Cause.PROFILE_READ_ONLY,
        f"The Thunderbird profile at {profile} cannot be changed (it is read-only). Nothing was "
        f"changed. Ask IT to make it writable, {_TABLE_HINT}",
        detail=detail,
    )


def _corrupt(
    profile: Path,
    prefs_path: Path,
    original: bytes,
    error: prefsjs.PrefsSyntaxError,
    now: datetime | None,
) -> WriteResult:
    # A copy helps IT: on its next start Thunderbird silently drops the statements it cannot
    # parse and rewrites the file, and whatever was in them would be gone for good.
    copy: Path | None = None
    saved = ""
    if looks_writable(profile):
        try:
            copy = backup(prefs_path, original, now)
            saved = f" A copy of it is at {copy}."
        except OSError:
            copy = None
    return WriteResult(
        ok=False,
        message=(
            f"Thunderbird's settings file {prefs_path} is damaged ({error}), so the wizard left "
            f"it alone; nothing was changed.{saved} Starting Thunderbird once usually repairs "
            f"it; then try again, {_TABLE_HINT}"
        ),
        profile=profile,
        cause=Cause.PREFS_CORRUPT,
        backup=copy,
        detail=str(error),
    )


def _result(
    profile: Path,
    plan: AccountPlan,
    *,
    backup: Path | None,
    changed: bool,
    warnings: tuple[str, ...],
) -> WriteResult:
    address_note = ""
    if plan.others:
        where = ", ".join(f"{o.hostname or '?'} ({o.server_type})" for o in plan.others)
        address_note = f" Thunderbird also has this address on {where}; that was left as it is."
    if not changed:
        message = "Thunderbird already has this account with these settings; nothing was changed."
    else:
        verb = "Added" if plan.new_account else "Updated"
        copy = f" The previous settings are saved as {backup.name}." if backup else ""
        message = (
            f"{verb} the account in Thunderbird ({plan.account_key}).{copy} Start Thunderbird; "
            "it asks for the password once and can remember it."
        )
    return WriteResult(
        ok=True,
        message=message + address_note,
        profile=profile,
        changed=changed,
        account_key=plan.account_key,
        server_key=plan.server_key,
        identity_key=plan.identity_key,
        smtp_key=plan.smtp_key,
        new_account=plan.new_account,
        created=plan.created,
        updated=plan.updated,
        backup=backup,
        others=plan.others,
        warnings=warnings,
    )
