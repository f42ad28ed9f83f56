"""Changing a file inside a Thunderbird profile safely: held lock, no links, backup, atomic swap.

Shared by the prefs.js writer and the saved-password (logins.json) edit, so both keep the same
promises:

* The profile lock is *taken and held* for the whole read-change-write, the way Gecko's own
  ``nsProfileLock`` takes it, so Thunderbird cannot start on the profile between our check and
  the swap (testing the lock and then writing left that window open).
* A file is never written through a symbolic link we did not create: a ``prefs.js`` that is a
  link (dangling or not) is refused, so nothing is ever created or replaced outside the profile.
  Backups and temporary files are created with ``O_EXCL`` in the profile folder itself.
* The original is copied aside first, the new content is written to a temporary file, synced,
  and swapped in with one ``os.replace``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from wizard.clients.thunderbird.lock import LockState, check_profile_lock
from wizard.safe_files import fsync_dir

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class ProfileBusy(Exception):
    """Thunderbird (or another copy of the wizard) holds the profile."""

    def __init__(self, state: LockState) -> None:
        super().__init__(state.detail)
        self.state = state


class LinkRefused(OSError):
    """The file is a symbolic link; the app only writes files it can see are plain files."""


@contextlib.contextmanager
def held_profile_lock(profile: Path, *, platform: str | None = None) -> Iterator[LockState]:
    """Take the profile lock as Gecko does and hold it until the block ends.

    Linux: the ``lock`` symlink naming this process (Gecko refuses to start while it points to
    a live process) plus an fcntl write lock on ``.parentlock``. macOS: the fcntl lock.
    Windows: ``parent.lock`` held open; Gecko opens it without sharing, which fails while any
    other handle is open. Files this function created are removed again on release.
    """
    plat = sys.platform if platform is None else platform
    state = check_profile_lock(profile, platform=plat)
    if state.running:
        raise ProfileBusy(state)
    with contextlib.ExitStack() as stack:
        if plat.startswith("win"):
            stack.enter_context(_windows_handle(profile / "parent.lock"))
        else:
            stack.enter_context(_fcntl_write_lock(profile / ".parentlock"))
            if plat != "darwin":
                stack.enter_context(_lock_symlink(profile / "lock"))
        yield LockState(False, "held by this process", os.getpid())


@contextlib.contextmanager
def _fcntl_write_lock(lock_file: Path) -> Iterator[None]:
    import fcntl

    created = not lock_file.exists()
    try:
        fd = os.open(lock_file, os.O_WRONLY | os.O_CREAT | _NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ProfileBusy(LockState(True, ".parentlock is a symbolic link")) from None
        raise
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                raise ProfileBusy(
                    LockState(True, "another process holds the fcntl lock on .parentlock")
                ) from None
            raise
        try:
            yield
        finally:
            if created:
                with contextlib.suppress(OSError):
                    lock_file.unlink()
            fcntl.lockf(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _lock_symlink(link: Path) -> Iterator[None]:
    target = f"127.0.0.1:+{os.getpid()}"
    try:
        os.symlink(target, link)
    except FileExistsError:
        # check_profile_lock found it stale (its process is gone): replace it like Gecko does.
        link.unlink()
        try:
            os.symlink(target, link)
        except FileExistsError:
            raise ProfileBusy(LockState(True, "the lock symlink was taken meanwhile")) from None
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.readlink(link) == target:
                link.unlink()


@contextlib.contextmanager
def _windows_handle(lock_file: Path) -> Iterator[None]:  # pragma: no cover - Windows only
    created = not lock_file.exists()
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | _BINARY, 0o644)
    except PermissionError:
        raise ProfileBusy(LockState(True, "parent.lock is held open by another process")) from None
    try:
        yield
    finally:
        os.close(fd)
        if created:  # Gecko deletes it on close too (FILE_FLAG_DELETE_ON_CLOSE)
            with contextlib.suppress(OSError):
                lock_file.unlink()


def read_plain_file(path: Path, limit: int) -> bytes | None:
    """The file's bytes (None when missing), refusing links, devices, FIFOs and huge files."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    except FileNotFoundError:
        if path.is_symlink():
            raise LinkRefused(errno.ELOOP, f"{path.name} is a link to a missing file") from None
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LinkRefused(errno.ELOOP, f"{path.name} is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"{path.name} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"{path.name} is larger than {limit // 1_000_000} MB")
    return data


def backup(path: Path, original: bytes, now: datetime | None) -> Path:
    """``<name>.wizard-YYYYMMDD-HHMMSS`` next to the original, never overwriting anything.

    The name does not end in ``.js``/``.json`` on purpose: nothing should mistake it for the
    real file. ``O_EXCL`` also means a planted link at that name is never followed.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        candidate = path.with_name(f"{path.name}.wizard-{stamp}{suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
        except FileExistsError:
            continue
        try:
            _write_all(fd, original)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            candidate.unlink(missing_ok=True)
            raise
        os.close(fd)
        return candidate
    raise FileExistsError(errno.EEXIST, "too many backups with the same time stamp")


def replace_atomically(target: Path, data: bytes, *, default_mode: int = 0o644) -> None:
    """Write ``data`` beside ``target`` and swap it in; ``target`` must not be a link."""
    if target.is_symlink():
        raise LinkRefused(errno.ELOOP, f"{target.name} is a symbolic link")
    try:
        mode = stat.S_IMODE(target.lstat().st_mode)
    except FileNotFoundError:
        mode = default_mode
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def looks_writable(path: Path) -> bool:
    """Write permission as the owner meant it.

    ``os.access`` says yes to root for anything; the permission bits record whether someone
    deliberately made the profile read-only, and we honour that even when running as root.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
