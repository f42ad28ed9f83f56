"""The person's names for what was checked, and one status word for each outcome.

Protocol names (IMAP, SMTP, ManageSieve), hosts and ports belong to the details and the report;
the summary rows say what the person cares about. Keyed by the service's value so a service the
core adds later (the test message, "roundtrip") needs only a line here.
"""

from __future__ import annotations

from wizard import words
from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.words import SERVICE_NAMES, service_name

# Services whose failure does not stop mail from working: shown neutral, never red.
OPTIONAL_SERVICES = frozenset({"sieve"})


_TRIP_WORDS = {
    Cause.ARRIVED_IN_JUNK: words.IN_JUNK,
    Cause.DELIVERY_DELAYED: words.NOT_ARRIVED,
    Cause.BOUNCED: words.CAME_BACK,
    Cause.SUBMISSION_REFUSED: words.NOT_SENT,
}

__all__ = ["OPTIONAL_SERVICES", "SERVICE_NAMES", "service_name", "status_word"]


def status_word(result: CheckResult) -> str:
    """One word or two for a row: what the person would say about it."""
    if result.ok:
        return words.ARRIVED if str(result.service) == "roundtrip" else words.WORKS
    if result.cancelled:
        return words.STOPPED
    if str(result.service) == "roundtrip":
        return (
            _TRIP_WORDS.get(result.cause, words.NOT_WORKING) if result.cause else words.NOT_WORKING
        )
    cause = result.cause
    if cause in (Cause.AUTH_FAILED, Cause.ACCOUNT_DISABLED):
        return words.LOGIN_REFUSED
    if str(result.service) in OPTIONAL_SERVICES:
        return words.NOT_AVAILABLE  # not reachable or not offered: nothing the person must do
    if cause in (
        Cause.DNS_FAILED,
        Cause.CONNECTION_REFUSED,
        Cause.CONNECTION_TIMEOUT,
        Cause.CONNECTION_BLOCKED,
        Cause.NO_GREETING,
    ):
        return words.NOT_REACHED
    if cause is Cause.WRONG_SECURITY:
        return words.WRONG_SETTINGS
    if cause in (
        Cause.CERTIFICATE_UNTRUSTED,
        Cause.CERTIFICATE_EXPIRED,
        Cause.CERTIFICATE_NOT_YET_VALID,
        Cause.CERTIFICATE_HOSTNAME_MISMATCH,
        Cause.STARTTLS_UNAVAILABLE,
        Cause.TLS_FAILED,
    ):
        return words.NOT_SAFE
    return words.NOT_WORKING
