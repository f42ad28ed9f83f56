"""Which cause an exception raised during a check stands for: the one place that decides it.

The login checks and the test message both end here (through :mod:`wizard.checks.verdict`), so
a refused certificate, a reset connection or a DNS failure gets the same cause in both. Only
the exception's own kind is read; how far the check had got refines it in ``verdict``.
"""

from __future__ import annotations

import errno
import socket

from wizard.checks.errors import Cause, CheckFailure

__all__ = ["classify_exception"]


def classify_exception(exc: BaseException) -> tuple[Cause, str]:
    """(cause, technical detail) for a network or TLS exception raised during a check."""
    # Imported here: the report imports this module's words through wizard.diagnosis, and the
    # first page must come up without the network stack (tests/test_startup_imports.py).
    import imaplib
    import smtplib
    import ssl

    if isinstance(exc, CheckFailure):
        return exc.cause, exc.detail
    # smtplib and imaplib re-raise socket errors as their own exceptions ("Connection
    # unexpectedly closed: timed out"); the socket error underneath says what happened.
    inner = exc.__context__
    if (
        isinstance(exc, smtplib.SMTPException | imaplib.IMAP4.error)
        and isinstance(inner, OSError)
        and not isinstance(inner, ssl.SSLError)
    ):
        return classify_exception(inner)
    if isinstance(exc, socket.gaierror):
        return Cause.DNS_FAILED, f"name lookup failed: {exc.strerror or exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        msg = exc.verify_message or str(exc)
        code = exc.verify_code
        low = msg.lower()
        if code == 10 or "expired" in low:
            return Cause.CERTIFICATE_EXPIRED, msg
        if code == 9 or "not yet valid" in low:
            return Cause.CERTIFICATE_NOT_YET_VALID, msg
        if code == 62 or "hostname mismatch" in low or "ip address mismatch" in low:
            return Cause.CERTIFICATE_HOSTNAME_MISMATCH, msg
        return Cause.CERTIFICATE_UNTRUSTED, msg
    if isinstance(exc, ssl.SSLError):
        return Cause.TLS_FAILED, f"{exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return Cause.CONNECTION_REFUSED, "the server refused the connection"
    if isinstance(exc, TimeoutError | socket.timeout):
        return Cause.CONNECTION_TIMEOUT, "no answer in time"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError):
        return Cause.PROTOCOL_ERROR, f"the server closed the connection ({exc.__class__.__name__})"
    if isinstance(exc, OSError) and exc.errno in (
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.EADDRNOTAVAIL,
    ):
        return Cause.CONNECTION_TIMEOUT, f"network unreachable: {exc.strerror}"
    if isinstance(exc, OSError):
        return Cause.PROTOCOL_ERROR, f"{exc.__class__.__name__}: {exc.strerror or exc}"
    return Cause.PROTOCOL_ERROR, f"{exc.__class__.__name__}: {exc}"
