"""Holds a Thunderbird profile lock the way Gecko's nsProfileLock does, for the tests.

An fcntl write lock on ``.parentlock``, taken by a separate process: fcntl locks belong to a
process, so a lock taken by the test itself would not look "held by someone else".
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_HOLD_LOCK = textwrap.dedent(
    """
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("locked", flush=True)
    sys.stdin.read()
    """
)


@contextmanager
def parentlock_held_by_another_process(profile: Path) -> Iterator[int]:
    """Yields the holder's pid while it holds the lock; releases it on exit."""
    if sys.platform.startswith("win"):
        pytest.skip("fcntl locks are POSIX")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(profile / ".parentlock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(10)
