"""One place that knows where bundled files live, from source and from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding the provider file, icons and styles.

    PyInstaller unpacks data under ``sys._MEIPASS``; from source it is the repository's
    ``resources/`` folder next to the package.
    """
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    return resources_dir() / name


def override_provider_candidates() -> list[Path]:
    """Provider files IT may place beside the app to rebrand it without a rebuild.

    Looked at before the built-in one: next to the executable (Windows, Linux onedir) and in
    the .app's ``Contents/Resources`` (macOS).
    """
    if not getattr(sys, "frozen", False):
        return []
    exe_dir = Path(sys.executable).resolve().parent
    candidates = [exe_dir / "provider.xml"]
    if exe_dir.name == "MacOS" and exe_dir.parent.name == "Contents":
        candidates.append(exe_dir.parent / "Resources" / "provider.xml")
        # Beside the .app bundle itself, for IT who ship a folder with both.
        candidates.append(exe_dir.parent.parent.parent / "provider.xml")
    return candidates
