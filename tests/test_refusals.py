"""The refusal table against what real servers say when they turn a login down.

Every sample is the wording a named product sends (the Dovecot and Cyrus ones were captured from
the real servers this suite starts; the others are the documented or widely reported answers of
hosted services). The id names the product, so a failure says whose wording broke.
"""

from __future__ import annotations

import pytest

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.checks.refusals import (
    WORDING,
    classify_imap,
    classify_sieve,
    classify_smtp,
    is_bare,
    settle_bare_refusals,
)
from wizard.diagnosis import explain_result
from wizard.provider import load_default_provider
from wizard.services import Security, Service

FAILED, DISABLED, UNAVAILABLE, PROTOCOL = (
    Cause.AUTH_FAILED,
    Cause.ACCOUNT_DISABLED,
    Cause.AUTH_UNAVAILABLE,
    Cause.PROTOCOL_ERROR,
)

IMAP_SAMPLES = [
    ("dovecot-wrong-password", "a1 NO [AUTHENTICATIONFAILED] Authentication failed.", FAILED),
    ("dovecot-nologin", "CELJ0 NO [CONTACTADMIN] Login disabled for this user", DISABLED),
    (
        "dovecot-passdb-down",
        "a1 NO [UNAVAILABLE] Temporary authentication failure. [vm:2026-12-01 08:38:07]",
        UNAVAILABLE,
    ),
    (
        "dovecot-no-tls",
        "a1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) "
        "connections.",
        PROTOCOL,
    ),
    (
        "dovecot-internal-error",
        "a1 NO [UNAVAILABLE] Internal error occurred. Refer to server log for more information.",
        UNAVAILABLE,
    ),
    ("cyrus-wrong-password", "a1 NO Login failed: authentication failure", FAILED),
    ("cyrus-cyr_deny", "a1 NO Login failed: authorization failure", DISABLED),
    ("cyrus-saslauthd-down", "a1 NO Login failed: generic failure", UNAVAILABLE),
    ("cyrus-authenticate-saslauthd-down", "a1 NO generic failure", UNAVAILABLE),
    ("gmail-wrong-password", "a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", FAILED),
    (
        "gmail-imap-not-enabled",
        "a1 NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail "
        "settings page and enable your account for IMAP access. (Failure)",
        DISABLED,
    ),
    (
        "gmail-app-password",
        "a1 NO [ALERT] Application-specific password required: "
        "https://support.google.com/accounts/answer/185833 (Failure)",
        FAILED,
    ),
    ("exchange-wrong-password", "a1 NO AUTHENTICATE failed.", FAILED),
    ("exchange-login-failed", "a1 NO LOGIN failed.", FAILED),
    ("courier-wrong-password", "a1 NO Login failed.", FAILED),
    ("zimbra-wrong-password", "a1 NO LOGIN failed", FAILED),
    ("yahoo-wrong-password", "a1 NO [AUTHENTICATIONFAILED] LOGIN Invalid credentials", FAILED),
    (
        "rfc5530-authorizationfailed",
        "a1 NO [AUTHORIZATIONFAILED] No such authorized identity",
        DISABLED,
    ),
    ("rfc5530-expired", "a1 NO [EXPIRED] That password isn't valid any more", DISABLED),
    ("rfc5530-serverbug", "a1 NO [SERVERBUG] This should not happen", UNAVAILABLE),
    ("rfc5530-limit", "a1 NO [LIMIT] Too many sessions for this user", UNAVAILABLE),
    ("bye-instead-of-no", "* BYE [UNAVAILABLE] Authentication service down", UNAVAILABLE),
]

