"""The test message: a message from the address to itself, to prove mail really flows.

A login that works says nothing about a sender the server refuses, a queue that keeps
retrying, or a spam filter that files one's own mail away. So, once the IMAP and SMTP logins
have passed, this opens the mailbox and watches it, sends a short plain-text message over
authenticated submission, and waits (bounded, cancellable) for it in INBOX or the junk folder,
or for a delivery status notification (RFC 3464) about it instead. Then it removes the test
message, and only that: ``UID STORE +FLAGS (\\Deleted)`` then ``UID EXPUNGE`` (UIDPLUS), or
``UID MOVE`` to Trash; never a plain EXPUNGE, which would also destroy messages the person had
marked as deleted.

Watching uses the cheapest thing the server offers: NOTIFY (RFC 5465) with the token header
pushed along with the new-message event, so no further round trip is needed to recognise it;
else IDLE (RFC 2177) and a search when something arrives; else NOOP with backoff. The network
legs are built from the login checks' public steps (:mod:`wizard.checks.imap`,
:mod:`wizard.checks.smtp`) on sessions of their own, with the run's resolver and trust; the
test message's result shows only its own steps (watch, submitted, arrived, cleanup) and carries
both legs' transcripts for the report. Its service value stays ``roundtrip`` (the JSON's).
"""

from wizard.checks.model import DEFAULT_TEST_MESSAGE_TIMEOUT
from wizard.checks.test_message.dsn import Bounce, parse_bounce
from wizard.checks.test_message.message import (
    TOKEN_HEADER,
    build_message,
    new_token,
    queue_id_from,
)
from wizard.checks.test_message.run import TestMessageResult, send_test_message
from wizard.checks.test_message.submit import SubmissionRefused

__all__ = [
    "DEFAULT_TEST_MESSAGE_TIMEOUT",
    "TOKEN_HEADER",
    "Bounce",
    "SubmissionRefused",
    "TestMessageResult",
    "build_message",
    "new_token",
    "parse_bounce",
    "queue_id_from",
    "send_test_message",
]
