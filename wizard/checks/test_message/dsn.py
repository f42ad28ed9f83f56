"""Reading a delivery status notification (RFC 3464) about the test message."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification (RFC 3464) says about the test message."""

    recipient: str
    action: str
    status: str
    diagnostic: str
    reporting_mta: str


def parse_bounce(raw: bytes, token: str) -> Bounce | None:
    """The first recipient block of a DSN that is about the message with ``token``.

    Parsed with the standard library: the report is multipart/report with a
    message/delivery-status part (email parses its per-recipient groups as sub-messages) and
    the returned message or its headers, where the token must appear.
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.get_content_type() != "multipart/report":
        return None
    if str(msg.get_param("report-type", "")).lower() != "delivery-status":
        return None
    about_token = False
    status_part: Message | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            status_part = part
        elif ctype in ("text/rfc822-headers", "message/rfc822", "message/rfc822-headers"):
            payload = part.get_payload(decode=True)
            text = payload if isinstance(payload, bytes) else str(part).encode()
            about_token = about_token or token.encode() in text
    if not about_token and token.encode() not in raw:
        return None
    if status_part is None:
        return Bounce("", "failed", "", "", "")
    groups = status_part.get_payload()
    if not isinstance(groups, list) or not groups:
        return Bounce("", "failed", "", "", "")
    per_message = groups[0]
    recipients = groups[1:] or groups[:1]
    first = recipients[0]

    def field(block: object, name: str) -> str:
        if not isinstance(block, Message):
            return ""
        value = str(block.get(name, "") or "").strip()
        # "rfc822; joe@example.com" and "smtp; 550 5.1.1 ...": the type prefix is noise here.
        return value.split(";", 1)[1].strip() if ";" in value else value

    return Bounce(
        recipient=field(first, "Final-Recipient") or field(first, "Original-Recipient"),
        action=field(first, "Action"),
        status=field(first, "Status"),
        diagnostic=field(first, "Diagnostic-Code"),
        reporting_mta=field(per_message, "Reporting-MTA"),
    )
