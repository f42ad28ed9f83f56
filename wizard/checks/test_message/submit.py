"""The SMTP leg: log in to submission with the login check's own steps, then MAIL, RCPT, DATA."""

from __future__ import annotations

import re
import smtplib
import socket

from wizard.checks.errors import Cause, CheckFailure
from wizard.checks.session import CheckSession
from wizard.checks.smtp import SmtpConnection, ehlo, log_in_smtp, open_smtp, secure_smtp
from wizard.services import Security


class SubmissionRefused(CheckFailure):
    """MAIL, RCPT or DATA refused: the server's own code and text go to the person and IT."""

    def __init__(self, stage: str, code: int, text: str) -> None:
        reply = f"{code} {text}".strip()
        super().__init__(Cause.SUBMISSION_REFUSED, f"{stage} refused: {reply}", reply)
        self.stage = stage
        self.code = code


def smtp_login(session: CheckSession, sock: socket.socket, password: str) -> SmtpConnection:
    """Log in to submission as the login check does (greeting, EHLO, STARTTLS, AUTH)."""
    smtp = open_smtp(session, sock)
    ehlo(session, smtp)
    if session.result.security is Security.STARTTLS:
        secure_smtp(session, smtp)
    log_in_smtp(session, smtp, password)
    return smtp


# A line starting with "." is sent with one more (RFC 5321 4.5.2); smtplib does this inside
# data(), which cannot be used when MAIL, RCPT and DATA go out together.
_LEADING_DOT = re.compile(rb"(?m)^\.")


def send_message(session: CheckSession, smtp: SmtpConnection, address: str, data: bytes) -> str:
    """MAIL, RCPT and DATA (in one go when PIPELINING is offered, RFC 2920); the DATA reply."""
    size = f" SIZE={len(data)}" if smtp.has_extn("size") else ""
    commands = [f"MAIL FROM:<{address}>{size}", f"RCPT TO:<{address}>", "DATA"]
    if smtp.has_extn("pipelining"):
        smtp.send("".join(f"{c}\r\n" for c in commands))
        replies = [smtp.getreply() for _ in commands]
    else:
        replies = []
        for command, wanted in zip(commands, ((250,), (250, 251), (354,)), strict=True):
            smtp.send(f"{command}\r\n")
            replies.append(smtp.getreply())
            if replies[-1][0] not in wanted:
                break
    for stage, wanted, (code, reply) in zip(
        ("MAIL FROM", "RCPT TO", "DATA"), ((250,), (250, 251), (354,)), replies, strict=False
    ):
        if code not in wanted:
            raise SubmissionRefused(stage, code, session.redact(_text(reply)))
    body = _LEADING_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    code, reply = smtp.getreply()
    text = session.redact(_text(reply))
    if code != 250:
        raise SubmissionRefused("DATA", code, text)
    try:
        smtp.reader.max_wait = 2.0  # the QUIT reply is a courtesy, as in the login check
        smtp.quit()
    except (smtplib.SMTPException, OSError) as exc:
        session.note(f"QUIT not clean: {session.redact(str(exc))}")
    return f"{code} {text}"


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data
