"""Thunderbird's saved passwords (``logins.json``): which servers have one, and forgetting them.

The file is Gecko's login store (``LoginStore``/``storage-json``): ``{"nextId", "logins": [...],
"potentiallyVulnerablePasswords", "dismissedBreachAlertsByLoginGUID", "version"}``. Each login
keeps the server in clear in ``hostname`` (for mail ``imap://my.sepheo.co``,
``smtp://my.sepheo.co``, ``mailbox://…`` for POP) and the dates in clear as milliseconds since
1970 (``timeCreated``, ``timeLastUsed``, ``timePasswordChanged``); only ``encryptedUsername`` and
``encryptedPassword`` are encrypted (NSS SDR, ``encType`` 1).

So both jobs need no secret: reading looks only at ``hostname`` and the dates; forgetting drops
whole login objects by ``hostname`` and writes every other byte of meaning back unchanged. We
never decrypt anything and never read or write a password.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard.clients.found import SavedPassword, shown
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

LOGINS = "logins.json"
# A real logins.json with hundreds of logins is well under 1 MB.
MAX_LOGINS_BYTES = 16_000_000
_MAIL_SCHEMES = ("imap", "smtp", "mailbox", "pop3")


class LoginsUnreadable(ValueError):
    """logins.json is there but cannot be used; the message says why, without its content."""


@dataclass(frozen=True)
class ForgetResult:
    ok: bool
    message: str  # for the person
    removed: tuple[str, ...] = ()  # the servers whose saved login was removed
    backup: Path | None = None
    running: bool = False  # refused because Thunderbird has the profile open


def saved_passwords(profile: Path) -> tuple[SavedPassword, ...]:
    """Every saved mail login in the profile (server and dates only); raises LoginsUnreadable."""
    document = _load(profile / LOGINS)
    if document is None:
        return ()
    found = []
    for login in _logins(document):
        origin = login.get("hostname")
        if not isinstance(origin, str) or origin.partition("://")[0] not in _MAIL_SCHEMES:
            continue
        found.append(
            SavedPassword(
                server=shown(origin),
                changed=_time(login.get("timePasswordChanged")),
                last_used=_time(login.get("timeLastUsed")),
            )
        )
    return tuple(found)


def server_origins(protocol: str, hostname: str) -> tuple[str, ...]:
    """The ``hostname`` values Thunderbird saves a login of this server under."""
    host = hostname.strip().lower()
    scheme = {"imap": "imap", "pop3": "mailbox", "smtp": "smtp"}.get(protocol, protocol)
    return (f"{scheme}://{host}",)


def forget_saved_passwords(
    profile: Path,
    origins: tuple[str, ...],
    *,
    now: datetime | None = None,
    platform: str | None = None,
) -> ForgetResult:
    """Remove the saved logins for ``origins``; backup first, lock held, atomic replace."""
    profile = Path(profile)
    wanted = {o.lower() for o in origins}
    try:
        with held_profile_lock(profile, platform=platform):
            return _forget_locked(profile, wanted, now)
    except ProfileBusy:
        return ForgetResult(
            False,
            "Thunderbird is open. Close it completely (check the system tray too) and try "
            "again; nothing was changed.",
            running=True,
        )
    except OSError as exc:
        return ForgetResult(
            False,
            f"The Thunderbird profile cannot be locked ({exc.strerror or exc}); nothing "
            "was changed.",
        )


def _forget_locked(profile: Path, wanted: set[str], now: datetime | None) -> ForgetResult:
    path = profile / LOGINS
    try:
        raw = read_plain_file(path, MAX_LOGINS_BYTES)
    except LinkRefused:
        return ForgetResult(False, f"{path} is a link to another place; nothing was changed.")
    except OSError as exc:
        return ForgetResult(False, f"{path} cannot be read ({exc.strerror}); nothing was changed.")
    if raw is None:
        return ForgetResult(True, "Thunderbird has no saved passwords; nothing to forget.")
    try:
        document = _parse(raw)
    except LoginsUnreadable as exc:
        return ForgetResult(False, f"{exc} Nothing was changed.")
    logins = document.get("logins")
    if not isinstance(logins, list):
        return ForgetResult(True, "Thunderbird has no saved passwords; nothing to forget.")
    kept = [
        login
        for login in logins
        if not (isinstance(login, dict) and str(login.get("hostname", "")).lower() in wanted)
    ]
    removed = tuple(
        sorted({str(lg["hostname"]) for lg in logins if isinstance(lg, dict) and lg not in kept})
    )
    if not removed:
        return ForgetResult(True, "Thunderbird has no saved password for this server.")
    if not looks_writable(profile) or not looks_writable(path):
        return ForgetResult(False, f"{path} is read-only; nothing was changed.")
    document["logins"] = kept
    # Compact, like Gecko's own JSONFile writes it.
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    saved: Path | None = None
    try:
        saved = backup(path, raw, now)
        replace_atomically(path, data, default_mode=0o600)
    except OSError as exc:
        discard(saved)
        return ForgetResult(
            False, f"Writing {path} failed ({exc.strerror or exc}); nothing was changed."
        )
    return ForgetResult(
        True,
        "Thunderbird will ask for the password again the next time it connects ("
        + ", ".join(removed)
        + f"). The previous file is saved as {saved.name}.",
        removed=removed,
        backup=saved,
    )


def _load(path: Path) -> dict[str, Any] | None:
    try:
        raw = read_plain_file(path, MAX_LOGINS_BYTES)
    except LinkRefused:
        raw = _read_through_link(path)
    except OSError as exc:
        raise LoginsUnreadable(f"{path.name} cannot be read ({exc.strerror or exc}).") from None
    return None if raw is None else _parse(raw)


def _read_through_link(path: Path) -> bytes | None:
    """Reading never changes anything, so a linked logins.json is read (but never written)."""
    try:
        target = path.resolve(strict=True)
    except OSError:
        return None
    try:
        return read_plain_file(target, MAX_LOGINS_BYTES)
    except OSError as exc:
        raise LoginsUnreadable(f"{path.name} cannot be read ({exc.strerror or exc}).") from None


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise LoginsUnreadable("logins.json is not UTF-8 text.") from None
    except RecursionError:
        raise LoginsUnreadable("logins.json is nested too deeply to be a login store.") from None
    except ValueError as exc:
        raise LoginsUnreadable(f"logins.json is damaged ({exc.__class__.__name__}).") from None
    if not isinstance(document, dict):
        raise LoginsUnreadable("logins.json is not a login store (no object at the top).")
    return document


def _logins(document: dict[str, Any]) -> list[dict[str, Any]]:
    logins = document.get("logins")
    if not isinstance(logins, list):
        return []
    return [login for login in logins if isinstance(login, dict)]


def _time(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
