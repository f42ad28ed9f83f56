"""Why a check ended: the stable cause codes, the failure a check raises, and its cancel.

The codes are stable (the CLI's JSON, the report and the tests rely on them); the plain words
for each live in :mod:`wizard.diagnosis`.
"""

from __future__ import annotations

import enum

from wizard.errors import WizardError


class Cause(enum.StrEnum):
    DNS_FAILED = "dns_failed"
    CONNECTION_REFUSED = "connection_refused"
    CONNECTION_TIMEOUT = "connection_timeout"  # never connected: blocked or unreachable
    NO_GREETING = "no_greeting"  # connected, but the server said nothing within the bound
    WRONG_SECURITY = "wrong_security"  # the port speaks TLS from the start, or plain text
    TLS_FAILED = "tls_failed"
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_NOT_YET_VALID = "certificate_not_yet_valid"
    CERTIFICATE_HOSTNAME_MISMATCH = "certificate_hostname_mismatch"
    STARTTLS_UNAVAILABLE = "starttls_unavailable"
    AUTH_FAILED = "auth_failed"
    AUTH_UNAVAILABLE = "auth_unavailable"
    ACCOUNT_DISABLED = "account_disabled"
    CONNECTION_BLOCKED = "connection_blocked"
    PROTOCOL_ERROR = "protocol_error"
    CANCELLED = "cancelled"
    # Outcomes of the test message (sent to oneself), not of a login.
    ARRIVED_IN_JUNK = "arrived_in_junk"
    SUBMISSION_REFUSED = "submission_refused"
    DELIVERY_DELAYED = "delivery_delayed"
    BOUNCED = "bounced"


class CheckFailure(WizardError):
    """Raised by a protocol check when the server's answer settles the cause.

    ``server_text`` is the server's own response line, kept for the report and for IMAP
    ``[ALERT]`` texts, which must be shown to the user as they are.
    """

    def __init__(self, cause: Cause, detail: str, server_text: str = "") -> None:
        super().__init__(detail)
        self.cause = cause
        self.detail = detail
        self.server_text = server_text


class CheckCancelled(WizardError):
    """Raised inside a check when its cancel token fires (not asyncio's CancelledError)."""
