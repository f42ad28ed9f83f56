"""The round trip's pure parts: queue ids from DATA replies and delivery reports (RFC 3464)."""

from __future__ import annotations

import pytest

from wizard.checks.test_message import TOKEN_HEADER, build_message, parse_bounce, queue_id_from


@pytest.mark.parametrize(
    ("reply", "queue_id"),
    [
        (
            "250 Message Queued (A5F63D9C-7450-4E6E-93FB-ED07B5556B53.1)",
            "A5F63D9C-7450-4E6E-93FB-ED07B5556B53.1",
        ),
        ("250 2.0.0 Ok: queued as 4F2A11C0D3", "4F2A11C0D3"),
        ("250 OK id=1rXyzA-0004Bc-Qw", "1rXyzA-0004Bc-Qw"),
        ("250 2.0.0 Ok", None),
    ],
)
def test_queue_id_is_read_from_the_usual_data_replies(reply, queue_id):
    assert queue_id_from(reply) == queue_id


def _report(token: str, *, returned: str = "headers") -> bytes:
    """A delivery report shaped like Postfix's: text, delivery-status, the returned message."""
    original = build_message("joe.bloggs@sepheo.co", token).as_string()
    if returned == "headers":
        kind, body = "text/rfc822-headers", original.split("\n\n", 1)[0] + "\n"
    else:
        kind, body = "message/rfc822", original
    return (
        "From: MAILER-DAEMON@mx.example.net\n"
        "To: joe.bloggs@sepheo.co\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n'
        "\n"
        "--B\n"
        "Content-Type: text/plain\n"
        "\n"
        "Your message could not be delivered.\n"
        "--B\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.example.net\n"
        "\n"
        "Final-Recipient: rfc822; joe.bloggs@sepheo.co\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <joe.bloggs@sepheo.co>: User unknown\n"
        "\n"
        "--B\n"
        f"Content-Type: {kind}\n"
        "\n"
        f"{body}\n"
        "--B--\n"
    ).encode()


@pytest.mark.parametrize("returned", ["headers", "message"])
def test_a_report_about_the_token_is_parsed_with_recipient_status_and_text(returned):
    bounce = parse_bounce(_report("tok123", returned=returned), "tok123")
    assert bounce is not None
    assert bounce.recipient == "joe.bloggs@sepheo.co"
    assert bounce.action == "failed"
    assert bounce.status == "5.1.1"
    assert bounce.diagnostic == "550 5.1.1 <joe.bloggs@sepheo.co>: User unknown"
    assert bounce.reporting_mta == "mx.example.net"


def test_a_report_about_another_message_is_not_ours():
    assert parse_bounce(_report("someone-else"), "tok123") is None


def test_an_ordinary_message_is_not_a_report():
    msg = build_message("joe.bloggs@sepheo.co", "tok123")
    assert msg[TOKEN_HEADER] == "tok123"
    assert parse_bounce(msg.as_bytes(), "tok123") is None
