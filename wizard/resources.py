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


# The per-user folder name the app keeps its files under (platformdirs, no author folder):
# %LOCALAPPDATA%\MailSetupWizard, ~/Library/Application Support/MailSetupWizard,
# ~/.config/MailSetupWizard. The same name as wizard.account.store's, which it must stay.
APP_DIR_NAME = "MailSetupWizard"
PROVIDER_FILE = "provider.xml"
# Machine-wide on macOS, for IT that deploys with MDM or a .pkg (needs admin to write there).
MACOS_SYSTEM_SUPPORT = Path("/Library/Application Support")


def override_provider_candidates(
    *,
    executable: str | None = None,
    platform: str | None = None,
    frozen: bool | None = None,
    home: Path | None = None,
) -> list[Path]:
    """Provider files IT may place to rebrand a finished build, looked at before the built-in.

    Windows and Linux: beside the executable (the installer or the unpacked folder puts it
    there). macOS: never in or beside the ``.app``: a file inside the bundle breaks its
    signature, and beside it does not survive App Translocation, which runs a downloaded app
    from a random read-only path, so the folder the user saw is not the one the app sees.
    Instead the app's Application Support folder, per user first, then machine-wide. Only for
    a frozen build: from source the ``--provider`` option does this. The keyword arguments
    exist for tests.
    """
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    if not frozen:
        return []
    platform = platform or sys.platform
    if platform == "darwin":
        home = Path.home() if home is None else home
        return [
            home / "Library" / "Application Support" / APP_DIR_NAME / PROVIDER_FILE,
            MACOS_SYSTEM_SUPPORT / APP_DIR_NAME / PROVIDER_FILE,
        ]
    exe_dir = Path(executable or sys.executable).resolve().parent
    return [exe_dir / PROVIDER_FILE]
