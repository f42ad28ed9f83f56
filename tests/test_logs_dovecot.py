"""The log reader on logs the test suite's own Dovecot writes in real scenarios: the wizard's
checks with a wrong password, a short username, an unknown user, a disabled mailbox, a broken
login service — in Dovecot's default year-less stamps and in its ISO ``log_timestamp`` form —
and a saved report matched back to its login attempts."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from tests.conftest import _require_dovecot
from tests.support.checks import check_all
from tests.support.dovecot_server import (
    DISABLED_PASSWORD,
    DISABLED_USER,
    GOOD_PASSWORD,
    GOOD_USER,
    DovecotServer,
)
from tests.support.log_lines import wait_until_logged
from wizard.cli import main
from wizard.logs import Filters, Outcome, Reason, read_sessions
from wizard.provider import load_provider
from wizard.report import make_report, render_json_text, render_text

pytestmark = pytest.mark.dovecot

ISO_STAMP = "%Y-%m-%d %H:%M:%S "


@pytest.fixture(params=["default", "iso"])
def server(request, test_ca: trustme.CA) -> Iterator[DovecotServer]:
    """A fresh Dovecot per test, so its log holds only that test's attempts."""
    _require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="wizard-logs-"))
    root.chmod(0o711)
    stamp = ISO_STAMP if request.param == "iso" else None
    s = DovecotServer(root / "server", test_ca, log_timestamp=stamp).start()
    yield s
    s.stop()
    shutil.rmtree(root, ignore_errors=True)


def check(server: DovecotServer, tmp_path: Path, address: str, password: str, **kw: object):
    provider = load_provider(server.write_provider(tmp_path / "provider.xml"))
    results = check_all(provider, address, password, ca_file=server.ca_pem, timeout=10, **kw)  # type: ignore[arg-type]
    wait_for_log(server, lambda text: text.count(f"user=<{kw.get('username') or address}>") >= 3)
    return make_report(address, provider, results)


def wait_for_log(server: DovecotServer, done: Callable[[str], bool], timeout: float = 10) -> None:
    wait_until_logged(server.log_text, done, timeout)


def read(server: DovecotServer, **filters: object):
    return list(read_sessions([str(server.log_path)], Filters(**filters)))  # type: ignore[arg-type]


def by_service(sessions):
    out = {s.service: s for s in sessions}
    assert set(out) == {"imap", "submission", "sieve"}, [s.explanation for s in sessions]
    return out


def test_wrong_password_is_named_for_every_service(server, tmp_path):
    check(server, tmp_path, GOOD_USER, "not-the-password")
    for s in by_service(read(server, address=GOOD_USER)).values():
        assert (s.outcome, s.reason) == (Outcome.LOGIN_FAILED, Reason.WRONG_PASSWORD)
        assert "the password was wrong" in s.explanation
        assert s.client_ip == "127.0.0.1" and s.session_id
        # the auth process's verdict line and the login process's line are one session
        assert any("Password mismatch" in line for line in s.lines)
        assert any("auth failed" in line for line in s.lines)
        assert s.started.year_known is (server.log_timestamp is not None)


def test_short_username_says_the_login_must_be_the_full_address(server, tmp_path):
    check(server, tmp_path, GOOD_USER, GOOD_PASSWORD, username="joe.bloggs")
    found = read(server, address=GOOD_USER)  # the address finds its short login too
    for s in by_service(found).values():
        assert (s.user, s.outcome, s.reason) == (
            "joe.bloggs",
            Outcome.LOGIN_FAILED,
            Reason.SHORT_USERNAME,
        )
        assert "The login must be the full email address (joe.bloggs@sepheo.co)" in s.explanation


def test_right_password_is_login_ok_and_the_session_ends(server, tmp_path):
    check(server, tmp_path, GOOD_USER, GOOD_PASSWORD)
    wait_for_log(server, lambda t: t.count("Logged out") >= 2)
    sessions = by_service(read(server, address=GOOD_USER))
    for s in sessions.values():
        assert s.outcome is Outcome.LOGIN_OK and s.tls
        assert "the login worked" in s.explanation
    # the mail process's lines (imap(user)<pid><session>) join the login's session
    assert any("Logged out" in line for line in sessions["imap"].lines)
    assert sessions["imap"].closed


def test_unknown_user_is_told_apart_from_a_wrong_password(server, tmp_path):
    check(server, tmp_path, "nobody@sepheo.co", "whatever")
    for s in by_service(read(server, address="nobody@sepheo.co")).values():
        assert s.reason is Reason.UNKNOWN_USER
        assert "no such user" in s.explanation


def test_disabled_mailbox_is_not_a_wrong_password(server, tmp_path):
    check(server, tmp_path, DISABLED_USER, DISABLED_PASSWORD)
    for s in by_service(read(server, address=DISABLED_USER)).values():
        assert s.reason is Reason.ACCOUNT_DISABLED
        assert "the password was right" in s.explanation


def test_broken_login_service_is_not_the_persons_fault(test_ca, tmp_path):
    _require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="wizard-logs-"))
    root.chmod(0o711)
    broken = DovecotServer(root / "server", test_ca, broken_passdb=True).start()
    try:
        check(broken, tmp_path, GOOD_USER, "whatever")
        for s in by_service(read(broken, address=GOOD_USER)).values():
            assert s.reason is Reason.AUTH_UNAVAILABLE
            assert "not the person's fault" in s.explanation
    finally:
        broken.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_connections_without_a_login_are_filtered_out_by_address(server, tmp_path):
    # The fixture's own readiness probes connect and leave: "no auth attempts".
    everything = read(server)
    assert any(s.reason is Reason.NO_AUTH_ATTEMPT for s in everything)
    assert read(server, address=GOOD_USER) == []


def test_ip_and_time_filters_on_a_real_log(server, tmp_path):
    before = datetime.now(UTC) - timedelta(seconds=1)
    check(server, tmp_path, GOOD_USER, "not-the-password")
    assert len(read(server, ip="127.0.0.1", since=before, address=GOOD_USER)) == 3
    assert read(server, ip="10.0.0.0/8") == []
    assert read(server, address=GOOD_USER, until=before - timedelta(minutes=5)) == []


@pytest.mark.parametrize("form", ["text", "json"])
def test_saved_report_finds_its_login_attempts_and_says_which_is_which(
    server, tmp_path, capsys, form
):
    # Someone else's failed login right before, from the same machine: not the report's.
    check(server, tmp_path, "contact@sepheo.co", "wrong-too")
    report = check(server, tmp_path, GOOD_USER, "not-the-password")
    saved = tmp_path / f"report.{'txt' if form == 'text' else 'json'}"
    saved.write_text(render_text(report) if form == "text" else render_json_text(report))

    assert main(["logs", str(server.log_path), "--report", str(saved), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    matched = [s for s in out["sessions"] if s.get("report_match")]
    assert {s["report_service"] for s in matched} == {"imap", "smtp", "sieve"}
    assert all(s["user"] == GOOD_USER for s in out["sessions"])  # contact's are not listed
    imap = next(s for s in matched if s["report_service"] == "imap")
    assert imap["report_match"].startswith("This is the login attempt from the report")
    assert imap["report_match"].endswith(": the password was wrong.")
    assert all(len(r["sessions"]) == 1 for r in out["report"])

    assert main(["logs", str(server.log_path), "--report", str(saved)]) == 0
    text = capsys.readouterr().out
    assert "► This is the login attempt from the report (IMAP check at" in text
    assert "found in the log" in text