SMTP_SAMPLES = [
    ("dovecot-wrong-password", 535, "5.7.8 Authentication failed.", FAILED),
    ("dovecot-nologin", 525, "5.7.13 Login disabled for this user", DISABLED),
    (
        "dovecot-passdb-down",
        454,
        "4.7.0 Temporary authentication failure. [vm:2026-12-01]",
        UNAVAILABLE,
    ),
    ("haraka-wrong-password", 535, "5.7.8 Authentication failed", FAILED),
    ("exim-wrong-password", 535, "Incorrect authentication data", FAILED),
    ("exim-condition-deferred", 435, "Unable to authenticate at present", UNAVAILABLE),
    (
        "postfix-wrong-password",
        535,
        "5.7.8 Error: authentication failed: authentication failure",
        FAILED,
    ),
    (
        "postfix-cyrus-sasl-saslauthd-down",
        535,
        "5.7.8 Error: authentication failed: generic failure",
        UNAVAILABLE,
    ),
    (
        "postfix-passing-the-back-ends-reason",
        535,
        "5.7.8 Error: authentication failed: Login disabled for this user",
        DISABLED,
    ),
    (
        "postfix-temporary",
        454,
        "4.7.0 Temporary authentication failure: Connection lost",
        UNAVAILABLE,
    ),
    (
        "gmail-wrong-password",
        535,
        "5.7.8 Username and Password not accepted. For more information, go to\n"
        "5.7.8  https://support.google.com/mail/?p=BadCredentials",
        FAILED,
    ),
    (
        "gmail-rate-limit",
        454,
        "4.7.0 Too many login attempts, please try again later.",
        UNAVAILABLE,
    ),
    (
        "microsoft365-smtp-auth-disabled",
        535,
        "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
        "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
        DISABLED,
    ),
    (
        "microsoft365-wrong-password",
        535,
        "5.7.139 Authentication unsuccessful, the user credentials were incorrect.",
        FAILED,
    ),
    (
        "microsoft365-locked",
        535,
        "5.7.139 Authentication unsuccessful, user is locked by your organization's security "
        "defaults policy. Contact your administrator.",
        DISABLED,
    ),
    ("exchange-wrong-password", 535, "5.7.3 Authentication unsuccessful", FAILED),
    ("exchange-temporary", 454, "4.7.0 Temporary authentication failure", UNAVAILABLE),
    (
        "exchange-online-server-error",
        451,
        "4.7.0 Temporary server error. Please try again later. PRX4",
        UNAVAILABLE,
    ),
    ("opensmtpd-wrong-password", 535, "Authentication failed", FAILED),
    ("courier-wrong-password", 535, "Authentication failed.", FAILED),
    ("server-closing", 421, "4.4.2 Connection dropped", UNAVAILABLE),
    ("rfc4954-mechanism-too-weak", 534, "5.7.9 Authentication mechanism is too weak", PROTOCOL),
    ("rfc4954-encryption-required", 538, "5.7.11 Encryption required", PROTOCOL),
    ("rfc5248-disabled-code-only", 535, "5.7.13 Go away", DISABLED),
]

SIEVE_SAMPLES = [
    ("dovecot-wrong-password", "", "Authentication failed.", FAILED),
    ("dovecot-nologin", "", "Login disabled for this user", DISABLED),
    ("dovecot-passdb-down", "TRYLATER", "Temporary authentication failure. [vm:2026]", UNAVAILABLE),
    # Cyrus timsieved says the same for every refusal (wrong password, cyr_deny, saslauthd down).
    ("cyrus-timsieved-any-refusal", "", "Authentication Error", FAILED),
    ("rfc5804-transition-needed", "TRANSITION-NEEDED", "Change your password", DISABLED),
    ("rfc5804-encrypt-needed", "ENCRYPT-NEEDED", "Use STARTTLS first", PROTOCOL),
    ("rfc5530-code-in-sieve", "UNAVAILABLE", "Back end down", UNAVAILABLE),
]


@pytest.mark.parametrize(
    ("line", "expected"), [s[1:] for s in IMAP_SAMPLES], ids=[s[0] for s in IMAP_SAMPLES]
)
def test_imap_refusal_is_read_as_the_server_meant(line: str, expected: Cause) -> None:
    assert classify_imap(line) == expected


@pytest.mark.parametrize(
    ("code", "text", "expected"), [s[1:] for s in SMTP_SAMPLES], ids=[s[0] for s in SMTP_SAMPLES]
)
def test_smtp_refusal_is_read_as_the_server_meant(code: int, text: str, expected: Cause) -> None:
    assert classify_smtp(code, text) == expected


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [s[1:] for s in SIEVE_SAMPLES],
    ids=[s[0] for s in SIEVE_SAMPLES],
)
def test_sieve_refusal_is_read_as_the_server_meant(code: str, text: str, expected: Cause) -> None:
    assert classify_sieve(code, text) == expected


