"""The set-up page's words for Thunderbird: what happened, without keys, paths or file names.

The writer's own message (account key, backup name, process id) is for IT and goes to the
report through ``flow.setup_notes``; the person reads one of these lines.
"""

from __future__ import annotations

from wizard.clients.thunderbird import Cause, WriteResult

ADD_LABEL = "&Add to Thunderbird"
OPEN_LABEL = "&Open Thunderbird"
BY_HAND_LABEL = "Set up by &hand instead"
CHECK_AGAIN_LABEL = "Chec&k again"
BEFORE_ADDING = (
    "Close Thunderbird first. Your password is not written into Thunderbird: it asks for it once."
)
NOT_INSTALLED = (
    "Thunderbird is not set up on this computer yet. Start it once and close it, then press "
    "“Check again” (or come back to this window), or set it up by hand with the steps below."
)


def write_outcome(result: WriteResult) -> str:
    if result.ok:
        if result.changed:
            return "Added to Thunderbird."
        return "Thunderbird already has this account."
    if result.cause is Cause.THUNDERBIRD_RUNNING:
        return (
            "Thunderbird is open. Close it completely (check the system tray too), then press "
            "“Add to Thunderbird” again. Nothing was changed."
        )
    if result.cause is Cause.PROFILE_READ_ONLY:
        return (
            "Thunderbird's settings cannot be changed on this computer, so nothing was changed. "
            "Set it up by hand instead, or ask IT."
        )
    if result.cause is Cause.PREFS_CORRUPT:
        return (
            "Thunderbird's settings file is damaged, so nothing was changed. Start Thunderbird "
            "once (it repairs the file), close it, then try again."
        )
    if result.cause is Cause.NO_PROFILE:
        return NOT_INSTALLED
    return result.message
