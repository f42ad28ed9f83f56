"""Reading what a real server wrote to its log during a test, to hold the report's hints to it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime


def backticked(text: str) -> list[str]:
    """Every `fragment` of a hint, in order."""
    return re.findall(r"`([^`]+)`", text)


def wait_for_line(
    read_log: Callable[[], str],
    fragments: Sequence[str],
    *,
    after: int = 0,
    timeout: float = 5.0,
) -> str | None:
    """The first line written after offset ``after`` that has every fragment, or None.

    Servers log a login's end when the connection closes, a moment after the check returns.
    """
    deadline = time.monotonic() + timeout
    while True:
        for line in read_log()[after:].splitlines():
            if all(f in line for f in fragments):
                return line
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def wait_until_logged(
    read_log: Callable[[], str], done: Callable[[str], bool], timeout: float = 10.0
) -> None:
    """Wait until ``done(log)`` holds: servers write a line when the connection ends, a moment
    after the client has its answer. Fails with the log's tail when it never does."""
    deadline = time.monotonic() + timeout
    while not done(read_log()):
        assert time.monotonic() < deadline, read_log()[-3000:]
        time.sleep(0.05)


def dovecot_stamp(line: str) -> datetime:
    """Dovecot's log_path stamp ("Dec 01 08:33:58", local time, no year) as UTC."""
    now = datetime.now()
    local = datetime.strptime(f"{now.year} {line[:15]}", "%Y %b %d %H:%M:%S")
    return local.astimezone(UTC)


def within_window(hint: str, stamp: datetime) -> bool:
    """Whether a log line's second falls in the hint's "at T UTC" / "between A and B UTC"."""
    m = re.search(
        r"(?:at (\d\d:\d\d:\d\d)|between (\d\d:\d\d:\d\d) and (\d\d:\d\d:\d\d)) UTC", hint
    )
    assert m, f"no UTC time in the hint: {hint}"
    start = m.group(1) or m.group(2)
    end = m.group(1) or m.group(3)
    second = stamp.astimezone(UTC).strftime("%H:%M:%S")
    return start <= second <= end
