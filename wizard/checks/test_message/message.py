"""The test message itself: its token, headers and body, and the queue id in DATA's reply."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from wizard import APP_NAME

TOKEN_HEADER = "X-Mail-Setup-Wizard-Token"  # noqa: S105 - a header name

_QUEUE_ID_RES = (
    re.compile(r"queued as ([\w.@-]+)", re.IGNORECASE),  # Postfix, Exim, Sendmail
    re.compile(r"Message Queued \(([\w.-]+)\)", re.IGNORECASE),  # Haraka
    re.compile(r"\bid=([\w.@-]+)", re.IGNORECASE),  # Exim variants, Dovecot submission
)


def new_token() -> str:
    return secrets.token_hex(8)


def build_message(address: str, token: str, now: datetime | None = None) -> EmailMessage:
    """The plain-text test message: from the address to itself, the token twice.

    The Message-ID is on the address's own domain (never this computer's name), and
    Auto-Submitted keeps vacation responders from answering it (RFC 3834).
    """
    domain = address.rpartition("@")[2]
    msg = EmailMessage()
    msg["From"] = address
    msg["To"] = address
    msg["Subject"] = f"Test message from {APP_NAME} — you can delete it ({token})"
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(idstring=token, domain=domain)
    msg[TOKEN_HEADER] = token
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        f"{APP_NAME} sent this message from your address to itself, to check that mail\n"
        "really goes out and comes back in. It removes the message again by itself; if you\n"
        "can still see it, you can delete it.\n"
    )
    return msg


def queue_id_from(reply: str) -> str | None:
    for pattern in _QUEUE_ID_RES:
        m = pattern.search(reply)
        if m:
            return m.group(1)
    return None
