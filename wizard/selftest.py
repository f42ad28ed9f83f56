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
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import wizard
from wizard import APP_NAME, __version__

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
KEYRING_TIMEOUT = 10.0
TLS_TIMEOUT = 10.0


class SelftestError(Exception):
    """A check failed; the message says what is wrong."""


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str
    duration_ms: float

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.name}: {self.detail} ({self.duration_ms:.0f} ms)"


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


CHAIN_FILES = ("ca.pem", "leaf.pem", "leaf.key")
BUNDLED_CHAIN_DIR = "selftest"  # under resources/, written at build time by the spec


def write_test_chain(folder: Path) -> tuple[Path, Path, Path]:
    """Write a CA and a ``localhost`` server certificate (PEM) for the loopback handshake.

    Made with trustme, which needs ``cryptography``. The bundle does not carry that library (11
    MiB for this alone), so the spec calls this at build time and ships the files; a checkout
    with the test extras makes them on the fly. The CA is trusted by nothing but this self-test
    and its key is not kept, so the files are harmless to ship.
    """
    import trustme

    ca = trustme.CA(organization_name=f"{APP_NAME} selftest")
    leaf = ca.issue_cert("localhost")
    folder.mkdir(parents=True, exist_ok=True)
    paths = tuple(folder / name for name in CHAIN_FILES)
    ca.cert_pem.write_to_path(str(paths[0]))
    leaf.cert_chain_pems[0].write_to_path(str(paths[1]))
    leaf.private_key_pem.write_to_path(str(paths[2]))
    return paths[0], paths[1], paths[2]


def _test_chain(tmp: Path) -> tuple[Path, Path, Path]:
    """The shipped chain when there is one, else a fresh one (needs trustme)."""
    from wizard.resources import resource_path

    shipped = tuple(resource_path(f"{BUNDLED_CHAIN_DIR}/{name}") for name in CHAIN_FILES)
    if all(p.is_file() for p in shipped):
        return shipped[0], shipped[1], shipped[2]
    if importlib.util.find_spec("trustme") is None:
        raise SelftestError(
            "no test certificates: this build lacks resources/selftest and trustme is not "
            "installed (pip install -e '.[test]')"
        )
    return write_test_chain(tmp)


def _handshake(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> tuple[str, str, bytes]:
    """Handshake client and server over a local socket pair; (TLS version, cipher, cert DER)."""
    server_sock, client_sock = socket.socketpair()
    server_error: list[BaseException] = []

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(server_sock, server_side=True) as tls:
                tls.recv(1)  # until the client closes
        except (OSError, ssl.SSLError) as exc:
            server_error.append(exc)

    server_sock.settimeout(TLS_TIMEOUT)
    client_sock.settimeout(TLS_TIMEOUT)
    thread = threading.Thread(target=serve, name="selftest-tls-server", daemon=True)
    thread.start()
    try:
        with client_ctx.wrap_socket(client_sock, server_hostname="localhost") as tls:
            version, cipher = tls.version() or "?", (tls.cipher() or ("?",))[0]
            der = tls.getpeercert(binary_form=True) or b""
    finally:
        client_sock.close()
        thread.join(TLS_TIMEOUT)
        server_sock.close()
    return version, cipher, der


def check_tls() -> str:
    from wizard.checks.certificate import describe_certificate
    from wizard.checks.tls import make_context

    with tempfile.TemporaryDirectory(prefix="wizard-selftest-") as tmp:
        ca_file, cert_file, key_file = _test_chain(Path(tmp))
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert_file, key_file)
        # The very context the mail checks use (the OS trust store) plus our CA.
        version, cipher, der = _handshake(make_context(ca_file), server_ctx)
        # The same without our CA must be refused: verification really is on.
        try:
            _handshake(make_context(), server_ctx)
        except ssl.SSLCertVerificationError as exc:
            refused = exc.verify_message or exc.reason or "refused"
        else:
            raise SelftestError("a certificate from an unknown CA was accepted")
    # The report's certificate reader (imported lazily, so only a use proves it is bundled).
    facts = describe_certificate(der)
    names = ", ".join(facts["san"])
    return (
        f"loopback {version} {cipher} verified via the app's CA chain (names: {names}); "
        f"unknown CA: {refused}"
    )


