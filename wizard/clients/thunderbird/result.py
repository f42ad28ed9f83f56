"""What writing an account did, or why it refused: one dataclass the GUI, CLI and tests share."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class Cause(enum.StrEnum):
    """Why nothing was written. The values are stable: the CLI and reports use them."""

    THUNDERBIRD_RUNNING = "thunderbird_running"
    NO_PROFILE = "no_profile"
    PREFS_CORRUPT = "prefs_corrupt"
    PROFILE_READ_ONLY = "profile_read_only"
    BAD_INPUT = "bad_input"


@dataclass(frozen=True)
class OtherAccount:
    """An account for the same address that we leave alone (another server or protocol)."""

    account_key: str
    server_type: str
    hostname: str


@dataclass(frozen=True)
class WriteResult:
    ok: bool
    message: str  # plain language, for the person
    profile: Path
    cause: Cause | None = None
    changed: bool = False  # False on refusal and when everything was already in place
    account_key: str | None = None
    server_key: str | None = None
    identity_key: str | None = None
    smtp_key: str | None = None
    new_account: bool = False
    created: tuple[str, ...] = ()  # pref names added
    updated: tuple[str, ...] = ()  # pref names whose value changed
    backup: Path | None = None  # copy of prefs.js as it was before (None: nothing copied)
    others: tuple[OtherAccount, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    detail: str = ""  # technical detail for IT (parse error position, OS error…)
