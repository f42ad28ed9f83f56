"""The report against the real Haraka, seen from a chosen public address through a PROXY front.

As behind Cloudron's NAT: Haraka sees the address in the PROXY header, not this computer's
own; its EHLO reply says so, its banner shows the session id, and its dns-list plugin asks the
suite's dnsmasq about that address (a refusal when listed). Every backticked fragment of a hint
is held to the very line Haraka wrote for that attempt.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from datetime import UTC, datetime

import pytest

from tests.conftest import BLOCKED_V6, CLEAN_IP, PBL_IP
from tests.support.checks import check_all
from tests.support.cli import diagnose
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from tests.support.haraka_server import HarakaServer
from tests.support.log_lines import backticked, wait_for_line, within_window
from tests.support.proxy_front import ProxyFront
from wizard.checks.errors import Cause
from wizard.log_hints import hint_for, outcome_of
from wizard.logs import Filters, read_sessions
from wizard.provider import Provider, parse_provider
from wizard.report import mailto_link, make_report, render_json, render_text, summary
from wizard.servers import Logged
from wizard.services import Service

pytestmark = pytest.mark.dovecot


@pytest.fixture
def front(haraka_public: HarakaServer):
    started: list[ProxyFront] = []

    def make(claimed_ip: str) -> ProxyFront:
        f = ProxyFront(haraka_public.submission_port, claimed_ip).start()
        started.append(f)
        return f

    yield make
    for f in started:
        f.stop()


def _provider(haraka: HarakaServer, front: ProxyFront) -> Provider:
    return parse_provider(haraka.provider_xml(smtp_port=front.port).encode())


def _haraka_stamp(line: str) -> datetime:
    """Haraka's log.ini timestamps: ISO 8601 in UTC ("2026-12-01T08:45:39.899Z")."""
    return datetime.strptime(line[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def _smtp(results):
    return next(r for r in results if r.service is Service.SMTP)


def test_a_failed_login_names_harakas_session_and_the_address_it_saw(
    haraka_public, dovecot, dnsbl, front
):
    provider = _provider(haraka_public, front(PBL_IP))
    offset = len(haraka_public.log_text())
    results = check_all(
        provider, GOOD_USER, "wrong-password", ca_file=dovecot.ca_pem, dnsbl_server=dnsbl.address
    )
    smtp = _smtp(results)
    assert smtp.cause == Cause.AUTH_FAILED
    assert smtp.server_software and smtp.server_software.startswith("Haraka ")
    assert smtp.server_seen_ip == PBL_IP  # from its EHLO reply, not our own 127.0.0.1
    assert smtp.server_session and len(smtp.server_session) == 6

    hint = hint_for(smtp, provider, results)
    assert hint is not None
    fragments = backticked(hint.text)
    assert fragments == [f"[{smtp.server_session}", "[core] disconnect", f"ip={PBL_IP}", 'lr="535']
    line = wait_for_line(haraka_public.log_text, fragments, after=offset)
    assert line is not None, (
        f"no Haraka line with {fragments}:\n{haraka_public.log_text()[offset:]}"
    )
    assert within_window(hint.text, _haraka_stamp(line)), (hint.text, line)
    assert f"the server said it sees this computer as {PBL_IP}" in hint.text
    assert "this computer's own address is 127.0.0.1" in hint.text
    assert "do not name the login" in hint.text and GOOD_USER in hint.text

    # Dovecot states no address: its hint names what the SMTP server saw, labelled as such.
    imap_hint = hint_for(next(r for r in results if r.service is Service.IMAP), provider, results)
    assert imap_hint is not None
    assert f"the SMTP server on localhost said it sees this computer as {PBL_IP}" in imap_hint.text

    report = make_report(GOOD_USER, provider, results)
    data = render_json(report)
    assert data["public_ip"] == PBL_IP
    assert data["blocklists"] == [
        {
            "zone": "zen.spamhaus.org",
            "ip": PBL_IP,
            "listed": True,
            "codes": ["127.0.0.10", "127.0.0.11"],
            "meaning": report.blocklists[0].meaning,
        }
    ]
    check = next(c for c in data["checks"] if c["service"] == "smtp")
    assert check["server_seen_ip"] == PBL_IP
    assert check["server_session"] == smtp.server_session
    assert check["log_hint"]["fragments"] == fragments


def test_a_pbl_listing_is_a_warning_and_the_checks_still_pass(haraka_public, dovecot, dnsbl, front):
    provider = _provider(haraka_public, front(PBL_IP))
    offset = len(haraka_public.log_text())
    results = check_all(
        provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, dnsbl_server=dnsbl.address
    )
    report = make_report(GOOD_USER, provider, results)
    assert report.ok, [(r.service, r.cause) for r in results]
    text = summary(report)
    assert text.startswith("Everything works")
    assert f"Warning: {PBL_IP} is listed on zen.spamhaus.org: Spamhaus PBL" in text
    assert "Nothing to fix for sending through your own mail server" in text
    full = render_text(report)
    assert f"The mail server sees this computer as {PBL_IP}" in full
    assert f"Blocklist: {PBL_IP} on zen.spamhaus.org: LISTED" in full
    # Email to IT carries the same.
    body = urllib.parse.unquote(mailto_link(report, full) or "")
    assert f"The mail server sees this computer as {PBL_IP}" in body
    # A working login is found in Haraka's log by its session and the address it saw.
    smtp = _smtp(results)
    hint = hint_for(smtp, provider, results)
    assert hint is not None
    assert backticked(hint.text) == [f"[{smtp.server_session}", "[core] disconnect", f"ip={PBL_IP}"]
    line = wait_for_line(haraka_public.log_text, hint.fragments, after=offset)
    assert line is not None and 'lr=""' in line and within_window(hint.text, _haraka_stamp(line))


def test_a_clean_address_is_looked_up_and_reported_not_listed(haraka_public, dovecot, dnsbl, front):
    provider = _provider(haraka_public, front(CLEAN_IP))
    asked = len(dnsbl.queries())
    results = check_all(
        provider,
        GOOD_USER,
        GOOD_PASSWORD,
        ca_file=dovecot.ca_pem,
        dnsbl_server=dnsbl.address,
        only=[Service.SMTP],
    )
    report = make_report(GOOD_USER, provider, results)
    assert [b.listed for b in report.blocklists] == [False]
    assert "20.100.51.198.zen.spamhaus.org" in dnsbl.queries()[asked:]
    assert "Warning" not in summary(report)


def test_a_blocklist_refusal_points_at_harakas_deny_line(haraka_public, dovecot, dnsbl, front):
    provider = _provider(haraka_public, front(BLOCKED_V6))
    offset = len(haraka_public.log_text())
    results = check_all(
        provider,
        GOOD_USER,
        GOOD_PASSWORD,
        ca_file=dovecot.ca_pem,
        dnsbl_server=dnsbl.address,
        only=[Service.SMTP],
    )
    smtp = _smtp(results)
    assert smtp.cause == Cause.CONNECTION_BLOCKED
    assert smtp.server_seen_ip == BLOCKED_V6
    hint = hint_for(smtp, provider, results)
    assert hint is not None
    fragments = backticked(hint.text)
    assert fragments == [
        "retval=DENY",
        f'msg="host [{BLOCKED_V6}] is listed on zen.spamhaus.org"',
    ]
    line = wait_for_line(haraka_public.log_text, fragments, after=offset)
    assert line is not None, haraka_public.log_text()[offset:]
    assert within_window(hint.text, _haraka_stamp(line))
    report = make_report(GOOD_USER, provider, results)
    text = summary(report)
    assert "never got as far" not in text and "logged nothing" not in text
    assert f"Blocklist: {BLOCKED_V6} is listed on zen.spamhaus.org: Spamhaus SBL" in text
    assert report.blocklists[0].listed is True


def test_the_lookup_runs_beside_the_checks_and_a_silent_resolver_costs_at_most_3_s(
    haraka_public, dovecot, front
):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    provider = _provider(haraka_public, front(PBL_IP))
    try:
        t0 = time.monotonic()
        # A wrong password: Haraka's flat_file waits a second before refusing, so the checks
        # take over a second; one after the other with the 3 s look-up would take over 4 s.
        results = check_all(
            provider,
            GOOD_USER,
            "wrong-password",
            ca_file=dovecot.ca_pem,
            dnsbl_server=silent.getsockname(),
        )
        took = time.monotonic() - t0
    finally:
        silent.close()
    slowest = max(r.duration_ms for r in results) / 1000
    assert slowest > 0.9, slowest
    assert took < 3.8, f"took {took:.2f} s (slowest check {slowest:.2f} s)"
    [answer] = make_report(GOOD_USER, provider, results).blocklists
    assert answer.listed is None and "no answer within 3 s" in answer.meaning


def test_diagnose_json_carries_the_servers_words_and_the_blocklists(
    haraka_public, dovecot: DovecotServer, dnsbl, front, tmp_path
):
    provider_file = tmp_path / "p.xml"
    provider_file.write_text(haraka_public.provider_xml(smtp_port=front(PBL_IP).port))
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--json", "--dnsbl-server", dnsbl.spec)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["public_ip"] == PBL_IP
    assert [(b["zone"], b["listed"]) for b in data["blocklists"]] == [("zen.spamhaus.org", True)]
    smtp = next(c for c in data["checks"] if c["service"] == "smtp")
    assert smtp["server_software"].startswith("Haraka ")
    imap = next(c for c in data["checks"] if c["service"] == "imap")
    assert imap["server_software"] == "Dovecot" and imap["server_seen_ip"] is None


@pytest.mark.parametrize("password", ["wrong-password", GOOD_PASSWORD], ids=["refused", "good"])
def test_the_log_reader_reads_harakas_hinted_session_as_the_outcome_the_hint_was_for(
    haraka_public, dovecot, dnsbl, front, password
):
    # Haraka's words for the hint and for the reader come from wizard.servers.haraka.
    provider = _provider(haraka_public, front(CLEAN_IP))
    offset = len(haraka_public.log_text())
    results = check_all(
        provider, GOOD_USER, password, ca_file=dovecot.ca_pem, dnsbl_server=dnsbl.address
    )
    smtp = _smtp(results)
    hint = hint_for(smtp, provider, results)
    assert hint is not None and smtp.server_session
    assert wait_for_line(haraka_public.log_text, hint.fragments, after=offset) is not None
    sessions = read_sessions([str(haraka_public.log_path)], Filters(ip=CLEAN_IP))
    [session] = [s for s in sessions if s.session_id.startswith(smtp.server_session)]
    assert Logged(session.outcome, session.reason) == outcome_of(smtp)
