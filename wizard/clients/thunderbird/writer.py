"""Writing the account into a real profile's prefs.js, safely.

The order is chosen so that every refusal leaves the profile exactly as it was:
check the input, the profile and the lock first; parse the whole file before deciding anything;
do nothing at all when the account is already in place (a second run must not even add a backup);
then copy the original aside, write a temporary file in the same folder, fsync it, check the lock
once more and swap it in with one atomic ``os.replace``.

We write ``prefs.js`` and not ``user.js``: user.js is re-applied at every start, so the person
could never change the account in Thunderbird afterwards, and it is where IT puts lockdowns.
The function takes no password: Thunderbird asks for it on first use and keeps it in its own
password manager. Nothing here could write it even by mistake.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from wizard.address import check_address, check_display_name
from wizard.clients.thunderbird import prefsjs
from wizard.clients.thunderbird.account import AccountPlan, AccountRequest, plan_account
from wizard.clients.thunderbird.lock import LockState, check_profile_lock
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
_CLOSE_HINT = "Close Thunderbird completely (check the system tray too) and try again."
_TABLE_HINT = "or set up the account by hand with the settings table."

LockCheck = Callable[[Path], LockState]


def write_account(
    profile: Path,
    provider: Provider,
    address: str,
    full_name: str,
    *,
    now: datetime | None = None,
    lock_check: LockCheck | None = None,
) -> WriteResult:
    """Add (or update) the IMAP/SMTP account for ``address`` in ``profile``; never raises for
    the expected refusals, which come back as a WriteResult with a Cause and a message."""
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
    is_locked = lock_check or check_profile_lock
    lock = is_locked(profile)
    if lock.running:
        return _running(profile, lock)

    prefs_path = profile / PREFS
    if prefs_path.is_symlink():
        prefs_path = prefs_path.resolve()
    try:
        original = prefs_path.read_bytes()
        exists = True
    except FileNotFoundError:
        original, exists = b"", False
    except OSError as exc:
        return _refuse(
            profile,
            Cause.PROFILE_READ_ONLY,
            f"Thunderbird's settings file {prefs_path} cannot be read. Nothing was changed; "
            f"{_TABLE_HINT.capitalize()}",
            detail=exc.strerror or str(exc),
        )

    try:
        document = prefsjs.parse_prefs(prefsjs.decode(original))
    except prefsjs.PrefsSyntaxError as exc:
        return _corrupt(profile, prefs_path, original, exc, now)

    try:
        plan = plan_account(document.values(), request)
        new_text = document.with_values(plan.changes)
    except ValueError as exc:  # a value Thunderbird cannot store, or unmappable provider data
        return _refuse(profile, Cause.BAD_INPUT, f"This account cannot be written: {exc}.")

    warnings = _user_js_overrides(profile, plan)
    if not plan.changes:
        return _result(profile, plan, backup=None, changed=False, warnings=warnings)
    if not exists:
        new_text = NEW_FILE_HEADER + new_text

    if not _looks_writable(profile) or (exists and not _looks_writable(prefs_path)):
        return _read_only(profile, "the folder or prefs.js has no write permission")
    backup: Path | None = None
    try:
        if exists:
            backup = _backup(prefs_path, original, now)
        _replace_atomically(
            prefs_path, prefsjs.encode(new_text), lambda: is_locked(profile), mode_from=prefs_path
        )
    except _LockedMeanwhile as race:
        _discard(backup)
        return _running(profile, race.state)
    except OSError as exc:
        _discard(backup)
        if exc.errno in _READ_ONLY_ERRNOS:
            return _read_only(profile, exc.strerror or str(exc))
        return _refuse(
            profile,
            Cause.PROFILE_READ_ONLY,
            f"Writing Thunderbird's settings failed ({exc.strerror or exc}). Nothing was "
            f"changed; free some disk space and try again, {_TABLE_HINT}",
            detail=str(exc),
        )
    return _result(profile, plan, backup=backup, changed=True, warnings=warnings)


# --- the file operations ---


class _LockedMeanwhile(Exception):
    def __init__(self, state: LockState) -> None:
        super().__init__(state.detail)
        self.state = state


def _backup(prefs_path: Path, original: bytes, now: datetime | None) -> Path:
    """``prefs.js.wizard-YYYYMMDD-HHMMSS`` next to the original, never overwriting a backup.

    The name does not end in ``.js`` on purpose: nothing should mistake it for a prefs file.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        candidate = prefs_path.with_name(f"{prefs_path.name}.wizard-{stamp}{suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            _write_all(fd, original)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            candidate.unlink(missing_ok=True)
            raise
        os.close(fd)
        return candidate
    raise FileExistsError(errno.EEXIST, "too many backups with the same time stamp")


def _replace_atomically(
    target: Path, data: bytes, still_unlocked: Callable[[], LockState], *, mode_from: Path
) -> None:
    try:
        mode = stat.S_IMODE(mode_from.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644  # what Gecko creates prefs.js with (subject to the umask)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".prefs.js.", suffix=".wizard-tmp")
    tmp = Path(tmp_name)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        # Thunderbird could have started while we wrote; look once more right before the swap.
        state = still_unlocked()
        if state.running:
            raise _LockedMeanwhile(state)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; Windows has no directory handles for this."""
    if sys.platform.startswith("win"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _looks_writable(path: Path) -> bool:
    """Write permission as the owner meant it.

    ``os.access`` says yes to root for anything; the permission bits record whether someone
    deliberately made the profile read-only, and we honour that even when running as root.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


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
    backup: Path | None = None
    saved = ""
    if _looks_writable(profile):
        try:
            backup = _backup(prefs_path, original, now)
            saved = f" A copy of it is at {backup}."
        except OSError:
            backup = None
    return WriteResult(
        ok=False,
        message=(
            f"Thunderbird's settings file {prefs_path} is damaged ({error}), so the wizard left "
            f"it alone; nothing was changed.{saved} Starting Thunderbird once usually repairs "
            f"it; then try again, {_TABLE_HINT}"
        ),
        profile=profile,
        cause=Cause.PREFS_CORRUPT,
        backup=backup,
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
