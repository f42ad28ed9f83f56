"""Turning what went wrong into a stable cause code, plain words, and what to do about it.

The codes are stable (the CLI's JSON, the report and the tests rely on them); the words are for
the person in front of the screen, so they say what happened and what to try, not how TLS works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard import APP_NAME
from wizard.checks.causes import classify_exception  # noqa: F401 - its old home, kept for readers
from wizard.checks.errors import Cause
from wizard.provider import Provider, ServerSettings
from wizard.services import Security, Service
from wizard.words import security_described

if TYPE_CHECKING:
    from wizard.checks.model import CheckResult
    from wizard.checks.test_message import TestMessageResult


@dataclass(frozen=True)
class Diagnosis:
    cause: Cause
    message: str
    advice: str


# What went wrong in a few words and without a place, for a line naming several services at
# once ("Receiving mail and sending mail: the server refused the connection (host ports …)").
CAUSE_PHRASES: dict[Cause, str] = {
    Cause.DNS_FAILED: "this computer could not find the server",
    Cause.CONNECTION_REFUSED: "the server refused the connection",
    Cause.CONNECTION_TIMEOUT: "no answer in time",
    Cause.TLS_FAILED: "a secure connection could not be set up",
    Cause.CERTIFICATE_UNTRUSTED: "the server's security certificate is not trusted",
    Cause.CERTIFICATE_EXPIRED: "the server's security certificate is out of date",
    Cause.CERTIFICATE_NOT_YET_VALID: "the server's security certificate is not valid yet",
    Cause.CERTIFICATE_HOSTNAME_MISMATCH: "the server showed a certificate for another name",
    Cause.STARTTLS_UNAVAILABLE: "the server did not offer a secure connection",
    Cause.AUTH_FAILED: "the server did not accept the email address and password",
    Cause.AUTH_UNAVAILABLE: "the login service is not working right now (not your password)",
    Cause.ACCOUNT_DISABLED: "this mailbox is not allowed to log in",
    Cause.CONNECTION_BLOCKED: "the server refused this network",
    Cause.PROTOCOL_ERROR: f"the server answered in a way {APP_NAME} did not expect",
    Cause.CANCELLED: "the check was stopped",
}


# The provider-file element each service's settings live in (for IT's advice).
_ELEMENTS = {
    Service.IMAP: '<incomingServer type="imap">',
    Service.SMTP: '<outgoingServer type="smtp">',
    Service.SIEVE: "<manageSieveServer>",
}


def _where(server: ServerSettings) -> str:
    return f"{server.hostname} port {server.port}"


def explain(
    cause: Cause,
    server: ServerSettings,
    provider: Provider,
    username: str,
    address: str,
    server_text: str = "",
    *,
    endless: bool = False,
) -> Diagnosis:
    """Plain-language message and advice for a cause on one service.

    Every message names this service's own host and port: the three services often share a
    host but not a port, and "port 993" in the outgoing-mail line would send IT to the wrong
    log and the wrong firewall rule.

    ``endless``: a ``protocol_error`` because the server's answer broke a size limit or did not
    end in time.
    """
    where = _where(server)
    support = provider.branding.support_email
    ask_it = f"contact {support}" if support else "contact your IT support"
    account_page = provider.branding.account_page_name or provider.branding.account_page

    if cause == Cause.AUTH_FAILED:
        msg = f"The server {where} did not accept the email address and password."
        if username != address and "@" not in username:
            msg = (
                f"The login “{username}” was refused by {where}: the server wants your full "
                f"email address, {address}."
            )
            return Diagnosis(cause, msg, f"Log in with {address} and your usual password.")
        advice = "Check the password (is Caps Lock on?)."
        if account_page:
            advice += (
                f" It is the same password you use on {account_page}; if you can log in there, "
                f"retype it here. If you cannot, reset it there or {ask_it}."
            )
        else:
            advice += f" If you have forgotten it, {ask_it}."
        return Diagnosis(cause, msg, advice)
    if cause == Cause.ACCOUNT_DISABLED:
        return Diagnosis(
            cause,
            f"The password was right, but this mailbox is not allowed to log in on {where}.",
            f"The mailbox may be disabled or not yet enabled: {ask_it}.",
        )
    if cause == Cause.AUTH_UNAVAILABLE:
        return Diagnosis(
            cause,
            f"The server {where} is reachable but its login service is not working right "
            "now. This is not your password.",
            f"Try again in a few minutes. If it lasts, {ask_it}.",
        )
    if cause == Cause.DNS_FAILED:
        return Diagnosis(
            cause,
            f"This computer could not find the server {server.hostname} (wanted on port "
            f"{server.port}).",
            "Check that you are connected to the internet (open a website). If other sites "
            f"work, the server name may be wrong: {ask_it}.",
        )
    if cause == Cause.CONNECTION_REFUSED:
        return Diagnosis(
            cause,
            f"The server {server.hostname} refused the connection on port {server.port}.",
            "The mail service may be down, or this network blocks that port. Try "
            f"again later or from another network; if it lasts, {ask_it}.",
        )
    if cause == Cause.CONNECTION_TIMEOUT:
        advice = (
            f"Port {server.port} seems blocked on this network (hotel, guest or company "
            f"Wi-Fi often block mail ports) or the server is down. Try another network, such "
            f"as a phone hotspot."
        )
        if server.service is Service.SMTP:
            alt = [a for a in provider.smtp_alternatives if a.port != server.port]
            if alt:
                advice += (
                    f" Your provider also offers port {alt[0].port} "
                    f"({alt[0].security.value.upper()}), which some networks allow: use it "
                    f"for outgoing mail if this persists."
                )
            else:
                advice += " Your provider does not offer another outgoing port."
        return Diagnosis(cause, f"No answer from {where} in time.", advice)
    if cause == Cause.CONNECTION_BLOCKED:
        said = server_text.strip()
        if said and not said.endswith((".", "!")):
            said += "."
        return Diagnosis(
            cause,
            f"The server {where} refused this network: {said}".strip(),
            "Your internet address is on a spam blocklist (e.g. Spamhaus). Try another "
            f"network, and send this report to {support or 'IT'} so they can check the listing.",
        )
    if cause == Cause.CERTIFICATE_EXPIRED:
        return Diagnosis(
            cause,
            f"The security certificate of {where} is out of date (or this computer's clock "
            "is wrong).",
            "Check this computer's date and time. If they are right, the server's certificate "
            f"has expired: {ask_it}. Do not tell your mail program to ignore it.",
        )
    if cause == Cause.CERTIFICATE_NOT_YET_VALID:
        return Diagnosis(
            cause,
            f"The security certificate of {where} is not valid yet: this computer's clock is "
            "probably wrong.",
            "Set the correct date and time on this computer, then check again.",
        )
    if cause == Cause.CERTIFICATE_HOSTNAME_MISMATCH:
        return Diagnosis(
            cause,
            f"The server answering for {where} showed a certificate for another name.",
            f"Something between you and the server may be intercepting the connection, or "
            f"the server is misconfigured. Do not accept the certificate; {ask_it}.",
        )
    if cause == Cause.CERTIFICATE_UNTRUSTED:
        return Diagnosis(
            cause,
            f"The security certificate of {where} is not trusted by this computer.",
            "If you run antivirus software with a mail or web shield (Avast, AVG, Kaspersky, "
            "ESET…), it may be replacing the certificate: turn off its mail scanning and check "
            f"again. Otherwise {ask_it}. Do not tell your mail program to ignore it.",
        )
    if cause == Cause.TLS_FAILED:
        return Diagnosis(
            cause,
            f"A secure connection to {where} could not be set up.",
            f"Try again from another network; if it lasts, {ask_it} with this report.",
        )
    if cause == Cause.STARTTLS_UNAVAILABLE:
        return Diagnosis(
            cause,
            f"The server on {where} did not offer a secure connection, so your password was "
            f"not sent.",
            "Something on this network may be stripping encryption (some firewalls and "
            f"antivirus do). Try another network, and {ask_it}.",
        )
    if cause == Cause.NO_GREETING:
        return Diagnosis(
            cause,
            f"Connected to {where}, but the server said nothing in time.",
            "The port or its security setting may be wrong, or the server is overloaded. Try "
            f"again in a few minutes; if it lasts, {ask_it}. For IT: check <port> and "
            f"<socketType> in the provider file's {_ELEMENTS[server.service]} element.",
        )
    if cause == Cause.WRONG_SECURITY:
        configured = security_described(server.security)
        other = Security.STARTTLS if server.security is Security.TLS else Security.TLS
        expected = security_described(other)
        return Diagnosis(
            cause,
            f"Port {server.port} on {server.hostname} expects {expected}"
            f", but the settings say {configured}. This is a setting, not your password or "
            "your network.",
            f"The settings need correcting: {ask_it}. For IT: in the provider file, set "
            f"<socketType>{other.socket_type}</socketType> in the {_ELEMENTS[server.service]} "
            f"element for port {server.port} (or give the port that matches its current "
            "socketType).",
        )
    if cause == Cause.CANCELLED:
        return Diagnosis(
            cause, f"The check of {where} was stopped.", "Run the check again when ready."
        )
    if endless:
        return Diagnosis(
            Cause.PROTOCOL_ERROR,
            f"The server on {where} sent an endless answer, so the check stopped it.",
            "This is a fault on the server's side (or something on this network is in the "
            f"way), not your password. Try again later; if it lasts, {ask_it} with this report.",
        )
    return Diagnosis(
        Cause.PROTOCOL_ERROR,
        f"The server on {where} answered in a way {APP_NAME} did not expect.",
        f"Try again later; if it lasts, {ask_it} with this report.",
    )


def explain_result(result: CheckResult, provider: Provider, address: str) -> None:
    """Give a result its plain words (``message``, ``advice``) from its cause.

    Applied above the checks (by :mod:`wizard.pipeline`): the checks settle the cause and keep
    the server's own words, this module says what they mean to the person.
    """
    from wizard.checks.test_message import TestMessageResult

    if isinstance(result, TestMessageResult):
        if result.cause:
            d = explain_test_message(result, provider, address, result.server_text)
            result.cause, result.message, result.advice = d.cause, d.message, d.advice
        else:
            result.message = f"{Service.ROUNDTRIP.label}: working (in INBOX after "
            result.message += f"{(result.delivery_ms or 0) / 1000:.1f} s)."
        return
    server = provider.server(result.service)
    if not result.cause:
        result.message = f"{result.service.label}: working."
        return
    if server is None:  # a result for a service the settings do not name: keep the cause
        return
    d = explain(
        result.cause,
        server,
        provider,
        result.username,
        address,
        result.server_text,
        endless=result.endless,
    )
    result.cause, result.message, result.advice = d.cause, d.message, d.advice


def explain_test_message(
    result: TestMessageResult, provider: Provider, address: str, server_text: str = ""
) -> Diagnosis:
    """Plain words for how the test message to oneself went (wizard.checks.test_message)."""
    cause = result.cause or Cause.PROTOCOL_ERROR
    support = provider.branding.support_email
    ask_it = f"contact {support}" if support else "contact your IT support"
    ids = f"Message-ID {result.message_id}" + (
        f", queue id {result.queue_id}" if result.queue_id else ""
    )
    domain = address.rpartition("@")[2]
    if cause == Cause.ARRIVED_IN_JUNK:
        return Diagnosis(
            cause,
            f"Mail works, but your own test message was filed in {result.folder}: the "
            "provider's spam filter took it.",
            f"Look in {result.folder} now and then for real mail, and mark wrongly filed "
            f"messages as not spam. For IT: check the SPF and DKIM records of {domain} and the "
            f"filter rule that moved this message ({ids}).",
        )
    if cause == Cause.SUBMISSION_REFUSED:
        return _explain_refusal(result, server_text, address, ask_it)
    if cause == Cause.DELIVERY_DELAYED:
        taken = f" (queue id {result.queue_id})" if result.queue_id else ""
        return Diagnosis(
            cause,
            f"The server accepted the test message{taken} but it has not arrived yet. The "
            "server keeps trying to deliver it, so it may still arrive.",
            "Check your inbox again in a while: if it arrives late, mail works but is slow. "
            f"If it never arrives, {ask_it} with this report; IT can follow {ids} in the mail "
            "server's log (in Haraka, lines with the queue id, such as 'Temp failing').",
        )
    if cause == Cause.BOUNCED:
        bounce = result.bounce
        status = bounce.status if bounce else ""
        said = " ".join(x for x in (status, bounce.diagnostic if bounce else "") if x)
        who = bounce.recipient if bounce and bounce.recipient else address
        message = f"The test message could not be delivered to {who}; the server sent back a "
        message += f"delivery report: {said}." if said else "delivery report."
        if status.startswith("5.2.2") or "quota" in said.lower() or "full" in said.lower():
            advice = (
                "Your mailbox is full: delete or archive some mail (empty the Trash too), or "
                f"{ask_it} for more space. New mail is refused until then."
            )
        elif status.startswith("5.1."):
            advice = f"The server does not know the address {who}: {ask_it}."
        else:
            advice = f"Send this report to IT ({ask_it}); the delivery report says why."
        return Diagnosis(cause, message, advice)
    if cause == Cause.CANCELLED:
        return Diagnosis(cause, "The test message check was stopped.", "Run it again when ready.")
    # A login-level problem on one of the two legs (rare: both logins had just passed).
    return explain(cause, provider.smtp, provider, result.username, address, server_text)


def _explain_refusal(
    result: TestMessageResult, server_text: str, address: str, ask_it: str
) -> Diagnosis:
    stage = result.refused_at or "sending"
    reply = server_text or "(no text)"
    low = reply.lower()
    code = reply[:3]
    temporary = code.startswith("4")
    what = {
        "MAIL FROM": f"The server refused to send mail from {address}",
        "RCPT TO": f"The server refused to take mail for {address}",
        "DATA": "The server refused the test message itself",
    }.get(stage, "The server refused the test message")
    message = f"{what}: {reply}"
    if temporary:
        advice = (
            "This is a temporary refusal: try again in a few minutes. If it lasts, "
            f"{ask_it} with this report."
        )
    elif code == "552" or "5.3.4" in reply or "5.2.3" in reply or "too big" in low:
        advice = f"The server says the message is too big (this one is tiny): {ask_it}."
    elif stage == "MAIL FROM":
        advice = (
            f"The server does not let this login send as {address}. {ask_it.capitalize()} "
            "and ask them to allow this address as a sender."
        )
    elif stage == "RCPT TO" or "relay" in low:
        advice = (
            "The server would not relay the message (\u201crelay denied\u201d): usually a sign "
            f"the login was not accepted for sending. {ask_it.capitalize()} with this report."
        )
    else:
        advice = f"{ask_it.capitalize()} with this report."
    return Diagnosis(Cause.SUBMISSION_REFUSED, message, advice)
