"""The how-to's own example log lines (tests/data/logs/howto-*.log) must read the way the how-to
explains them: two successful IMAP logins, a delivery to FastMail, a delivery retried after a
certificate error, and a blocklisted address that still authenticated."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.logs import Filters, Outcome, Reason, Server, Stats, read_sessions

DATA = Path(__file__).parent / "data" / "logs"
LOGIN_ACTIVITY = DATA / "howto-dovecot-login-activity.log"
LOGIN_LOGOUT = DATA / "howto-dovecot-login-logout.log"
FASTMAIL = DATA / "howto-haraka-fastmail-delivered.log"
RETRIED = DATA / "howto-haraka-retried-cert-error.log"
BLOCKLISTED = DATA / "howto-haraka-blocklisted.log"
ALL = [LOGIN_ACTIVITY, LOGIN_LOGOUT, FASTMAIL, RETRIED, BLOCKLISTED]


def sessions(*paths: Path, **filters: object):
    return list(read_sessions([str(p) for p in paths], Filters(**filters)))  # type: ignore[arg-type]


def only(*paths: Path, **filters: object):
    found = sessions(*paths, **filters)
    assert len(found) == 1, [s.explanation for s in found]
    return found[0]


def test_login_followed_by_imap_activity_is_one_successful_session():
    s = only(LOGIN_ACTIVITY)
    assert (s.server, s.service, s.outcome) == (Server.DOVECOT, "imap", Outcome.LOGIN_OK)
    assert (s.user, s.client_ip, s.session_id) == (
        "joe.bloggs@sepheo.co",
        "1.2.3.4",
        "A9/32m21m7BYYWPt",
    )
    assert len(s.lines) == 3  # the login and both "Connection closed" lines of that user
    assert "the login worked" in s.explanation
    assert s.tls is True


def test_year_less_stamps_keep_no_year():
    s = only(LOGIN_ACTIVITY)
    assert s.started.year_known is False
    assert s.started.iso == "--12-01T21:31:53"
    assert "no year" in s.started.label()


def test_login_and_logout_is_a_successful_session_that_ended():
    s = only(LOGIN_LOGOUT)
    assert (s.user, s.client_ip, s.outcome) == ("contact@sepheo.co", "4.3.2.1", Outcome.LOGIN_OK)
    assert "Logged out" in s.explanation


def test_send_to_fastmail_is_delivered_with_a_verified_certificate():
    s = only(FASTMAIL)
    assert (s.server, s.outcome, s.user, s.client_ip) == (
        Server.HARAKA,
        Outcome.DELIVERED,
        "joe.bloggs@sepheo.co",
        "1.2.3.4",
    )
    assert s.authenticated
    (txn,) = s.transactions.values()
    assert txn.txn_id == "D33D6290-C923-4DAC-A4B4-D0E7B8FAF010.1"
    assert (txn.sender, txn.recipients, txn.size) == (
        "joe.bloggs@sepheo.co",
        ["joe@fastmail.fm"],
        451,
    )
    (d,) = txn.deliveries.values()
    assert (d.remote_host, d.remote_ip, d.tls) == (
        "in1-smtp.messagingengine.com",
        "66.111.4.74",
        "verified",
    )
    assert "verified certificate" in s.explanation
    assert "Queued as BA5AF7A207E" in s.explanation
    # the Cloudron "authenticated as" line (no UUID of its own) is part of the session
    assert any("[cloudron] authenticated as" in line for line in s.lines)


def test_retried_delivery_names_the_certificate_mismatch_timeout_and_next_retry():
    s = only(RETRIED)
    assert s.outcome is Outcome.DEFERRED
    (txn,) = s.transactions.values()
    (d,) = txn.deliveries.values()
    assert d.attempts == 2
    assert d.next_retry is not None and d.next_retry.iso == "2020-12-01T22:01:32Z"
    text = s.explanation
    assert "certificate is for box.example.com, not for a.mx.example.com" in text
    assert "socket timeout waiting on rcpt" in text
    assert "retries at 2020-12-01 22:01:32 UTC" in text
    assert "joe@example.com" in text


def test_blocklisted_address_that_still_authenticated_says_both():
    s = only(BLOCKLISTED)
    assert s.outcome is Outcome.BLOCKLISTED
    assert s.blocklist == "zen.spamhaus.org"
    assert s.authenticated and s.user == "joe.bloggs@sepheo.co"
    assert "still authenticated as joe.bloggs@sepheo.co" in s.explanation
    assert "No message was sent" in s.explanation


def test_address_filter_keeps_that_persons_sessions_only():
    found = sessions(*ALL, address="joe.bloggs@sepheo.co")
    assert sorted(s.outcome.value for s in found) == [
        "blocklisted",
        "deferred",
        "delivered",
        "login_ok",
    ]
    assert {s.user for s in found} == {"joe.bloggs@sepheo.co"}


def test_ip_filter_and_range():
    (s,) = sessions(*ALL, ip="4.3.2.1")
    assert s.user == "contact@sepheo.co"  # 4.3.2.1 as a *client*; the MX of that name is not
    assert len(sessions(*ALL, ip="1.2.3.0/24")) == 4


def test_since_and_until_bound_sessions_by_time():
    found = sessions(FASTMAIL, RETRIED, BLOCKLISTED, since=_t("2020-12-01T21:00:00Z"))
    assert sorted(s.outcome.value for s in found) == ["deferred", "delivered"]
    found = sessions(FASTMAIL, RETRIED, BLOCKLISTED, until=_t("2020-12-01T21:00:00Z"))
    assert [s.outcome.value for s in found] == ["blocklisted"]


def _t(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def _interleaved(tmp_path: Path) -> Path:
    """All the how-to's lines, shuffled into one file between noise lines of other people."""
    lines: list[str] = []
    noise = 0
    for path in ALL:
        for line in path.read_text().splitlines():
            lines.append(line)
            for _ in range(7):
                noise += 1
                lines.append(
                    f"2020-12-01T21:00:00.000Z [INFO] [00000000-0000-0000-0000-{noise:012d}] "
                    f"[core] connect ip=10.9.{noise % 250}.{noise % 200} port=1 local_port=25"
                )
            lines.append("this line is from no mail server at all")
    out = tmp_path / "mixed.log"
    out.write_text("\n".join(lines) + "\n")
    return out


