"""Detecting a running Thunderbird by its profile lock, never by a file merely existing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.profile_lock import parentlock_held_by_another_process
from wizard.clients.thunderbird import check_profile_lock

posix_only = pytest.mark.skipif(sys.platform.startswith("win"), reason="fcntl and symlinks")


@contextmanager
def live_process() -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        yield proc.pid
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(10)
    return proc.pid


@posix_only
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_an_fcntl_lock_on_parentlock_held_elsewhere_means_running(
    tmp_path: Path, platform: str
) -> None:
    with parentlock_held_by_another_process(tmp_path):
        state = check_profile_lock(tmp_path, platform=platform)
    assert state.running
    assert "fcntl" in state.detail


@posix_only
def test_a_leftover_parentlock_file_alone_means_not_running(tmp_path: Path) -> None:
    (tmp_path / ".parentlock").touch()  # stays behind after every clean exit
    state = check_profile_lock(tmp_path, platform="linux")
    assert not state.running


@posix_only
def test_the_lock_is_free_again_once_the_holder_exits(tmp_path: Path) -> None:
    with parentlock_held_by_another_process(tmp_path):
        assert check_profile_lock(tmp_path, platform="linux").running
    assert not check_profile_lock(tmp_path, platform="linux").running


@posix_only
@pytest.mark.parametrize("form", ["127.0.0.1:+{pid}", "192.168.1.20:{pid}"])
def test_a_lock_symlink_to_a_live_process_means_running(tmp_path: Path, form: str) -> None:
    with live_process() as pid:
        (tmp_path / "lock").symlink_to(form.format(pid=pid))
        state = check_profile_lock(tmp_path, platform="linux")
    assert state.running
    assert state.pid == pid


@posix_only
def test_a_stale_lock_symlink_after_a_crash_means_not_running(tmp_path: Path) -> None:
    pid = dead_pid()
    (tmp_path / "lock").symlink_to(f"127.0.0.1:+{pid}")
    (tmp_path / ".parentlock").touch()
    state = check_profile_lock(tmp_path, platform="linux")
    assert not state.running


@posix_only
def test_macos_relies_on_the_fcntl_lock_only(tmp_path: Path) -> None:
    with live_process() as pid:
        (tmp_path / "lock").symlink_to(f"127.0.0.1:+{pid}")
        assert not check_profile_lock(tmp_path, platform="darwin").running


@posix_only
def test_checking_the_lock_creates_and_removes_nothing(tmp_path: Path) -> None:
    pid = dead_pid()
    (tmp_path / "lock").symlink_to(f"127.0.0.1:+{pid}")
    before = sorted(os.listdir(tmp_path))
    check_profile_lock(tmp_path, platform="linux")
    assert sorted(os.listdir(tmp_path)) == before


def test_windows_parent_lock_absent_means_not_running(tmp_path: Path) -> None:
    assert not check_profile_lock(tmp_path, platform="win32").running


def test_windows_parent_lock_that_opens_means_not_running(tmp_path: Path) -> None:
    (tmp_path / "parent.lock").touch()
    assert not check_profile_lock(tmp_path, platform="win32").running


def test_windows_parent_lock_held_exclusively_means_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: Linux cannot refuse an open for sharing reasons; Windows reports that as
    a sharing violation, which Python raises as PermissionError."""
    (tmp_path / "parent.lock").touch()
    real_open = os.open

    def sharing_violation(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("parent.lock"):
            raise PermissionError(13, "The process cannot access the file")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", sharing_violation)
    assert check_profile_lock(tmp_path, platform="win32").running
