"""The log reader on the test suite's real Haraka (tests/support/haraka_server.py): its own log
of a message delivered over LMTP into the test Dovecot, of a delivery deferred while the LMTP
side is down (and delivered once it is back), of a refused login, and of the wizard's own SMTP
check matched back from its report."""

from __future__ import annotations

import json
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

# The Haraka fixture (tests/support/haraka_server.py) comes with issue 15's branch.
pytest.importorskip("tests.support.haraka_server")

from tests.support.checks import check_all
from tests.support.dovecot_server import GOOD_USER, OTHER_PASSWORD, OTHER_USER
from tests.support.log_lines import wait_until_logged
from wizard.cli import main
from wizard.logs import Filters, Outcome, Reason, Server, load_report, read_sessions
from wizard.provider import load_provider
from wizard.report import make_report, render_json_text, render_text
from wizard.services import Service

pytestmark = [pytest.mark.dovecot, pytest.mark.haraka]


def send(haraka, test_ca, *, password: str = OTHER_PASSWORD, to: str = GOOD_USER) -> None:
    """One message from contact@ (an ASCII password: smtplib's AUTH PLAIN needs one)."""
    ctx = ssl.create_default_context()
    test_ca.configure_trust(ctx)
    with smtplib.SMTP("localhost", haraka.submission_port, timeout=20) as s:
        s.starttls(context=ctx)
        s.login(OTHER_USER, password)
        s.sendmail(OTHER_USER, [to], f"From: {OTHER_USER}\r\nTo: {to}\r\nSubject: t\r\n\r\nhi\r\n")


def wait_for(haraka, done: Callable[[str], bool], timeout: float = 30) -> None:
    wait_until_logged(haraka.log_text, done, timeout)


def mine(haraka, since: datetime, **filters: object):
    """This test's Haraka sessions: the fixture's log is shared by the whole run."""
    found = read_sessions([str(haraka.log_path)], Filters(**filters))  # type: ignore[arg-type]
    return [s for s in found if s.server is Server.HARAKA and s.started.comparable(since) >= since]


def test_message_delivered_over_lmtp(haraka, test_ca):
    since = datetime.now(UTC)
    before = haraka.log_text().count(" delivered ")
    send(haraka, test_ca)
    wait_for(haraka, lambda t: t.count(" delivered ") > before)
    (s,) = mine(haraka, since, address=OTHER_USER)
    assert (s.outcome, s.user) == (Outcome.DELIVERED, OTHER_USER)
    (txn,) = s.transactions.values()
    assert txn.recipients == [GOOD_USER] and txn.size > 0
    (d,) = txn.deliveries.values()
    assert d.mode == "LMTP" and d.attempts == 1
    assert "Delivered to the mailbox server over LMTP" in s.explanation
    assert "relay=Y" in s.explanation  # the login itself is not in Haraka's log
    # the recipient finds it too: it is their mail
    assert [x.session_id for x in mine(haraka, since, address=GOOD_USER)] == [s.session_id]


def test_delivery_deferred_while_lmtp_is_down_then_delivered(haraka, test_ca):
    since = datetime.now(UTC)
    failing = haraka.log_text().count("Temp failing")
    haraka.pause_delivery()
    send(haraka, test_ca)
    wait_for(haraka, lambda t: t.count("Temp failing") >= failing + 2)

    found = mine(haraka, since, address=OTHER_USER)
    assert len(found) == 1, [(x.session_id, x.outcome, x.started.iso, x.lines) for x in found]
    (s,) = found
    assert s.outcome is Outcome.DEFERRED
    (d,) = next(iter(s.transactions.values())).deliveries.values()
    assert d.attempts >= 2 and d.next_retry is not None
    assert "connection refused" in s.explanation
    assert "LMTP side (Dovecot) down" in s.explanation
    assert f"retries at {d.next_retry.label()}" in s.explanation

    delivered = haraka.log_text().count(" delivered ")
    haraka.resume_delivery()
    wait_for(haraka, lambda t: t.count(" delivered ") > delivered)
    (s,) = mine(haraka, since, address=OTHER_USER)
    assert s.outcome is Outcome.DELIVERED
    assert "after " in s.explanation and "earlier attempts: could not connect" in s.explanation


def test_refused_login_is_login_failed_with_the_servers_answer(haraka, test_ca):
    since = datetime.now(UTC)
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send(haraka, test_ca, password="not-the-password")
    wait_for(haraka, lambda t: "535 5.7.8" in t[t.rfind("[core] connect ip=") :])
    (s,) = [x for x in mine(haraka, since, ip="127.0.0.1") if x.reason is not None]
    assert (s.outcome, s.reason) == (Outcome.LOGIN_FAILED, Reason.WRONG_PASSWORD_OR_UNKNOWN_USER)
    assert "535 5.7.8" in s.explanation
    assert "not-the-password" not in json.dumps(s.to_json())