def check_trust_store() -> str:
    import truststore

    from wizard.checks.tls import make_context, system_bundle_description

    ctx = make_context()
    if sys.platform == "win32":
        roots = len(ssl.enum_certificates("ROOT"))  # type: ignore[attr-defined,unused-ignore]
        if not roots:
            raise SelftestError("the Windows ROOT certificate store is empty")
        return f"Windows ROOT store: {roots} certificates (truststore {truststore.__version__})"
    if sys.platform == "darwin":
        return f"macOS Keychain via Security.framework (truststore {truststore.__version__})"
    # Linux: the checks' context is plain OpenSSL, loaded with the distribution's CA bundle
    # found the way truststore finds it (wizard.checks.tls). Prove a chain is really checked
    # against it (our throwaway CA is in no system store, so the handshake must be refused),
    # then count what was loaded.
    with tempfile.TemporaryDirectory(prefix="wizard-selftest-") as tmp:
        _, cert_file, key_file = _test_chain(Path(tmp))
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert_file, key_file)
        try:
            _handshake(ctx, server_ctx)
        except ssl.SSLCertVerificationError:
            pass
        else:
            raise SelftestError("the system store accepted a certificate from a throwaway CA")
    count = ctx.cert_store_stats().get("x509_ca", 0)
    where = system_bundle_description()
    paths = ssl.get_default_verify_paths()
    if not count and paths.capath and Path(paths.capath).is_dir():
        # A hashed directory is read certificate by certificate as chains need them.
        count = sum(1 for p in Path(paths.capath).iterdir() if p.name[-2:-1] == ".")
    if not count:
        raise SelftestError(f"no system CA certificates found (looked in {where})")
    return f"OpenSSL system store: {count} CA certificates ({where})"


# The secure store each desktop OS always has, and the keyring module that speaks to it. On
# Windows and macOS a bundle without it is broken (PyInstaller dropped the backend or the
# ctypes/pywin32-ctypes bits it needs): "Remember my password" would be greyed out for
# everyone, so the self-test fails. Linux desktops may legitimately have no Secret Service
# (a server, a minimal window manager): there the self-test only reports it.
NATIVE_PASSWORD_STORES = {
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
}
LINUX_STORE_MODULE = "wizard.account.secret_service"

Resolver = Callable[[], tuple[object | None, object]]


def judge_password_store(platform: str, backend: object | None, status: object) -> str:
    """The keyring line's verdict for what ``Keychain.resolve()`` returned on ``platform``.

    Raises :class:`SelftestError` on Windows and macOS unless the store is the OS's own secure
    one; elsewhere no store is a note, not a failure.
    """
    where = getattr(status, "where", "") or ""
    reason = getattr(status, "reason", "") or ""
    native = NATIVE_PASSWORD_STORES.get(platform)
    if backend is None:
        text = f"none usable here ({reason or where or 'no store'})"
        if native is not None:
            raise SelftestError(
                f"no secure password store: {text}; expected {native} "
                "(is the backend missing from the bundle?)"
            )
        return f"{text}; fine on a desktop without a Secret Service"
    cls = type(backend)
    chosen = f"{cls.__module__}.{cls.__name__}"
    if native is not None and not cls.__module__.startswith(native):
        raise SelftestError(f"the password store is {chosen} ({where}), not {native}")
    return f"{chosen}: {where}"


def check_keyring(platform: str | None = None, resolve: Resolver | None = None) -> str:
    import keyring
    import keyring.backend

    from wizard.account.keychain import Keychain

    platform = platform or sys.platform
    native = NATIVE_PASSWORD_STORES.get(platform, LINUX_STORE_MODULE)
    for module in (native, "keyring.backends.chainer", "keyring.backends.fail"):
        importlib.import_module(module)
    # What "Remember my password" would really use (wizard.account.keychain's rules), not only
    # keyring's own pick: on Linux that is our Secret Service backend when one answers.
    resolve = resolve or Keychain().resolve
    answer: list[tuple[object | None, object]] = []
    thread = threading.Thread(
        target=lambda: answer.append(resolve()), name="selftest-keyring", daemon=True
    )
    thread.start()
    thread.join(KEYRING_TIMEOUT)
    if not answer:
        if platform in NATIVE_PASSWORD_STORES:
            raise SelftestError(f"the password store gave no answer within {KEYRING_TIMEOUT:g} s")
        selected = f"no answer within {KEYRING_TIMEOUT:g} s"
    else:
        selected = judge_password_store(platform, *answer[0])
    viable = sorted(
        f"{type(k).__module__.rpartition('.')[2]}.{type(k).__name__}"
        for k in keyring.backend.get_all_keyring()
    )
    return (
        f"password store: {selected}; native backend {native} present; "
        f"keyring's viable: {', '.join(viable) or 'none'}"
    )


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
