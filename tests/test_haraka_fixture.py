"""The Haraka fixture itself: mail really goes submission → queue → LMTP → mailbox → IMAP.

These prove the test server behaves like the reference deployment before any check relies on
it: STARTTLS and AUTH for the Dovecot users, Haraka's queue retrying while delivery is paused,
the knobs that refuse a command, and Haraka's log lines in its usual format.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient

from tests.support.dovecot_server import (
    GOOD_PASSWORD,
    GOOD_USER,
    OTHER_PASSWORD,
    OTHER_USER,
    DovecotServer,
)

pytestmark = [pytest.mark.dovecot, pytest.mark.haraka]


def _message(token: str, sender: str = GOOD_USER) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = sender
    msg["Subject"] = f"fixture {token}"
    msg["X-Fixture-Token"] = token
    msg.set_content("hello")
    return msg


def _auth_plain(smtp: smtplib.SMTP, user: str, password: str) -> int:
    # By hand: smtplib.login() encodes the password as ASCII, and the test password is not.
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return smtp.docmd("AUTH", f"PLAIN {token}")[0]


def _submit(port: int, ca: ssl.SSLContext, user: str, password: str, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="[127.0.0.1]", timeout=10) as smtp:
        smtp.starttls(context=ca)
        smtp.ehlo()
        assert _auth_plain(smtp, user, password) == 235
        smtp.send_message(msg)


def _ca(dovecot: DovecotServer) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(dovecot.ca_pem))
    ctx.check_hostname = False  # connecting to 127.0.0.1, certificate for localhost
    return ctx


def _wait_for(
    dovecot: DovecotServer, user: str, password: str, token: str, timeout: float
) -> dict[str, list[int]]:
    """Folder → UIDs of messages carrying the token, once it is anywhere (or {} at timeout)."""
    deadline = time.monotonic() + timeout
    with IMAPClient("127.0.0.1", port=dovecot.imap_port, ssl_context=_ca(dovecot)) as imap:
        imap.plain_login(user, password)
        while time.monotonic() < deadline:
            found = {}
            for folder in ("INBOX", "Junk"):
                imap.select_folder(folder, readonly=True)
                uids = imap.search(["HEADER", "X-Fixture-Token", token])
                if uids:
                    found[folder] = uids
            if found:
                return found
            time.sleep(0.2)
    return {}


def test_submitted_mail_goes_through_haraka_and_lmtp_into_the_inbox(haraka, dovecot):
    token = uuid.uuid4().hex
    _submit(haraka.submission_port, _ca(dovecot), GOOD_USER, GOOD_PASSWORD, _message(token))
    assert list(_wait_for(dovecot, GOOD_USER, GOOD_PASSWORD, token, 15)) == ["INBOX"]
    log = haraka.log_text()
    assert "[tls] secured:" in log
    assert "plugin=auth/flat_file" in log and "retval=OK" in log
    assert "mode=LMTP" in log and "delivered file=" in log
    assert f"lmtp({GOOD_USER})" in dovecot.log_text()


def test_auth_login_works_for_the_other_user(haraka, dovecot):
    token = uuid.uuid4().hex
    with smtplib.SMTP("127.0.0.1", haraka.submission_port, timeout=10) as smtp:
        smtp.starttls(context=_ca(dovecot))
        smtp.ehlo()
        assert "LOGIN" in smtp.esmtp_features["auth"].split()
        smtp.login(OTHER_USER, OTHER_PASSWORD)
        smtp.send_message(_message(token, OTHER_USER))
    assert _wait_for(dovecot, OTHER_USER, OTHER_PASSWORD, token, 15)


def test_wrong_password_is_refused_with_535(haraka, dovecot):
    with smtplib.SMTP("127.0.0.1", haraka.submission_port, timeout=10) as smtp:
        smtp.starttls(context=_ca(dovecot))
        smtp.ehlo()
        assert _auth_plain(smtp, GOOD_USER, "wrong") == 535


def test_paused_delivery_keeps_the_mail_queued_until_resumed(haraka, dovecot):
    haraka.pause_delivery()
    token = uuid.uuid4().hex
    _submit(haraka.submission_port, _ca(dovecot), GOOD_USER, GOOD_PASSWORD, _message(token))
    assert _wait_for(dovecot, GOOD_USER, GOOD_PASSWORD, token, 2) == {}
    assert haraka.queue_files(), "Haraka should hold the message in its queue"
    assert "Temp failing" in haraka.log_text()
    haraka.resume_delivery()
    assert list(_wait_for(dovecot, GOOD_USER, GOOD_PASSWORD, token, 20)) == ["INBOX"]


def test_refuse_knob_answers_rcpt_with_the_given_reply(haraka, dovecot):
    haraka.refuse("rcpt", 550, "5.7.1", "Relaying denied")
    with smtplib.SMTP("127.0.0.1", haraka.submission_port, timeout=10) as smtp:
        smtp.starttls(context=_ca(dovecot))
        smtp.ehlo()
        assert _auth_plain(smtp, GOOD_USER, GOOD_PASSWORD) == 235
        assert smtp.mail(GOOD_USER)[0] == 250
        code, text = smtp.rcpt(GOOD_USER)
    assert (code, text) == (550, b"5.7.1 Relaying denied")


def test_delivery_rule_files_into_junk(haraka, dovecot):
    dovecot.set_delivery_rule(
        GOOD_USER, 'require "fileinto";\nif exists "X-Fixture-Token" { fileinto "Junk"; }\n'
    )
    try:
        token = uuid.uuid4().hex
        _submit(haraka.submission_port, _ca(dovecot), GOOD_USER, GOOD_PASSWORD, _message(token))
        assert list(_wait_for(dovecot, GOOD_USER, GOOD_PASSWORD, token, 15)) == ["Junk"]
    finally:
        dovecot.set_delivery_rule(GOOD_USER, None)


def test_dovecot_submission_relays_through_haraka_into_the_mailbox(haraka, dovecot):
    token = uuid.uuid4().hex
    _submit(dovecot.submission_port, _ca(dovecot), GOOD_USER, GOOD_PASSWORD, _message(token))
    assert list(_wait_for(dovecot, GOOD_USER, GOOD_PASSWORD, token, 15)) == ["INBOX"]
    assert f"local_port={haraka.inbound_port}" in haraka.log_text()