def test_the_wizards_smtp_check_is_found_from_its_report(haraka, dovecot, tmp_path, capsys):
    provider = load_provider(haraka.write_provider(tmp_path / "provider.xml"))
    from tests.support.dovecot_server import GOOD_PASSWORD

    results = check_all(
        provider,
        GOOD_USER,
        GOOD_PASSWORD,
        ca_file=dovecot.ca_pem,
        timeout=10,
        only={Service.SMTP},
    )
    report = make_report(GOOD_USER, provider, results)
    assert report.ok, [r.message for r in results]
    saved = tmp_path / "report.json"
    saved.write_text(render_json_text(report))
    started = results[0].started_at
    wait_for(haraka, lambda t: "disconnect" in t[t.rfind("[core] connect ip=") :])

    assert main(["logs", str(haraka.log_path), "--report", str(saved), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    matched = [s for s in out["sessions"] if s.get("report_match")]
    assert len(matched) == 1, out["sessions"]
    (s,) = matched
    assert s["server"] == "haraka" and s["outcome"] == "login_ok"
    assert s["report_match"].endswith(": the login worked.")
    assert datetime.fromisoformat(s["started"]) - started < timedelta(seconds=5)


def test_permanent_lmtp_refusal_is_bounced_with_the_reason(haraka, dovecot_factory, test_ca):
    full = dovecot_factory(full_mailbox=True)
    haraka.deliver_to(full)
    since = datetime.now(UTC)
    bounced = haraka.log_text().count("bouncing mail")
    send(haraka, test_ca)
    wait_for(haraka, lambda t: t.count("bouncing mail") > bounced)
    (s,) = [x for x in mine(haraka, since, address=OTHER_USER) if x.client_ip]
    assert s.outcome is Outcome.BOUNCED
    assert "failed for good and bounced" in s.explanation
    assert "5.2.2" in s.explanation or "quota" in s.explanation.lower(), s.explanation


@pytest.fixture
def front(haraka_public):
    """PROXY fronts that make haraka_public see a chosen client address (tests.support)."""
    from tests.support.proxy_front import ProxyFront

    started: list = []

    def make(claimed_ip: str):
        f = ProxyFront(haraka_public.submission_port, claimed_ip).start()
        started.append(f)
        return f

    yield make
    for f in started:
        f.stop()


def test_blocklisted_address_names_the_list_and_the_report_finds_it(
    haraka_public, dovecot, dnsbl, front, tmp_path, capsys
):
    from tests.conftest import BLOCKED_V6
    from tests.support.dovecot_server import GOOD_PASSWORD
    from wizard.provider import parse_provider

    provider = parse_provider(haraka_public.provider_xml(smtp_port=front(BLOCKED_V6).port).encode())
    since = datetime.now(UTC)
    results = check_all(
        provider,
        GOOD_USER,
        GOOD_PASSWORD,
        ca_file=dovecot.ca_pem,
        dnsbl_server=dnsbl.address,
        only=[Service.SMTP],
    )
    wait_for(haraka_public, lambda t: f'lr="554 host [{BLOCKED_V6}]' in t[t.rfind("HAProxy") :])
    found = mine(haraka_public, since, ip=BLOCKED_V6)
    assert len(found) == 1, [(x.session_id, x.outcome, x.lines) for x in found]
    (s,) = found
    assert (s.outcome, s.blocklist, s.client_ip) == (
        Outcome.BLOCKLISTED,
        "zen.spamhaus.org",
        BLOCKED_V6,
    )
    assert "is on the blocklist zen.spamhaus.org" in s.explanation
    assert "did not authenticate" in s.explanation

    report = make_report(GOOD_USER, provider, results)
    as_text = tmp_path / "report.txt"
    as_text.write_text(render_text(report))
    (attempt,) = load_report(str(as_text)).attempts  # the text form carries the same keys
    assert (attempt.service, attempt.server_ip) == ("smtp", BLOCKED_V6)
    saved = tmp_path / "report.json"
    saved.write_text(render_json_text(report))
    rc = main(["logs", str(haraka_public.log_path), "--report", str(saved), "--json"])
    assert rc == 0
    (found,) = [x for x in json.loads(capsys.readouterr().out)["sessions"] if x.get("report_match")]
    assert found["session_id"] == s.session_id
    # refused at the greeting: no banner, so no session id in the report; the address it saw
    assert "matched by time and address" in found["report_match"]
    assert found["report_match"].endswith("is on the blocklist zen.spamhaus.org.")
