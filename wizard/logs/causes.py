"""What a check's cause says the server's log shows: the one mapping from the app's side of a
login to the server's side, for the report's hints (``wizard.log_hints``) and for matching a
saved report's checks to log sessions (``report_match``).

Only causes the server itself decided are here: it refused the login, could not check it,
refused the account, or refused the connection for its address. Every other cause (no
connection, TLS, a timeout) leaves at most a line without a login in the server's log.
"""

from __future__ import annotations

from collections.abc import Mapping

from wizard.checks.errors import Cause
from wizard.servers.outcome import (
    ACCOUNT_DISABLED,
    AUTH_UNAVAILABLE,
    BLOCKLISTED,
    LOGIN_REFUSED,
    Logged,
    Outcome,
)

_LOGGED: Mapping[Cause, Logged] = {
    Cause.AUTH_FAILED: LOGIN_REFUSED,
    Cause.ACCOUNT_DISABLED: ACCOUNT_DISABLED,
    Cause.AUTH_UNAVAILABLE: AUTH_UNAVAILABLE,
    Cause.CONNECTION_BLOCKED: BLOCKLISTED,
}

# Causes of checks that got as far as sending the login (so the server's line names it).
LOGIN_CAUSES = frozenset(
    c for c, logged in _LOGGED.items() if logged.outcome is Outcome.LOGIN_FAILED
)


def logged_for(cause: Cause | str | None) -> Logged | None:
    """What the server's log says about a check that ended with ``cause``, when it decided."""
    try:
        return _LOGGED.get(Cause(cause)) if cause else None
    except ValueError:
        return None
