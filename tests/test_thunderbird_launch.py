"""Open Thunderbird: the right command for each packaging, and a start that does not wait."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from wizard.clients.thunderbird.launch import launch_command, open_thunderbird


def which_from(found: dict[str, str]):
    return lambda name: found.get(name)


def test_linux_starts_the_installed_thunderbird_on_the_written_profile(tmp_path: Path) -> None:
    profile = tmp_path / ".thunderbird" / "x1.default"
    cmd = launch_command(
        profile, platform="linux", which=which_from({"thunderbird": "/usr/bin/thunderbird"})
    )
    assert cmd == ["/usr/bin/thunderbird", "-profile", str(profile)]
    assert launch_command(profile, platform="linux", which=which_from({})) is None


def test_snap_and_flatpak_profiles_are_opened_through_their_launchers(tmp_path: Path) -> None:
    which = which_from({"snap": "/usr/bin/snap", "flatpak": "/usr/bin/flatpak"})
    snap = tmp_path / "snap" / "thunderbird" / "common" / ".thunderbird" / "a.default"
    assert launch_command(snap, platform="linux", which=which)[:3] == [
        "/usr/bin/snap",
        "run",
        "thunderbird",
    ]
    flat = tmp_path / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird" / "a.default"
    cmd = launch_command(flat, platform="linux", which=which)
    assert cmd == ["/usr/bin/flatpak", "run", "org.mozilla.Thunderbird", "-profile", str(flat)]


def test_windows_finds_thunderbird_under_program_files_and_macos_asks_launch_services(
    tmp_path: Path,
) -> None:
    exe = r"C:\Program Files\Mozilla Thunderbird\thunderbird.exe"
    profile = tmp_path / "Profiles" / "a.default"
    cmd = launch_command(
        profile,
        platform="win32",
        environ={"ProgramFiles": r"C:\Program Files"},
        which=which_from({}),
        exists=lambda p: str(p) == exe,
    )
    assert cmd == [exe, "-profile", str(profile)]
    mac = launch_command(profile, platform="darwin", which=which_from({}))
    assert mac[:4] == ["open", "-n", "-a", "Thunderbird"] and mac[-2:] == ["-profile", str(profile)]


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX script stands in for Thunderbird")
def test_open_returns_at_once_and_the_program_gets_the_profile(tmp_path: Path) -> None:
    seen = tmp_path / "argv.txt"
    program = tmp_path / "thunderbird"
    program.write_text(f'#!/bin/sh\nsleep 0.3\nprintf "%s\\n" "$@" > "{seen}"\n')
    program.chmod(0o755)
    profile = tmp_path / "profile"
    t0 = time.monotonic()
    result = open_thunderbird(profile, command=[str(program), "-profile", str(profile)])
    assert result.ok and time.monotonic() - t0 < 0.25  # did not wait for the program
    for _ in range(100):
        if seen.exists() and seen.read_text():
            break
        time.sleep(0.05)
    assert seen.read_text().split("\n")[:2] == ["-profile", str(profile)]


def test_a_missing_program_is_said_plainly(tmp_path: Path) -> None:
    result = open_thunderbird(tmp_path, command=[str(tmp_path / "no-such-thunderbird")])
    assert not result.ok and "Start it from your menu" in result.message
    assert open_thunderbird(tmp_path, command=[]).ok is False


def test_windows_never_runs_a_thunderbird_exe_from_the_current_or_a_relative_folder(
    tmp_path: Path,
) -> None:
    """Only absolute folders are searched; shutil.which would try the current folder first."""
    looked_at: list[str] = []

    def exists(path: Path) -> bool:
        looked_at.append(str(path))
        return True  # a planted thunderbird.exe everywhere

    asked: list[str] = []
    cmd = launch_command(
        tmp_path,
        platform="win32",
        environ={"ProgramFiles": "Programs", "PATH": r".;bin;\\no-drive;D:\Tools"},
        which=lambda name: asked.append(name) or name,  # type: ignore[func-returns-value]
        exists=exists,
    )
    assert cmd is not None and cmd[0] == r"D:\Tools\thunderbird.exe"
    assert looked_at == [r"D:\Tools\thunderbird.exe"] and asked == []
