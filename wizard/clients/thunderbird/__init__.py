"""Writing a working account straight into the person's Thunderbird profile (no Qt here).

The GUI and the CLI use these four calls::

    search = find_profiles()                    # ProfileSearch: all profiles, preferred first
    state = check_profile_lock(profile.path)    # LockState: is Thunderbird using it right now?
    result = write_account(profile.path, provider, address, full_name)   # WriteResult
    result.ok / result.cause / result.message   # what happened, in plain words

Each module has one job: ``locations`` (where Thunderbird lives), ``profiles`` (profiles.ini),
``lock`` (is it running), ``prefsjs`` (parse and edit prefs.js), ``account`` (which prefs make
the account), ``writer`` (the safe write), ``profile_files`` (lock held, no links, backup,
atomic swap), ``result`` (the outcome), ``reader`` (which accounts a profile has, read-only),
``logins`` (saved logins by server and date; forgetting them), ``cli`` (the sub-command).
"""

from wizard.clients.thunderbird.lock import LockState, check_profile_lock
from wizard.clients.thunderbird.profiles import (
    ProfileSearch,
    SearchStatus,
    ThunderbirdProfile,
    find_profiles,
)
from wizard.clients.thunderbird.result import Cause, OtherAccount, WriteResult
from wizard.clients.thunderbird.writer import write_account

__all__ = [
    "Cause",
    "LockState",
    "OtherAccount",
    "ProfileSearch",
    "SearchStatus",
    "ThunderbirdProfile",
    "WriteResult",
    "check_profile_lock",
    "find_profiles",
    "write_account",
]
