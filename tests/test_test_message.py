"""The round trip against the real Haraka and Dovecot: every way a test message to oneself can go.

Submission goes to Haraka (as in the reference deployment), which queues and delivers over
LMTP into Dovecot; the check watches Dovecot over IMAP. Delivery rules (Sieve at LMTP), a
paused queue, refused commands and a full mailbox make each outcome happen for real.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.support.checks import check_all, message_to_self
from tests.support.cli import diagnose
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from tests.support.haraka_server import HarakaServer
from wizard import APP_NAME
from wizard.checks.model import CancelToken, Direction, Step, StepName, StepStatus
from wizard.checks.redact import secret_forms
from wizard.checks.test_message import TOKEN_HEADER, TestMessageResult, build_message
from wizard.provider import Provider, load_provider
from wizard.report import make_report, render_text, summary
from wizard.services import Service

pytestmark = [pytest.mark.dovecot, pytest.mark.haraka]

TO_JUNK = f'require "fileinto";\nif exists "{TOKEN_HEADER}" {{ fileinto "Junk"; }}\n'
REPORTS_TO_JUNK = (
    'require "fileinto";\n'
    'if header :contains "Content-Type" "delivery-status" { fileinto "Junk"; }\n'
)


def _provider(
    haraka: HarakaServer, tmp_path: Path, dovecot: DovecotServer | None = None
) -> Provider:
    return load_provider(haraka.write_provider(tmp_path / "p.xml", dovecot))


def _trip(provider: Provider, ca: Path, **kw: object) -> TestMessageResult:
    kw.setdefault("test_message_timeout", 15)
    return message_to_self(provider, GOOD_USER, GOOD_PASSWORD, ca_file=ca, **kw)


def _imap(dovecot: DovecotServer) -> IMAPClient:
    ctx = ssl.create_default_context(cafile=str(dovecot.ca_pem))
    client = IMAPClient("localhost", port=dovecot.imap_port, ssl_context=ctx)
    client.plain_login(GOOD_USER, GOOD_PASSWORD)
    return client


def _with_token(dovecot: DovecotServer, folder: str, token: str) -> list[int]:
    with _imap(dovecot) as imap:
        imap.select_folder(folder, readonly=True)
        return list(imap.search(["HEADER", TOKEN_HEADER, token]))


def _step(result: TestMessageResult, name: StepName) -> Step:
    return next(s for s in result.steps if s.name is name)


def test_message_arrives_in_inbox_and_is_removed(haraka, dovecot, tmp_path):
    result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem)
    assert result.ok, (result.cause, result.message, [s.detail for s in result.steps])
    assert result.cause is None and result.folder == "INBOX"
    assert [s.name for s in result.steps] == [
        StepName.WATCH,
        StepName.SUBMITTED,
        StepName.ARRIVED,
        StepName.CLEANUP,
    ]
    assert all(s.status is StepStatus.OK for s in result.steps)
    assert result.delivery_ms is not None and 0 < result.delivery_ms < 15000
    # The DATA reply and queue id are Haraka's own, as its log has them.
    assert result.queue_id and f"Message Queued ({result.queue_id})" in result.submit_reply
    log = haraka.log_text()
    assert f"mid={result.message_id}" in log or f'mid="{result.message_id}"' in log
    assert result.message_id.endswith("@sepheo.co>")
    assert result.cleaned_up
    assert _with_token(dovecot, "INBOX", result.token) == []
    assert "UID EXPUNGE" in "\n".join(t.text for t in result.transcript)


def test_the_report_never_shows_the_password(haraka, dovecot, tmp_path):
    provider = _provider(haraka, tmp_path)
    result = _trip(provider, dovecot.ca_pem)
    assert result.ok
    text = render_text(make_report(GOOD_USER, provider, [result]))
    assert "AUTH PLAIN ********" in text
    for form in secret_forms(GOOD_PASSWORD, GOOD_USER):
        assert form not in text
    assert result.queue_id in text and result.message_id in text


def test_a_delivery_rule_filing_it_into_junk_is_arrived_in_junk(haraka, dovecot, tmp_path):
    dovecot.set_delivery_rule(GOOD_USER, TO_JUNK)
    try:
        result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem)
    finally:
        dovecot.set_delivery_rule(GOOD_USER, None)
    assert not result.ok
    assert result.cause == "arrived_in_junk"
    assert result.folder == "Junk"
    assert "spam filter" in result.message and "SPF and DKIM" in result.advice
    assert result.cleaned_up and _with_token(dovecot, "Junk", result.token) == []


@pytest.mark.parametrize(
    ("name", "special_use"),
    [("Junk E-mail", False), ("Bulk Mail", False), ("Courrier indésirable", True)],
)
def test_the_junk_folder_is_found_by_special_use_or_by_its_usual_name(
    haraka, dovecot_factory, tmp_path, name, special_use
):
    server = dovecot_factory(junk_folder=name, junk_special_use=special_use)
    server.set_delivery_rule(GOOD_USER, TO_JUNK.replace('"Junk"', f'"{name}"'))
    haraka.deliver_to(server)
    result = _trip(_provider(haraka, tmp_path, server), server.ca_pem)
    assert result.cause == "arrived_in_junk", (result.cause, result.message)
    assert result.folder == name
    assert name in result.message


def test_paused_delivery_is_delivery_delayed_and_the_message_still_arrives(
    haraka, dovecot, tmp_path
):
    haraka.pause_delivery()
    t0 = time.monotonic()
    result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem, test_message_timeout=2)
    assert time.monotonic() - t0 < 10
    assert result.cause == "delivery_delayed"
    assert _step(result, StepName.SUBMITTED).status is StepStatus.OK
    assert _step(result, StepName.ARRIVED).status is StepStatus.FAILED
    assert result.queue_id and result.queue_id in result.message
    assert "may still arrive" in result.message
    assert not result.cleaned_up and "not arrived" in result.cleanup_note
    assert "Temp failing" in haraka.log_text()
    # It was really accepted: once delivery resumes, Haraka's retry brings it in.
    haraka.resume_delivery()
    deadline = time.monotonic() + 20
    while not _with_token(dovecot, "INBOX", result.token):
        assert time.monotonic() < deadline, "the queued message never arrived"
        time.sleep(0.5)
    with _imap(dovecot) as imap:  # tidy up what the check could not
        imap.select_folder("INBOX")
        uids = imap.search(["HEADER", TOKEN_HEADER, result.token])
        imap.add_flags(uids, [b"\\Deleted"])
        imap.uid_expunge(uids)


def test_the_wait_is_bounded_by_the_round_trip_timeout_not_the_login_deadline(
    haraka, dovecot, tmp_path
):
    # With --timeout 1 a login check ends within 3 s; the mailbox stays watched longer, until
    # Haraka's next retry (5 s after the refused first attempt) delivers.
    haraka.pause_delivery()
    failed_before = haraka.log_text().count("Temp failing")

    def resume_after_the_first_refused_attempt() -> None:
        deadline = time.monotonic() + 15
        while haraka.log_text().count("Temp failing") == failed_before:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        haraka.resume_delivery()

    threading.Thread(target=resume_after_the_first_refused_attempt, daemon=True).start()
    result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem, timeout=1, test_message_timeout=20)
    assert result.ok, (result.cause, result.message)
    assert result.delivery_ms is not None and result.delivery_ms > 3000


@pytest.mark.parametrize(
    ("stage", "code", "status", "text", "refused_at", "advice_word"),
    [
        ("mail", 553, "5.7.1", "Sender not allowed for this login", "MAIL FROM", "sender"),
        ("rcpt", 550, "5.7.1", "Relaying denied", "RCPT TO", "relay"),
        ("data", 451, "4.3.0", "Temporary failure, try later", "DATA", "temporary"),
    ],
)
def test_a_refused_command_is_submission_refused_with_the_servers_words(
    haraka, dovecot, tmp_path, stage, code, status, text, refused_at, advice_word
):
    haraka.refuse(stage, code, status, text)
    result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem)
    assert result.cause == "submission_refused"
    assert result.refused_at == refused_at
    assert f"{code} {status} {text}" in result.message
    assert advice_word in result.advice.lower()
    assert _step(result, StepName.SUBMITTED).status is StepStatus.FAILED
    assert [s.name for s in result.steps][-1] is StepName.SUBMITTED


def test_a_permanent_lmtp_refusal_comes_back_as_bounced_with_the_report_parsed(
    haraka, dovecot_factory, tmp_path
):
    full = dovecot_factory(full_mailbox=True)
    full.set_delivery_rule(GOOD_USER, REPORTS_TO_JUNK)  # the only room left is Junk
    haraka.deliver_to(full)
    result = _trip(_provider(haraka, tmp_path, full), full.ca_pem, test_message_timeout=20)
    assert result.cause == "bounced", (result.cause, result.message)
    assert result.bounce is not None
    assert result.bounce.recipient == GOOD_USER
    assert result.bounce.status.startswith("5.2.2")
    assert "quota" in result.bounce.diagnostic.lower()
    assert result.bounce.action == "failed"
    assert "mailbox is full" in result.advice.lower()
    assert result.folder == "Junk"
    assert result.cleaned_up  # the report about the test message is removed too
    with IMAPClient(
        "localhost",
        port=full.imap_port,
        ssl_context=ssl.create_default_context(cafile=str(full.ca_pem)),
    ) as imap:
        imap.plain_login(GOOD_USER, GOOD_PASSWORD)
        imap.select_folder("Junk", readonly=True)
        assert imap.search(["TEXT", result.token]) == []
    assert "bouncing mail" in haraka.log_text()


def _own_deleted_messages(dovecot: DovecotServer, count: int) -> list[int]:
    """Messages the person flagged \\Deleted and has not expunged yet (their undo window)."""
    uids = []
    with _imap(dovecot) as imap:
        for i in range(count):
            msg = EmailMessage()
            msg["From"] = GOOD_USER
            msg["Subject"] = f"marked deleted {i}"
            msg.set_content("keep me until I expunge")
            response = imap.append("INBOX", msg.as_bytes(), flags=[b"\\Deleted"])
            uids.append(int(response.split(b"]")[0].split()[-1]))
    return uids


def test_cleanup_leaves_the_persons_own_deleted_messages_alone(haraka, dovecot, tmp_path):
    theirs = _own_deleted_messages(dovecot, 2)
    result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem)
    assert result.ok and result.cleaned_up
    with _imap(dovecot) as imap:
        imap.select_folder("INBOX", readonly=True)
        flags = imap.get_flags(theirs)
        assert sorted(flags) == sorted(theirs)
        assert all(b"\\Deleted" in f for f in flags.values())
        imap.select_folder("INBOX")
        imap.uid_expunge(theirs)  # their own undo window is over: tidy up
    sent = [t.text for t in result.transcript if t.direction is Direction.SENT]
    expunges = [line for line in sent if line.split()[1:2] in (["EXPUNGE"], ["UID"])]
    expunges = [line for line in expunges if "EXPUNGE" in line]
    assert expunges and all("UID EXPUNGE" in line for line in expunges), expunges


def test_without_uidplus_it_moves_the_message_to_trash(haraka, dovecot_factory, tmp_path):
    server = dovecot_factory(
        imap_capability="IMAP4rev1 SASL-IR LITERAL+ IDLE MOVE SPECIAL-USE NAMESPACE"
    )
    haraka.deliver_to(server)
    theirs = _own_deleted_messages(server, 1)
    result = _trip(_provider(haraka, tmp_path, server), server.ca_pem)
    assert result.ok and result.cleaned_up
    assert "moved from INBOX to Trash" in result.cleanup_note
    assert _with_token(server, "INBOX", result.token) == []
    assert _with_token(server, "Trash", result.token)
    with _imap(server) as imap:
        imap.select_folder("INBOX", readonly=True)
        assert list(imap.get_flags(theirs)) == theirs


def test_with_neither_uidplus_nor_move_it_leaves_the_message_and_says_so(
    haraka, dovecot_factory, tmp_path
):
    server = dovecot_factory(imap_capability="IMAP4rev1 SASL-IR LITERAL+ SPECIAL-USE")
    haraka.deliver_to(server)
    result = _trip(_provider(haraka, tmp_path, server), server.ca_pem)
    assert result.ok, (result.cause, result.message)
    assert result.watch_mode == "poll"  # no IDLE offered either
    assert not result.cleaned_up
    assert "neither UIDPLUS nor MOVE" in result.cleanup_note
    assert _step(result, StepName.CLEANUP).status is StepStatus.SKIPPED
    assert _with_token(server, "INBOX", result.token)
    assert "EXPUNGE" not in "\n".join(t.text for t in result.transcript)


@pytest.mark.parametrize("watch", ["notify", "idle", "poll"])
def test_each_way_of_watching_finds_the_message(haraka, dovecot, tmp_path, watch):
    result = _trip(_provider(haraka, tmp_path), dovecot.ca_pem, watch=watch)
    assert result.ok, (result.cause, result.message)
    assert result.watch_mode == watch


def test_dovecots_own_submission_path_works_too(haraka, dovecot, tmp_path):
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    result = _trip(provider, dovecot.ca_pem)
    assert result.ok, (result.cause, result.message)
    assert result.port == dovecot.submission_port
    assert f"local_port={haraka.inbound_port}" in haraka.log_text()


def test_stop_during_the_wait_ends_it_at_once(haraka, dovecot, tmp_path):
    haraka.pause_delivery()
    cancel = CancelToken()
    arrived_started = threading.Event()

    def listener(service: Service, step: Step) -> None:
        if step.name is StepName.ARRIVED and step.status is StepStatus.RUNNING:
            arrived_started.set()

    out: list[TestMessageResult] = []
    worker = threading.Thread(
        target=lambda: out.append(
            _trip(
                _provider(haraka, tmp_path),
                dovecot.ca_pem,
                test_message_timeout=30,
                cancel=cancel,
                listener=listener,
            )
        )
    )
    worker.start()
    assert arrived_started.wait(15)
    time.sleep(0.3)
    t0 = time.monotonic()
    cancel.cancel()
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - t0 < 2.0
    assert out[0].cancelled and out[0].cause == "cancelled"


def test_the_round_trip_runs_only_after_both_logins_pass(haraka, dovecot, tmp_path):
    provider = _provider(haraka, tmp_path)
    results = check_all(
        provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, send_test_message=True
    )
    assert [r.service for r in results][-1] is Service.ROUNDTRIP and results[-1].ok
    assert "test message" in summary(make_report(GOOD_USER, provider, results))
    failed = check_all(provider, GOOD_USER, "wrong", ca_file=dovecot.ca_pem, send_test_message=True)
    assert Service.ROUNDTRIP not in {r.service for r in failed}


def test_message_has_subject_token_header_date_and_message_id_on_the_domain():
    msg = build_message("joe.bloggs@sepheo.co", "abc123")
    assert msg["Subject"] == f"Test message from {APP_NAME} — you can delete it (abc123)"
    assert msg[TOKEN_HEADER] == "abc123"
    assert msg["From"] == msg["To"] == "joe.bloggs@sepheo.co"
    assert msg["Date"] and msg["Message-ID"].endswith("@sepheo.co>")
    assert msg.get_content_type() == "text/plain"


def test_cli_round_trip_json_and_exit_status(haraka, dovecot, tmp_path):
    provider = haraka.write_provider(tmp_path / "p.xml")
    r = diagnose(dovecot, provider, GOOD_PASSWORD, "--json", "--round-trip")
    assert r.returncode == 0, r.stdout + r.stderr
    checks = json.loads(r.stdout)["checks"]
    trip = checks[-1]
    assert trip["service"] == "roundtrip" and trip["ok"] is True
    for key in ("cause", "message", "advice", "steps", "folder", "delivery_ms", "queue_id"):
        assert key in trip
    assert trip["folder"] == "INBOX" and trip["cleaned_up"] is True
    assert [s["name"] for s in trip["steps"]] == ["watch", "submitted", "arrived", "cleanup"]

    haraka.refuse("mail", 553, "5.7.1", "Sender not allowed")
    r = diagnose(dovecot, provider, GOOD_PASSWORD, "--round-trip", "--report")
    assert r.returncode == 1
    assert "== Test message: FAILED (submission_refused)" in r.stdout
    assert "553 5.7.1 Sender not allowed" in r.stdout
    assert "test message not removed" in r.stdout


def test_cli_rejects_a_round_trip_without_imap_or_smtp(dovecot, provider_file):
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--round-trip", "--only", "imap")
    assert r.returncode == 2 and "--round-trip needs" in r.stderr
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--round-trip-timeout", "0")
    assert r.returncode == 2
