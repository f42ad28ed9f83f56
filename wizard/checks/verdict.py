"""Which cause a failed check gets, from the exception *and* how far the check had got.

The same timeout means different things at different moments: before the connection is made
the port is blocked or the host unreachable (``connection_timeout``); after it, with not a word
from the server, the port or its security setting is probably wrong (``no_greeting``, or
``wrong_security`` once a probe shows it); later still, the server stopped answering.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from wizard.checks.causes import classify_exception
from wizard.checks.errors import Cause, CheckFailure
from wizard.checks.model import StepName
from wizard.checks.reader import EndlessAnswer
from wizard.checks.security_probe import Seen, first_bytes, tls_from_the_start
from wizard.checks.session import CheckSession
from wizard.services import Security


@dataclass(frozen=True)
class Verdict:
    cause: Cause
    detail: str
    endless: bool = False  # the plain words say "the server sent an endless answer"


def verdict(exc: BaseException, session: CheckSession) -> Verdict:
    if isinstance(exc, EndlessAnswer):
        return Verdict(Cause.PROTOCOL_ERROR, exc.detail, endless=True)
    cause, detail = classify_exception(exc)
    if isinstance(exc, CheckFailure):  # its server text was masked where it was raised
        return Verdict(cause, detail)
    # An exception's text may quote the server (imaplib's abort, a certificate's name).
    detail = session.redact(detail)
    result = session.result
    step = result.steps[-1].name if result.steps else None
    deadline = session.deadline
    timed_out = isinstance(exc, TimeoutError) or deadline.expired
    t = f"{session.timeout:g} s"
    if timed_out and step is StepName.RESOLVE:
        return Verdict(Cause.DNS_FAILED, f"the name lookup did not finish within {t}")
    if result.peer is None:
        return Verdict(cause, detail)
    if timed_out and session.bytes_heard == 0:
        if step is StepName.TLS and deadline.expired:  # handshake bytes dripping in
            return Verdict(
                Cause.PROTOCOL_ERROR,
                f"the TLS handshake had not finished when the check's "
                f"{deadline.budget():g} s were up",
                endless=True,
            )
        found = _speaks_tls(session)
        if found:
            return Verdict(Cause.WRONG_SECURITY, found)
        if step is StepName.TLS:  # silent to our hello, or too slow to finish the handshake
            return Verdict(
                Cause.NO_GREETING,
                f"connected, but the TLS handshake did not finish within {t}, so no greeting came",
            )
        return Verdict(Cause.NO_GREETING, f"connected, but the server said nothing within {t}")
    if timed_out:
        if deadline.expired:
            return Verdict(
                Cause.PROTOCOL_ERROR,
                f"the server answered too slowly: the check's {deadline.budget():g} s were "
                f"used up ({step.label if step else 'check'})",
                endless=True,
            )
        return Verdict(
            Cause.PROTOCOL_ERROR,
            f"the server stopped answering: nothing for {t} "
            f"({step.label.lower() if step else 'check'})",
        )
    if (
        cause is Cause.TLS_FAILED
        and result.security is Security.TLS
        and step is StepName.TLS
        and not isinstance(exc, ssl.SSLCertVerificationError)
    ):
        return _plain_instead_of_tls(session, exc, detail)
    return Verdict(cause, detail)


def _speaks_tls(session: CheckSession) -> str:
    """With STARTTLS or plain configured: a description if the port speaks TLS at once."""
    result = session.result
    if result.security is Security.TLS or result.peer is None:
        return ""
    # A TLS server answers a hello within a round trip; a third of T (at least 1 s) is
    # plenty, and keeps the verdict on a silent port close to T.
    wait = min(max(1.0, session.timeout / 3), session.deadline.remaining())
    if wait <= 0 or session.cancel.cancelled:
        return ""
    version = tls_from_the_start(result.peer, result.host, wait, session.adopt)
    if version is None:
        return ""
    session.note(f"probe: a TLS handshake on a new connection succeeded ({version})")
    return (
        f"the server said nothing in plain text, but a TLS handshake on a second connection "
        f"succeeded ({version}): port {result.port} expects SSL/TLS from the start"
    )


def _plain_instead_of_tls(session: CheckSession, exc: BaseException, detail: str) -> Verdict:
    """With SSL/TLS configured and the handshake broken: does the port speak plain text?"""
    result = session.result
    assert result.peer is not None
    wait = min(session.timeout, session.deadline.remaining())
    if wait <= 0 or session.cancel.cancelled:
        return Verdict(Cause.TLS_FAILED, detail)
    probe = first_bytes(result.peer, wait, session.adopt)
    sample = session.redact(probe.sample)
    session.note(f"probe: a plain connection got {probe.seen.value}: {sample}".rstrip(": "))
    if probe.seen is Seen.MAIL_GREETING:
        return Verdict(
            Cause.WRONG_SECURITY,
            f"the TLS handshake failed ({detail}) and a plain connection got an "
            f"{probe.protocol} greeting ({sample!r}): port {result.port} expects "
            f"STARTTLS, not SSL/TLS",
        )
    if probe.seen is Seen.OTHER_BYTES:
        return Verdict(
            Cause.PROTOCOL_ERROR,
            f"the port answers with neither TLS nor a mail greeting ({sample!r})",
        )
    if probe.seen is Seen.CLOSED and isinstance(exc, ssl.SSLEOFError | ConnectionError):
        return Verdict(
            Cause.PROTOCOL_ERROR, "the server closes every connection at once, without a word"
        )
    if isinstance(exc, ssl.SSLError) and (exc.reason or "") in _NOT_TLS_REASONS:
        # Silent on its own, but it answered our TLS hello in something else: a web server
        # ("400 Bad Request") or another service that waits for the client to speak.
        return Verdict(
            Cause.PROTOCOL_ERROR,
            f"the port answered the TLS handshake with something that is not TLS ({detail})",
        )
    return Verdict(Cause.TLS_FAILED, detail)


# OpenSSL's words for "the bytes that came back are not a TLS record at all".
_NOT_TLS_REASONS = {
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "UNKNOWN_PROTOCOL",
    "HTTP_REQUEST",
    "WRONG_SSL_VERSION",
}