@pytest.mark.parametrize("packed", [False, True], ids=["plain-file", "gzip-stream"])
@pytest.mark.parametrize("chunk_size", [256, 4096, 1 << 20])
def test_filtered_fast_path_finds_what_a_full_read_finds(tmp_path, chunk_size, packed):
    """The prefilter reads only lines naming the address (and the UUIDs they lead to), across
    region borders; it must find the same sessions as parsing every line and filtering after,
    on a plain file as on a gzip stream."""
    mixed = _interleaved(tmp_path)
    if packed:
        mixed.write_bytes(gzip.compress(mixed.read_bytes()))
    f = Filters(address="joe.bloggs@sepheo.co")
    fast = list(read_sessions([str(mixed)], f, chunk_size=chunk_size))
    full = [
        s for s in read_sessions([str(mixed)], Filters(), chunk_size=chunk_size) if f.matches(s)
    ]

    def key(s):
        return (s.session_id, s.outcome, s.user, s.client_ip, tuple(s.lines))

    assert sorted(map(key, fast)) == sorted(map(key, full))
    assert len(fast) == 4


def test_unknown_lines_are_counted_and_skipped(tmp_path):
    stats = Stats()
    found = list(read_sessions([str(_interleaved(tmp_path))], Filters(), stats=stats))
    assert stats.skipped_lines == sum(len(p.read_text().splitlines()) for p in ALL)
    assert stats.lines_read == stats.lines_examined
    assert {s.outcome for s in found} >= {Outcome.DELIVERED, Outcome.DEFERRED}


