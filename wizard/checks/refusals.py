"""Why a server refused a login, from its answer: a wrong password, a locked account, or a fault
on the server's side.

The point of this module is the advice that follows: "check the password" is only said when the
server did not say the fault is its own or the account's. The server's answer is read in order of
how much it commits to:

1. a machine-readable code, when it sends one: IMAP response codes (RFC 5530), SMTP enhanced
   status codes (RFC 3463, registry RFC 5248) and the SMTP reply class (4xx is temporary,
   RFC 5321 4.2.1), ManageSieve response codes (RFC 5804 1.3);
2. otherwise the wording of widely deployed servers, which mostly send no code (Cyrus,
   Exim, Postfix with Cyrus SASL, Exchange / Microsoft 365, Gmail): one table
   shared by the three protocols, since the text usually comes from the same login back end;
3. otherwise a plain refusal, ``auth_failed``.

Each table row names who says it, so a new server's wording can be added beside its neighbours;
the tests hold every row to a real sample.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult, Direction, TranscriptLine
from wizard.services import Service

__all__ = ["classify_imap", "classify_sieve", "classify_smtp", "is_bare", "settle_bare_refusals"]


@dataclass(frozen=True)
class _Wording:
    pattern: re.Pattern[str]
    cause: Cause
    said_by: str  # who sends this wording, for the next reader (and the tests' ids)


def _w(regex: str, cause: Cause, said_by: str) -> _Wording:
    return _Wording(re.compile(regex, re.IGNORECASE), cause, said_by)


# First match wins, so the narrower rows come first: "TLS required" before "not allowed".
WORDING: tuple[_Wording, ...] = (
    # A policy about the connection, not the account or the password.
    _w(
        r"\b(plaintext|cleartext|plain-text)\b.{0,60}\b(disallowed|not allowed|not permitted)\b"
        r"|\b(requires?|required|must use)\b.{0,30}\b(ssl|tls|encryption|starttls)\b",
        Cause.PROTOCOL_ERROR,
        "Dovecot: plaintext login refused without TLS",
    ),
    # The account exists but may not log in.
    _w(
        r"\bauthori[sz]ation (failure|failed)\b",
        Cause.ACCOUNT_DISABLED,
        "Cyrus (cyr_deny, userdeny), Cyrus SASL SASL_NOAUTHZ",
    ),
    _w(
        r"\b(disabled|suspended|deactivated|locked( out)?|blocked|inactive)\b",
        Cause.ACCOUNT_DISABLED,
        "Microsoft 365 (SMTP AUTH disabled, user locked), Dovecot nologin, a back end's reason",
    ),
    _w(
        r"\bnot (enabled|activated|allowed|permitted) (for|to)\b",
        Cause.ACCOUNT_DISABLED,
        "Gmail: 'Your account is not enabled for IMAP use'",
    ),
    _w(
        r"\bcontact (your |the )?(system |mail |email )?(admin|administrator|support|helpdesk)\b",
        Cause.ACCOUNT_DISABLED,
        "Microsoft 365: 'Contact your administrator'",
    ),
    # The login service itself is failing.
    _w(
        r"\bgeneric failure\b",
        Cause.AUTH_UNAVAILABLE,
        "Cyrus IMAP and Postfix with Cyrus SASL: saslauthd or the user database unreachable",
    ),
    _w(
        r"\btemporar(y|ily)\b",
        Cause.AUTH_UNAVAILABLE,
        "Dovecot, Postfix, Exchange: 'Temporary authentication failure'",
    ),
    _w(
        r"\btry (it )?(again )?later\b",
        Cause.AUTH_UNAVAILABLE,
        "Gmail, Exchange Online: 'try again later'",
    ),
    _w(
        r"\bunable to authenticate at present\b",
        Cause.AUTH_UNAVAILABLE,
        "Exim: an authenticator condition that deferred",
    ),
    _w(
        r"\b(internal|system|server|backend|database)[ -](error|failure|problem|bug)\b",
        Cause.AUTH_UNAVAILABLE,
        "Dovecot 'Internal error occurred', Exchange Online 'Temporary server error'",
    ),
    _w(
        r"\b(unavailable|not available|out of service)\b",
        Cause.AUTH_UNAVAILABLE,
        "servers that say the service is unavailable in words",
    ),
)


def _by_wording(text: str) -> Cause | None:
    for row in WORDING:
        if row.pattern.search(text):
            return row.cause
    return None


# -- IMAP -------------------------------------------------------------------------------------

IMAP_CODES: dict[str, Cause] = {
    # RFC 5530 section 3.
    "UNAVAILABLE": Cause.AUTH_UNAVAILABLE,  # the login back end is down
    "SERVERBUG": Cause.AUTH_UNAVAILABLE,
    "LIMIT": Cause.AUTH_UNAVAILABLE,  # e.g. too many sessions for this user right now
    "INUSE": Cause.AUTH_UNAVAILABLE,
    "AUTHENTICATIONFAILED": Cause.AUTH_FAILED,
    "AUTHORIZATIONFAILED": Cause.ACCOUNT_DISABLED,
    "EXPIRED": Cause.ACCOUNT_DISABLED,
    "CONTACTADMIN": Cause.ACCOUNT_DISABLED,
    # Only sent without TLS, which this app never logs in without: a server policy to show IT.
    "PRIVACYREQUIRED": Cause.PROTOCOL_ERROR,
}

_IMAP_STATUS_RE = re.compile(r"^\s*(?:\S+\s+)?(?:NO|BAD|BYE)\b\s*", re.IGNORECASE)
_IMAP_CODE_RE = re.compile(r"\[([A-Za-z][A-Za-z0-9-]*)(?:\s[^\]]*)?\]")


def classify_imap(line: str) -> Cause:
    """Cause of a refused LOGIN / AUTHENTICATE, from the tagged (or BYE) line."""
    text = _IMAP_STATUS_RE.sub("", line, count=1)
    for code in _IMAP_CODE_RE.findall(text):
        cause = IMAP_CODES.get(code.upper())
        if cause is not None:
            return cause
    return _by_wording(_IMAP_CODE_RE.sub(" ", text)) or Cause.AUTH_FAILED


# -- SMTP -------------------------------------------------------------------------------------

# RFC 3463 / RFC 5248 enhanced codes that settle the cause whatever the text says. Codes such
# as 5.7.8 ("authentication credentials invalid") are not here: Postfix sends 5.7.8 for every
# SASL failure and puts the reason ("generic failure", "account disabled") in the text.
SMTP_ENHANCED: dict[str, Cause] = {
    "5.7.13": Cause.ACCOUNT_DISABLED,  # user account disabled
    "4.7.12": Cause.ACCOUNT_DISABLED,  # a password transition is needed (RFC 4954)
    "5.7.9": Cause.PROTOCOL_ERROR,  # authentication mechanism is too weak
    "5.7.11": Cause.PROTOCOL_ERROR,  # encryption required for requested mechanism
}

_SMTP_ENHANCED_RE = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def classify_smtp(code: int, text: str) -> Cause:
    """Cause of a refused AUTH, from the reply code and its text (without the code)."""
    m = _SMTP_ENHANCED_RE.match(text)
    enhanced = ".".join(m.groups()) if m else ""
    if enhanced in SMTP_ENHANCED:
        return SMTP_ENHANCED[enhanced]
    if 400 <= code < 500 or enhanced.startswith("4."):
        # A transient reply: the server says the fault is its own and may pass (454 4.7.0
        # "Temporary authentication failure", Exim's 435, 421 when it is shutting down).
        return Cause.AUTH_UNAVAILABLE
    if code in (534, 538):  # RFC 4954: mechanism too weak, encryption required
        return _by_wording(text) or Cause.PROTOCOL_ERROR
    if code == 525:  # RFC 5248: user account disabled
        return Cause.ACCOUNT_DISABLED
    return _by_wording(text[m.end() :] if m else text) or Cause.AUTH_FAILED


# -- ManageSieve ------------------------------------------------------------------------------

SIEVE_CODES: dict[str, Cause] = {
    # RFC 5804 section 1.3.
    "TRYLATER": Cause.AUTH_UNAVAILABLE,
    "TRANSITION-NEEDED": Cause.ACCOUNT_DISABLED,  # IT must switch the account's password scheme
    "AUTH-TOO-WEAK": Cause.PROTOCOL_ERROR,
    "ENCRYPT-NEEDED": Cause.PROTOCOL_ERROR,
    # Servers that share their IMAP login code also send RFC 5530 codes here.
    **{code: cause for code, cause in IMAP_CODES.items()},
}


def classify_sieve(code: str, text: str) -> Cause:
    """Cause of a refused AUTHENTICATE from the response code (may be empty) and its text."""
    head = code.strip().split(" ", 1)[0].split("/", 1)[0].upper()
    if head in SIEVE_CODES:
        return SIEVE_CODES[head]
    return _by_wording(text) or Cause.AUTH_FAILED


# -- a refusal that says only "no" -----------------------------------------------------------


_SIEVE_STATUS_RE = re.compile(r"^\s*(?:NO|BYE)\s*(\([^)]*\))?\s*(.*)$", re.IGNORECASE)


def is_bare(service: Service, line: str) -> bool:
    """True when a refusal carries no code and none of the wording above: it says only "no".

    Cyrus timsieved, for one, answers NO "Authentication Error" whether the password is wrong,
    the user is denied or saslauthd is down.
    """
    if service is Service.IMAP:
        text = _IMAP_STATUS_RE.sub("", line, count=1)
        return not _IMAP_CODE_RE.search(text) and _by_wording(text) is None
    if service is Service.SMTP:
        code, _, text = line.partition(" ")
        return not _SMTP_ENHANCED_RE.match(text) and code.startswith("5") and not _by_wording(text)
    sieve = _SIEVE_STATUS_RE.match(line)
    return sieve is not None and sieve.group(1) is None and _by_wording(sieve.group(2)) is None


_SAID_WHY = (Cause.AUTH_UNAVAILABLE, Cause.ACCOUNT_DISABLED)


def settle_bare_refusals(results: Sequence[CheckResult]) -> None:
    """Give a bare ``auth_failed`` the cause another service on the same host said for the same
    login in the same run.

    Services on one host share one login back end (Cyrus's imapd and timsieved both ask Cyrus
    SASL), so when imapd says "generic failure" (saslauthd down) and timsieved only "NO", the
    person must not be told the password is wrong on one line and that it is not on the next.
    A refusal that names its own reason (a code, or known wording) keeps it.
    """
    for result in results:
        if result.cause is not Cause.AUTH_FAILED or not result.server_responses:
            continue
        if not is_bare(result.service, result.server_responses[-1]):
            continue
        sibling = next(
            (
                r
                for r in results
                if r is not result
                and r.cause in _SAID_WHY
                and r.host.lower() == result.host.lower()
                and r.username == result.username
            ),
            None,
        )
        if sibling is None or sibling.cause is None:
            continue
        result.cause = sibling.cause  # its words are given above the checks, from the cause
        result.transcript.append(
            TranscriptLine(
                datetime.now(UTC),
                Direction.NOTE,
                f"this refusal gave no reason; {sibling.service.label} on the same server said "
                f"{sibling.cause} for the same login, so that is the cause given",
            )
        )
