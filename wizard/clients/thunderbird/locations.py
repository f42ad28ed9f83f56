"""Where Thunderbird keeps ``profiles.ini``, per platform and packaging.

Everything is computed from an injectable home folder, ``%APPDATA%`` and environment so tests
(and IT looking at another user's files) never depend on the real account running them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Base:
    """One folder that may hold ``profiles.ini``, with a name a person recognises."""

    path: Path
    label: str


def thunderbird_bases(
    *,
    home: Path | None = None,
    appdata: Path | None = None,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Base, ...]:
    """Candidate folders, most common first; callers check which exist.

    Linux has several because each packaging keeps its own: the distribution package
    (``~/.thunderbird``), the Snap and the Flatpak sandboxes, and newer Gecko builds that use
    the XDG config folder for new installations when ``~/.thunderbird`` does not exist.
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    user_home = home if home is not None else Path(env.get("HOME") or Path.home())
    if plat.startswith("win"):
        if appdata is None:
            appdata = Path(env["APPDATA"]) if env.get("APPDATA") else None
        roaming = appdata if appdata is not None else user_home / "AppData" / "Roaming"
        return (Base(roaming / "Thunderbird", "Thunderbird"),)
    if plat == "darwin":
        return (Base(user_home / "Library" / "Thunderbird", "Thunderbird"),)
    xdg = env.get("XDG_CONFIG_HOME", "")
    # A relative XDG_CONFIG_HOME is invalid per the spec; Gecko ignores it, and so do we.
    config_home = Path(xdg) if xdg and Path(xdg).is_absolute() else user_home / ".config"
    return (
        Base(user_home / ".thunderbird", "Thunderbird"),
        Base(user_home / "snap" / "thunderbird" / "common" / ".thunderbird", "Thunderbird (Snap)"),
        Base(
            user_home / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird",
            "Thunderbird (Flatpak)",
        ),
        Base(config_home / "thunderbird", "Thunderbird"),
    )
