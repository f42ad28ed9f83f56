"""The person's names for what was checked, and one status word for each outcome.

Protocol names (IMAP, SMTP, ManageSieve), hosts and ports belong to the details and the report;
the summary rows say what the person cares about. Keyed by the service's value so a service the
core adds later (the test message, "roundtrip") needs only a line here.
"""

from __future__ import annotations

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult

# In the order the rows are shown.
SERVICE_NAMES: dict[str, str] = {
    "imap": "Receiving mail",
    "smtp": "Sending mail",
    "roundtrip": "Test message",
    "sieve": "Mail filters (optional)",
}
# Services whose failure does not stop mail from working: shown neutral, never red.
OPTIONAL_SERVICES = frozenset({"sieve"})


_TRIP_WORDS = {
    Cause.ARRIVED_IN_JUNK: "In Junk",
    Cause.DELIVERY_DELAYED: "Not arrived",
    Cause.BOUNCED: "Came back",
    Cause.SUBMISSION_REFUSED: "Not sent",
}


def service_name(service: str) -> str:
    return SERVICE_NAMES.get(str(service), str(service).capitalize())


def status_word(result: CheckResult) -> str:
    """One word or two for a row: what the person would say about it."""
    if result.ok:
        return "Arrived" if str(result.service) == "roundtrip" else "Works"
    if result.cancelled:
        return "Stopped"
    if str(result.service) == "roundtrip":
        return _TRIP_WORDS.get(result.cause, "Not working") if result.cause else "Not working"
    cause = result.cause
    if cause in (Cause.AUTH_FAILED, Cause.ACCOUNT_DISABLED):
        return "Login refused"
    if str(result.service) in OPTIONAL_SERVICES:
        return "Not available"  # not reachable or not offered: nothing the person must do
    if cause in (
        Cause.DNS_FAILED,
        Cause.CONNECTION_REFUSED,
        Cause.CONNECTION_TIMEOUT,
        Cause.CONNECTION_BLOCKED,
        Cause.NO_GREETING,
    ):
        return "Not reached"
    if cause is Cause.WRONG_SECURITY:
        return "Wrong settings"
    if cause in (
        Cause.CERTIFICATE_UNTRUSTED,
        Cause.CERTIFICATE_EXPIRED,
        Cause.CERTIFICATE_NOT_YET_VALID,
        Cause.CERTIFICATE_HOSTNAME_MISMATCH,
        Cause.STARTTLS_UNAVAILABLE,
        Cause.TLS_FAILED,
    ):
        return "Not safe"
    return "Not working"