def test_cli_json_has_the_documented_shape(capsys):
    assert main(["logs", *map(str, ALL), "--address", "joe.bloggs@sepheo.co", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"sessions", "skipped_lines", "summary"}
    for s in out["sessions"]:
        assert set(s) >= {
            "server",
            "service",
            "started",
            "client_ip",
            "user",
            "outcome",
            "explanation",
            "session_id",
            "lines",
        }
    by_outcome = {s["outcome"]: s for s in out["sessions"]}
    assert by_outcome["delivered"]["started"] == "2020-12-01T22:15:11Z"
    assert by_outcome["login_ok"]["started"] == "--12-01T21:31:53"
    assert by_outcome["login_ok"]["year_known"] is False
    assert out["year_known"] is False and any("no year" in n for n in out["notes"])


def test_cli_text_timeline_shows_time_service_client_outcome_and_lines(capsys):
    assert main(["logs", str(BLOCKLISTED)]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("2020-12-01 20:57:50 UTC")
    assert "Haraka SMTP" in first and "from 1.2.3.4" in first and "BLOCKLISTED" in first
    assert "\n    2020-12-01T20:57:50.000Z [NOTICE] [084066B5" in out  # original lines indented


def test_gzip_is_detected_by_its_bytes_not_its_name(tmp_path, capsys):
    packed = tmp_path / "app.log.1"  # rotated, no .gz suffix
    packed.write_bytes(gzip.compress(FASTMAIL.read_bytes()))
    assert main(["logs", str(packed), "--json"]) == 0
    (s,) = json.loads(capsys.readouterr().out)["sessions"]
    assert s["outcome"] == "delivered"


def test_standard_input_gzip_too(monkeypatch, capsys):
    data = gzip.compress(RETRIED.read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    assert main(["logs", "-", "--json"]) == 0
    (s,) = json.loads(capsys.readouterr().out)["sessions"]
    assert s["outcome"] == "deferred"


def test_missing_file_exits_2_with_one_line_naming_it(tmp_path, capsys):
    gone = tmp_path / "nope.log"
    assert main(["logs", str(FASTMAIL), str(gone), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing half-written
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and str(gone) in lines[0]


def test_unreadable_file_exits_2(tmp_path, capsys):
    folder = tmp_path / "adir"
    folder.mkdir()
    assert main(["logs", str(folder)]) == 2
    assert str(folder) in capsys.readouterr().err


def test_nothing_matching_exits_1(capsys):
    assert main(["logs", str(FASTMAIL), "--address", "nobody@sepheo.co"]) == 1
    assert "No sessions matched" in capsys.readouterr().out


def test_syslog_and_journal_prefixes_are_read(tmp_path):
    log = tmp_path / "syslog"
    log.write_text(
        "Dec  1 21:31:53 mail dovecot[812]: imap-login: Login: user=<joe.bloggs@sepheo.co>, "
        "method=PLAIN, rip=1.2.3.4, lip=172.18.0.7, mpid=1, TLS, session=<abc>\n"
        "2020-12-01T21:40:00+0100 mail dovecot[812]: imap-login: Disconnected (auth failed, 1 "
        "attempts in 2 secs): user=<joe.bloggs>, method=PLAIN, rip=1.2.3.4, lip=172.18.0.7, "
        "TLS, session=<def>\n"
        "2020-12-01 21:45:00 imap-login: Info: Disconnected (tried to use disallowed plaintext "
        "auth): user=<>, rip=1.2.3.4, lip=172.18.0.7, session=<ghi>\n"
    )
    by_id = {s.session_id: s for s in sessions(log)}
    assert by_id["abc"].outcome is Outcome.LOGIN_OK and not by_id["abc"].started.year_known
    failed = by_id["def"]
    assert failed.started.iso == "2020-12-01T20:40:00Z"  # +0100 read as UTC
    assert (failed.outcome, failed.reason) == (Outcome.LOGIN_FAILED, Reason.SHORT_USERNAME)
    assert by_id["ghi"].reason is Reason.NO_TLS
    assert by_id["ghi"].started.year_known and not by_id["ghi"].started.zone_known


def test_concatenated_gzip_members_read_as_one_log(tmp_path):
    """`cat app.log.2.gz app.log.1.gz > both.gz` is still one gzip file, as `gzip -d` says."""
    both = tmp_path / "both.gz"
    both.write_bytes(gzip.compress(RETRIED.read_bytes()) + gzip.compress(FASTMAIL.read_bytes()))
    found = sorted(s.outcome.value for s in read_sessions([str(both)], Filters()))
    assert found == ["deferred", "delivered"]


def test_a_cut_off_gzip_file_is_named(tmp_path, capsys):
    cut = tmp_path / "app.log.1.gz"
    cut.write_bytes(gzip.compress(FASTMAIL.read_bytes())[:-30])
    assert main(["logs", str(cut)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(cut) in err[-1]