def test_an_rfc5530_code_outranks_the_wording() -> None:
    # The code is the server's considered answer; the text is for humans and may mislead.
    assert classify_imap("a1 NO [AUTHENTICATIONFAILED] temporary glitch, try later") == FAILED
    assert classify_imap("a1 NO [UNAVAILABLE] account disabled?") == UNAVAILABLE


def test_a_transient_smtp_reply_is_never_a_wrong_password_whatever_it_says() -> None:
    for code in (421, 432, 435, 451, 454):
        assert classify_smtp(code, "Authentication failed") == UNAVAILABLE


def test_every_wording_row_is_exercised_by_a_real_sample() -> None:
    texts = [s[1] for s in IMAP_SAMPLES] + [s[2] for s in SMTP_SAMPLES + SIEVE_SAMPLES]
    unused = [row.said_by for row in WORDING if not any(row.pattern.search(t) for t in texts)]
    assert not unused, f"rows with no sample: {unused}"


@pytest.mark.parametrize(
    ("service", "line", "bare"),
    [
        (Service.SIEVE, 'NO "Authentication Error"', True),  # Cyrus timsieved
        (Service.SIEVE, 'NO (TRYLATER) "Temporary authentication failure."', False),  # Dovecot
        (Service.SIEVE, 'NO "Login disabled for this user"', False),  # Dovecot
        (Service.IMAP, "a1 NO Login failed: authentication failure", True),  # Cyrus
        (Service.IMAP, "a1 NO [AUTHENTICATIONFAILED] Authentication failed.", False),  # Dovecot
        (Service.IMAP, "a1 NO Login failed: generic failure", False),  # Cyrus
        (Service.SMTP, "535 Incorrect authentication data", True),  # Exim
        (Service.SMTP, "535 5.7.8 Authentication failed.", False),  # Dovecot, Haraka
        (Service.SMTP, "454 4.7.0 Temporary authentication failure", False),
    ],
)
def test_a_refusal_is_bare_only_when_it_gives_no_reason(service, line, bare) -> None:
    assert is_bare(service, line) is bare


def _refused(service: Service, cause: Cause, last: str, host: str = "my.sepheo.co") -> CheckResult:
    port = {Service.IMAP: 993, Service.SMTP: 587, Service.SIEVE: 4190}[service]
    r = CheckResult(service, host, port, Security.TLS, "joe.bloggs@sepheo.co", cause=cause)
    r.server_responses.append(last)
    return r


def test_a_bare_refusal_takes_the_reason_a_sibling_on_the_same_host_gave() -> None:
    provider = load_default_provider()
    imap = _refused(Service.IMAP, UNAVAILABLE, "a1 NO Login failed: generic failure")
    sieve = _refused(Service.SIEVE, FAILED, 'NO "Authentication Error"')
    smtp = _refused(Service.SMTP, FAILED, "535 5.7.8 Authentication failed.")
    settle_bare_refusals([imap, sieve, smtp])
    explain_result(sieve, provider, "joe.bloggs@sepheo.co")  # the words, given above the checks
    assert sieve.cause == UNAVAILABLE and "not your password" in sieve.message
    assert "4190" in sieve.message
    assert smtp.cause == FAILED  # 5.7.8 says "credentials invalid": its own reason stands


def test_a_bare_refusal_elsewhere_or_for_another_login_keeps_auth_failed() -> None:
    imap = _refused(Service.IMAP, DISABLED, "a1 NO Login failed: authorization failure")
    other_host = _refused(Service.SIEVE, FAILED, 'NO "Authentication Error"', host="sieve.x.org")
    settle_bare_refusals([imap, other_host])
    assert other_host.cause == FAILED
    other_login = _refused(Service.SIEVE, FAILED, 'NO "Authentication Error"')
    other_login.username = "joe.bloggs"
    settle_bare_refusals([imap, other_login])
    assert other_login.cause == FAILED
