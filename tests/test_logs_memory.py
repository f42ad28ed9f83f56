"""The log reader's memory is bounded whatever the log holds (issue 28, finding 7).

The crafted log of the finding: 600 logins, each followed by a 1 MB line, none of them ever
closed — a few hundred KB of gzip that grew the previous reader past 600 MB. Measured in a
process of its own (``tests/support/measure.py``: its own ``ru_maxrss``), as IT would run it.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from tests.support.measure import run_measured
from wizard.logs import Filters, read_sessions
from wizard.logs.dovecot import DovecotTracker
from wizard.logs.lineformat import DovecotLine, parse_line
from wizard.logs.model import MAX_LINE_CHARS

REPO = Path(__file__).resolve().parent.parent
LIMIT_MB = 200


def _login(i: int) -> bytes:
    return (
        f"2024-05-02 10:{i // 60 % 60:02d}:{i % 60:02d} imap-login: Info: Login: "
        f"user=<u{i}@example.org>, method=PLAIN, rip=192.0.2.{i % 250}, lip=192.0.2.1, "
        f"mpid={1000 + i}, TLS, session=<S{i:06d}abcdefgh>\n"
    ).encode()


def _mail_line(i: int, filler: int) -> bytes:
    head = f"2024-05-02 10:{i // 60 % 60:02d}:{i % 60:02d} imap(u{i}@example.org)<{1000 + i}>"
    return f"{head}<S{i:06d}abcdefgh>: Info: ".encode() + b"x" * filler + b"\n"


def _read_measured(log: Path) -> tuple[float, dict]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    m = run_measured(
        [sys.executable, "-m", "wizard", "logs", str(log), "--json"],
        limit_s=120,
        rss_cap_mb=1024,
        env=env,
    )
    assert m.returncode == 0 and not m.stopped, (m.stopped, m.stderr[-2000:])
    return m.peak_mb, json.loads(m.stdout)


def test_600_never_closed_logins_with_1_mb_lines_stay_under_200_mb(tmp_path):
    log = tmp_path / "crafted.log.gz"
    with gzip.open(log, "wb", compresslevel=6) as f:
        for i in range(600):
            f.write(_login(i) + _mail_line(i, 1 << 20))

    peak, out = _read_measured(log)

    assert peak <= LIMIT_MB, f"peak {peak:.0f} MB"
    sessions = out["sessions"]
    assert len(sessions) == 600 and {s["outcome"] for s in sessions} == {"login_ok"}
    kept = sessions[0]["lines"][1]
    assert len(kept) < MAX_LINE_CHARS + 100
    assert kept.endswith("more bytes of this line not read]")


def test_sessions_past_the_memory_budget_are_reported_early_and_the_output_says_so(tmp_path):
    # 30 sessions of 400 lines of 17 KB: 200 MB of kept text without a budget.
    log = tmp_path / "long-sessions.log.gz"
    with gzip.open(log, "wb", compresslevel=6) as f:
        for i in range(30):
            f.write(_login(i) + b"".join(_mail_line(i, 17 << 10) for _ in range(400)))

    peak, out = _read_measured(log)

    assert peak <= LIMIT_MB, f"peak {peak:.0f} MB"
    assert len(out["sessions"]) == 30
    assert any("reported early to keep memory bounded" in n for n in out["notes"])


def _lines(*texts: str) -> list[tuple[DovecotLine, str]]:
    out = []
    for text in texts:
        parsed = parse_line(text)
        assert isinstance(parsed, DovecotLine)
        out.append((parsed, text))
    return out


def test_the_budget_lets_the_oldest_session_go_never_the_one_being_read():
    tracker = DovecotTracker(budget_chars=1000)
    filler = "y" * 400
    for parsed, raw in _lines(
        "2024-05-02 10:00:00 imap-login: Info: Login: user=<a@example.org>, session=<AAAA1>",
        f"2024-05-02 10:00:01 imap(a@example.org)<1><AAAA1>: Info: {filler}",
        "2024-05-02 10:00:02 imap-login: Info: Login: user=<b@example.org>, session=<BBBB2>",
        f"2024-05-02 10:00:03 imap(b@example.org)<2><BBBB2>: Info: {filler}",
        f"2024-05-02 10:00:04 imap(b@example.org)<2><BBBB2>: Info: {filler}",
    ):
        tracker.feed(parsed, raw)
    early = tracker.drain()
    assert [s.user for s in early] == ["a@example.org"] and tracker.evicted == 1
    [last] = tracker.flush()
    assert last.user == "b@example.org" and len(last.lines) == 3


def test_a_line_longer_than_the_cap_is_cut_and_says_so(tmp_path):
    log = tmp_path / "one.log"
    long_line = _mail_line(1, 3 * MAX_LINE_CHARS)
    log.write_bytes(_login(1) + long_line)
    [s] = read_sessions([str(log)], Filters())
    assert s.user == "u1@example.org"
    cut = len(long_line) - 1 - MAX_LINE_CHARS
    assert s.lines[1] == long_line[:MAX_LINE_CHARS].decode() + (
        f" … [{cut} more bytes of this line not read]"
    )


def test_a_haraka_connection_that_repeats_failures_and_messages_for_ever_stays_bounded(tmp_path):
    # One connection, never closed: 20 000 failed delivery attempts with 12 KB reasons and
    # 5 000 messages — 250 MB of text that is neither kept lines nor a new session.
    uuid = "0A1B2C3D-0000-4000-8000-00000000BEEF"
    stamp = "2024-05-02T10:00:00.000Z"
    reason = "x" * (12 << 10)
    log = tmp_path / "repeating.log.gz"
    with gzip.open(log, "wb", compresslevel=6) as f:
        connect = f"{stamp} [NOTICE] [{uuid}] [core] connect ip=192.0.2.9 port=5 local_port=587"
        f.write(connect.encode() + b"\n")
        for k in range(20_000):
            f.write(
                f"{stamp} [INFO] [{uuid}.1.1] [outbound] Temp failing {uuid}.1.1 for 60 "
                f"seconds: {k} {reason}\n".encode()
            )
        for k in range(5_000):
            f.write(
                f"{stamp} [INFO] [{uuid}.{k + 2}] [core] recipient <r{k}@example.org> "
                f"code=CONT\n".encode()
            )

    peak, out = _read_measured(log)

    assert peak <= LIMIT_MB, f"peak {peak:.0f} MB"
    [session] = out["sessions"]
    assert session["outcome"] == "deferred"
    assert session["lines_dropped"] == 20_000 + 5_000 + 1 - 400
