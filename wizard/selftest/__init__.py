"""``--selftest``: prove that this build (or checkout) has everything it needs, offline.

One line per check on standard output, ``ok`` or ``FAIL``, then a summary; exit status 0 when
every check passed, 1 otherwise, 2 for bad arguments. Meant for the packaged app: a missing
module, plugin, resource or trust store shows up here rather than on a user's desk.

Nothing leaves the machine. The TLS check takes a test CA and server certificate (shipped in
the bundle, made with trustme from source) and does a real handshake with itself over a local
socket pair; the keyring check only asks which backend would be used (on Linux that may talk
to the session bus, never to the network). On Windows and macOS that backend must be the OS's
own secure store; on Linux a desktop without a Secret Service is reported, not failed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import wizard
from wizard import APP_NAME, __version__
from wizard.selftest.model import Outcome, SelftestError
from wizard.selftest.stores import NATIVE_PASSWORD_STORES, check_keyring, judge_password_store
from wizard.selftest.tls import check_tls, check_trust_store, write_test_chain

__all__ = [
    "NATIVE_PASSWORD_STORES",
    "Outcome",
    "SelftestError",
    "check_keyring",
    "check_tls",
    "check_trust_store",
    "judge_password_store",
    "main",
    "run_check",
    "write_test_chain",
]
# Modules that must be found by the package walk: an empty walk would otherwise "pass".
CORE_MODULES = (
    "wizard.cli",
    "wizard.provider",
    "wizard.resources",
    "wizard.checks.runner",
    "wizard.checks.tls",
    "wizard.ui.app",
)
# Libraries imported lazily or by name somewhere; the bundle must carry all of them.
LIBRARIES = (
    "imapclient",
    "truststore",
    "defusedxml",
    "pyasn1",
    "pyasn1_modules",
    "platformdirs",
    "keyring",
    "jeepney",
)
GUI_MODULE = "wizard.ui.wizard_window"
GUI_ENTRY = "build_all_pages_for_selftest"


# -- checks --------------------------------------------------------------------------------


def check_build() -> str:
    frozen = "frozen (PyInstaller)" if getattr(sys, "frozen", False) else "from source"
    return (
        f"{APP_NAME} {__version__}, Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}, {frozen}"
    )


def check_modules() -> str:
    failures: list[str] = []
    names: list[str] = []

    def on_error(name: str) -> None:
        exc = sys.exc_info()[1]
        failures.append(f"{name} ({type(exc).__name__}: {exc})")

    for info in pkgutil.walk_packages(wizard.__path__, "wizard.", onerror=on_error):
        names.append(info.name)
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # any import error is a finding, not a crash
            failures.append(f"{info.name} ({type(exc).__name__}: {exc})")
    missing = [m for m in CORE_MODULES if m not in names]
    if missing:
        failures.append(f"not found by the package walk: {', '.join(missing)}")
    if failures:
        raise SelftestError("; ".join(failures))
    return f"{len(names)} wizard modules imported"


def _version_of(name: str, module: object) -> str:
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def check_libraries() -> str:
    found: list[str] = []
    for name in LIBRARIES:
        module = importlib.import_module(name)
        found.append(f"{name} {_version_of(name, module)}")
    return ", ".join(found)


def check_provider() -> str:
    from wizard.provider import default_provider_path
    from wizard.provider_source import locate_provider
    from wizard.trust import PlaceKind

    located = locate_provider()
    place, provider = located.place, located.provider
    path = place.path or default_provider_path()
    origin = "built-in" if place.kind is PlaceKind.BUILTIN else "override"
    servers = ", ".join(f"{s.service.value} {s.hostname}:{s.port}" for s in provider.servers)
    trust = {
        PlaceKind.BUILTIN: "",
        PlaceKind.ADMIN: "; IT's place (admin only)",
        PlaceKind.USER: "; user-writable place: trusted only for servers in the address's domain",
    }.get(place.kind, "")
    return f"{origin} {path}: {provider.display_name} ({servers}){trust}"


def check_resources() -> str:
    from wizard.resources import resources_dir

    root = resources_dir()
    if not root.is_dir():
        raise SelftestError(f"{root} is missing")
    icons = (
        sorted(p.name for p in (root / "icons").glob("app*")) if (root / "icons").is_dir() else []
    )
    if not icons:
        raise SelftestError(f"no app icons in {root / 'icons'}")
    return f"{root} ({len(icons)} icon files)"


def _qt_app() -> object:
    # Offscreen unless the caller chose a platform: the self-test needs no display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0]])


def check_qt() -> str:
    import PySide6
    from PySide6.QtCore import QCoreApplication, QLibraryInfo, qVersion
    from PySide6.QtGui import QGuiApplication, QImage, QImageReader

    from wizard.resources import resource_path

    _qt_app()
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = sorted({"png", "svg", "ico"} - formats)
    if missing:
        raise SelftestError(f"image formats missing: {', '.join(missing)}")
    icon = resource_path("icons/app-256.png")
    if QImage(str(icon)).isNull():
        raise SelftestError(f"cannot load {icon}")
    # Where Qt itself looks for plugins (in a bundle: inside it), plus its built-in path.
    search = [*QCoreApplication.libraryPaths()]
    search.append(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    present = {
        p.name.split(".")[0].removeprefix("lib")
        for folder in search
        for p in (Path(folder) / "platforms").glob("*")
    }
    desktop = {"win32": ("qwindows",), "darwin": ("qcocoa",)}.get(
        sys.platform, ("qxcb", "qwayland")
    )
    absent = [name for name in desktop if name not in present]
    if absent:
        raise SelftestError(f"desktop platform plugin missing ({', '.join(absent)}) in {search}")
    return (
        f"Qt {qVersion()} (PySide6 {PySide6.__version__}), platform "
        f"{QGuiApplication.platformName()} loaded, desktop plugins present "
        f"({', '.join(desktop)}), image formats png/svg/ico"
    )


def check_gui_pages() -> str:
    try:
        present = importlib.util.find_spec(GUI_MODULE) is not None
    except ModuleNotFoundError:
        present = False
    if not present:
        return "not available yet"  # the wizard window has not landed in this tree
    from wizard.provider import load_default_provider

    _qt_app()
    module = importlib.import_module(GUI_MODULE)
    build: Callable[[object], list[str]] = getattr(module, GUI_ENTRY)
    titles = build(load_default_provider())
    if not titles:
        raise SelftestError(f"{GUI_MODULE}.{GUI_ENTRY} built no pages")
    return f"{len(titles)} pages built: {', '.join(titles)}"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("build", check_build),
    ("modules", check_modules),
    ("libraries", check_libraries),
    ("provider", check_provider),
    ("resources", check_resources),
    ("tls chain", check_tls),
    ("trust store", check_trust_store),
    ("keyring", check_keyring),
    ("qt", check_qt),
    ("GUI pages", check_gui_pages),
)


def run_check(name: str, check: Callable[[], str]) -> Outcome:
    started = time.perf_counter()
    try:
        detail, ok = check(), True
    except SelftestError as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # every failure becomes one FAIL line, never a traceback
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return Outcome(name, ok, detail, (time.perf_counter() - started) * 1000)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mail-setup-wizard --selftest",
        description="Check offline that this build has every module, resource and plugin.",
    )
    parser.parse_args(list(argv or []))  # no options yet; --help and strays handled here
    started = time.perf_counter()
    outcomes = []
    for name, check in CHECKS:
        outcome = run_check(name, check)
        outcomes.append(outcome)
        print(outcome.line(), flush=True)
    failed = [o.name for o in outcomes if not o.ok]
    total_ms = (time.perf_counter() - started) * 1000
    if failed:
        print(f"selftest: {len(failed)} of {len(outcomes)} checks failed: {', '.join(failed)}")
        return 1
    print(f"selftest: all {len(outcomes)} checks passed ({total_ms:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
