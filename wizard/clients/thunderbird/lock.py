"""Is Thunderbird using this profile right now? Asked of the profile lock itself.

A lock *file* proves nothing: ``.parentlock`` stays behind after every clean exit, and a crash
leaves the ``lock`` symlink. So, like Gecko's own ``nsProfileLock``:

* Linux: the ``lock`` symlink points to ``"IP:+PID"`` (older builds ``"IP:PID"``); it counts only
  if that process is alive. Gecko also holds an fcntl (POSIX record) write lock on
  ``.parentlock`` for as long as it runs; we test it by trying a non-blocking *shared* lock,
  which conflicts with Gecko's write lock and needs only read access to the file.
* macOS: the fcntl lock on ``.parentlock`` (no symlink there).
* Windows: ``parent.lock`` is held open without sharing; opening it fails while Thunderbird
  runs (and the file is deleted when it exits).

fcntl locks belong to a process, so this must be asked from a process other than the one holding
the lock; the tests hold it from a subprocess for that reason.
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LockState:
    running: bool
    detail: str  # which evidence decided, for logs and IT
    pid: int | None = None


def check_profile_lock(profile: Path, *, platform: str | None = None) -> LockState:
    """Whether a running Thunderbird holds ``profile``; never creates or removes lock files."""
    plat = sys.platform if platform is None else platform
    if plat.startswith("win"):
        return _windows_lock(profile / "parent.lock")
    if plat != "darwin":
        state = _symlink_lock(profile / "lock")
        if state.running:
            return state
    fcntl_state = _fcntl_lock(profile / ".parentlock")
    if fcntl_state.running or plat == "darwin":
        return fcntl_state
    return LockState(False, "no live lock symlink and no fcntl lock on .parentlock")


def _symlink_lock(link: Path) -> LockState:
    try:
        target = os.readlink(link)
    except OSError:
        return LockState(False, "no lock symlink")
    _, _, pid_text = target.rpartition(":")
    try:
        pid = int(pid_text.lstrip("+"))
    except ValueError:
        return LockState(False, f"lock symlink with an unreadable target {target!r}")
    if pid <= 0:
        return LockState(False, f"lock symlink with an invalid process id {pid}")
    if _process_alive(pid):
        # A reused process id can make a stale lock look live; erring towards "running" only
        # costs the person a needless "close Thunderbird", never a clobbered prefs.js.
        return LockState(True, f"lock symlink points to running process {pid}", pid)
    return LockState(False, f"stale lock symlink (process {pid} is gone)", pid)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _fcntl_lock(lock_file: Path) -> LockState:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return LockState(False, "fcntl is not available here")
    try:
        fd = os.open(lock_file, os.O_RDONLY)
    except FileNotFoundError:
        return LockState(False, "no .parentlock")
    except OSError as exc:
        return LockState(False, f".parentlock cannot be opened ({exc.strerror})")
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return LockState(True, "another process holds the fcntl lock on .parentlock")
            # ENOLCK and friends (e.g. some network file systems): no verdict from this test.
            return LockState(False, f"fcntl lock test failed ({exc.strerror})")
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return LockState(False, "nobody holds the fcntl lock on .parentlock")
    finally:
        os.close(fd)


def _windows_lock(lock_file: Path) -> LockState:
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except FileNotFoundError:
        return LockState(False, "no parent.lock")
    except PermissionError:  # sharing violation: Thunderbird has it open exclusively
        return LockState(True, "parent.lock is held open by another process")
    except OSError as exc:
        return LockState(False, f"parent.lock cannot be opened ({exc.strerror})")
    os.close(fd)
    return LockState(False, "parent.lock is not in use")
