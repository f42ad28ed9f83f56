"""What happened to a login or a message, in one vocabulary for the report's hints and the log
reader alike.

``Outcome`` and ``Reason`` are the log reader's stable codes (``logs --json``). ``Logged`` pairs
them: what a server's log line says happened, and so the key under which each product keeps
the words that line has. The self-test's ``Outcome`` (``wizard.selftest``) is another thing —
whether one of the app's own start-up checks passed — and keeps its name there.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Outcome(enum.StrEnum):
    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    BLOCKLISTED = "blocklisted"
    MESSAGE_ACCEPTED = "message_accepted"
    DELIVERED = "delivered"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    UNKNOWN = "unknown"  # lines of a session whose start is not in the log


class Reason(enum.StrEnum):
    """Why a login failed; stable codes for scripts (names of causes, not passwords: S105)."""

    WRONG_PASSWORD = "wrong_password"  # noqa: S105
    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD_OR_UNKNOWN_USER = "wrong_password_or_unknown_user"  # noqa: S105
    SHORT_USERNAME = "short_username"
    NO_TLS = "no_tls"
    NO_AUTH_ATTEMPT = "no_auth_attempt"
    ACCOUNT_DISABLED = "account_disabled"
    TLS_FAILED = "tls_failed"
    AUTH_UNAVAILABLE = "auth_unavailable"


class Logged(NamedTuple):
    """What one connection's line in the server's log says happened to it."""

    outcome: Outcome
    reason: Reason | None = None


LOGGED_IN = Logged(Outcome.LOGIN_OK)
# The server cannot tell a wrong password from an unknown login to the client, nor always in
# its own log; the words of its line are the same for both.
LOGIN_REFUSED = Logged(Outcome.LOGIN_FAILED, Reason.WRONG_PASSWORD_OR_UNKNOWN_USER)
ACCOUNT_DISABLED = Logged(Outcome.LOGIN_FAILED, Reason.ACCOUNT_DISABLED)
AUTH_UNAVAILABLE = Logged(Outcome.LOGIN_FAILED, Reason.AUTH_UNAVAILABLE)
BLOCKLISTED = Logged(Outcome.BLOCKLISTED)
# Connected, but the connection ended before any login attempt.
NO_LOGIN = Logged(Outcome.LOGIN_FAILED, Reason.NO_AUTH_ATTEMPT)
