"""Starting Thunderbird on the profile the account was just written to ("Open Thunderbird").

The profile is named on the command line (``-profile DIR``, which every Thunderbird build
accepts), so a person with several profiles lands in the one that has the new account rather
than in whichever Thunderbird would pick. The program is found the way each packaging installs
it; the Snap and Flatpak builds are started through their own launchers because their profile
folders live inside the sandbox. No Qt here: the page only shows the outcome.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

FLATPAK_ID = "org.mozilla.Thunderbird"

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class LaunchResult:
    ok: bool
    message: str  # for the person
    command: tuple[str, ...] = ()  # for the report


def launch_command(
    profile: Path,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    which: Which = shutil.which,
    exists: Callable[[Path], bool] = Path.is_file,
) -> list[str] | None:
    """The command that starts Thunderbird on ``profile``; None when no Thunderbird is found."""
    plat = sys.platform if platform is None else platform
    env = os.environ if environ is None else environ
    parts = profile.parts
    if plat.startswith("win"):
        exe = windows_thunderbird(env, exists)
        return [exe, "-profile", str(profile)] if exe else None
    if plat == "darwin":
        # LaunchServices finds the app wherever it was dragged; --args passes the profile on.
        return ["open", "-n", "-a", "Thunderbird", "--args", "-profile", str(profile)]
    if "snap" in parts and "thunderbird" in parts:
        snap = which("snap")
        return [snap, "run", "thunderbird", "-profile", str(profile)] if snap else None
    if FLATPAK_ID in parts:
        flatpak = which("flatpak")
        return [flatpak, "run", FLATPAK_ID, "-profile", str(profile)] if flatpak else None
    found = which("thunderbird")
    return [found, "-profile", str(profile)] if found else None


def windows_thunderbird(env: Mapping[str, str], exists: Callable[[Path], bool]) -> str | None:
    """thunderbird.exe by absolute path only: the install folders, then absolute PATH entries.

    Not ``shutil.which``: on Windows it looks in the current folder first, so a planted
    ``thunderbird.exe`` in whatever folder the wizard was started from would run instead.
    """
    roots = [env.get(k, "") for k in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA")]
    candidates = [
        PureWindowsPath(root, sub, "thunderbird.exe")
        for root in roots
        if root and _absolute_windows(root)
        for sub in ("Mozilla Thunderbird", "Programs\\Mozilla Thunderbird")
    ]
    candidates += [
        PureWindowsPath(entry.strip(), "thunderbird.exe")
        for entry in env.get("PATH", "").split(";")
        if entry.strip() and _absolute_windows(entry.strip())
    ]
    return next((str(exe) for exe in candidates if exists(Path(str(exe)))), None)


def _absolute_windows(path: str) -> bool:
    """``C:\\…`` or ``\\\\server\\…``; never ``.``, ``bin`` or ``\\no-drive``."""
    return PureWindowsPath(path).is_absolute()


def open_thunderbird(
    profile: Path,
    *,
    command: Sequence[str] | None = None,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> LaunchResult:
    """Start Thunderbird on ``profile`` and return at once (it runs on after the wizard).

    A new session and no inherited standard streams: Thunderbird must not die with the
    wizard's window nor write into its terminal.
    """
    cmd = (
        list(command)
        if command is not None
        else launch_command(profile, platform=platform, environ=environ)
    )
    if not cmd:
        return LaunchResult(False, "Thunderbird could not be found. Start it from your menu.")
    try:
        subprocess.Popen(  # noqa: S603 - a fixed program and the profile path, no shell
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        return LaunchResult(
            False,
            "Thunderbird could not be started. Start it from your menu.",
            (*cmd, f"# {exc.strerror or exc}"),
        )
    return LaunchResult(True, "Thunderbird is starting.", tuple(cmd))
