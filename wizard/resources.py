"""One place that knows where bundled files live, from source and from a PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path, PureWindowsPath

from wizard.trust import PlaceKind, ProviderPlace


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
# Machine-wide on Linux, for IT's package or configuration management (root only).
LINUX_SYSTEM_CONFIG = Path("/etc/mail-setup-wizard")
# The environment variables naming Windows' Program Files folders (per-machine installs, which
# only an administrator can write); a per-user install lives under %LOCALAPPDATA%\Programs.
_PROGRAM_FILES_VARS = ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")


def _windows_program_files() -> list[str]:
    return [os.environ[v] for v in _PROGRAM_FILES_VARS if os.environ.get(v)]


def _is_inside_windows(folder: str, parents: Sequence[str]) -> bool:
    """Whether ``folder`` lies in one of ``parents``, compared as Windows compares paths."""
    here = PureWindowsPath(folder)
    for parent in parents:
        root = PureWindowsPath(parent)
        if str(root).strip() and (here == root or root in here.parents):
            return True
    return False


def override_provider_places(
    *,
    executable: str | None = None,
    platform: str | None = None,
    frozen: bool | None = None,
    home: Path | None = None,
    program_files: Sequence[str] | None = None,
) -> list[ProviderPlace]:
    """Where IT may place a provider file to rebrand a finished build, in the order looked at.

    Places only an administrator can write come first and are IT's word (``PlaceKind.ADMIN``):
    ``/etc/mail-setup-wizard/`` on Linux, ``/Library/Application Support/MailSetupWizard/`` on
    macOS (it wins over the per-user folder, which anything the person runs can write), and the
    folder of a per-machine install under Program Files on Windows. Beside a per-user or
    unpacked executable, and the per-user folder on macOS, are ``PlaceKind.USER``: a file there
    is trusted only while its servers stay inside the address's domain (wizard.trust).

    macOS: never in or beside the ``.app``: a file inside the bundle breaks its signature, and
    beside it does not survive App Translocation, which runs a downloaded app from a random
    read-only path. Only for a frozen build: from source the ``--provider`` option does this.
    The keyword arguments exist so tests can walk every place of every OS on Linux.
    """
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    if not frozen:
        return []
    platform = platform or sys.platform
    if platform == "darwin":
        home = Path.home() if home is None else home
        return [
            ProviderPlace(PlaceKind.ADMIN, MACOS_SYSTEM_SUPPORT / APP_DIR_NAME / PROVIDER_FILE),
            ProviderPlace(
                PlaceKind.USER,
                home / "Library" / "Application Support" / APP_DIR_NAME / PROVIDER_FILE,
            ),
        ]
    if platform == "win32":
        exe = executable or sys.executable
        if sys.platform == "win32":
            exe = str(Path(exe).resolve())
        folder = str(PureWindowsPath(exe).parent)
        parents = _windows_program_files() if program_files is None else program_files
        kind = PlaceKind.ADMIN if _is_inside_windows(folder, parents) else PlaceKind.USER
        return [ProviderPlace(kind, Path(str(PureWindowsPath(folder) / PROVIDER_FILE)))]
    exe_dir = Path(executable or sys.executable).resolve().parent
    return [
        ProviderPlace(PlaceKind.ADMIN, LINUX_SYSTEM_CONFIG / PROVIDER_FILE),
        ProviderPlace(PlaceKind.USER, exe_dir / PROVIDER_FILE),
    ]


def override_provider_candidates(
    *,
    executable: str | None = None,
    platform: str | None = None,
    frozen: bool | None = None,
    home: Path | None = None,
    program_files: Sequence[str] | None = None,
) -> list[Path]:
    """The paths of :func:`override_provider_places`, in the same order."""
    places = override_provider_places(
        executable=executable,
        platform=platform,
        frozen=frozen,
        home=home,
        program_files=program_files,
    )
    return [p.path for p in places if p.path is not None]
