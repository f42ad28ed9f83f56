"""A private D-Bus session bus, optionally with a real GNOME Keyring on it, for the tests.

Nothing here can reach the machine's own session bus or keyring:

* the bus is a fresh ``dbus-daemon`` with a config file of our own, listening on a socket in a
  temporary folder. Its only service folder is an empty one, so nothing is D-Bus-activated on
  it: not the system's ``gnome-keyring-daemon`` (which would start with the real HOME) and not
  ``gcr-prompter`` (which would pop up a dialog on a developer's display);
* ``gnome-keyring-daemon`` runs with HOME and the XDG folders inside that temporary folder, no
  DISPLAY, and the bus address as its only way out. Its login keyring is created and unlocked
  with :data:`KEYRING_PASSWORD`, given on stdin, never on a command line;
* :meth:`SecretServiceDaemon.env` is the environment for clients (``secret-tool``), and the
  tests point ``DBUS_SESSION_BUS_ADDRESS`` of their own process at the private bus only for as
  long as a test runs.

Both daemons run in their own process groups, which :meth:`SecretServiceDaemon.stop` kills.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jeepney import DBusAddress, message_bus, new_method_call
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

DBUS_DAEMON = shutil.which("dbus-daemon") or "/usr/bin/dbus-daemon"
GNOME_KEYRING_DAEMON = shutil.which("gnome-keyring-daemon") or "/usr/bin/gnome-keyring-daemon"
SECRET_TOOL = shutil.which("secret-tool") or "/usr/bin/secret-tool"

SECRETS = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
SERVICE_IFACE = "org.freedesktop.Secret.Service"
COLLECTION_IFACE = "org.freedesktop.Secret.Collection"
PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"
GUILT_RIDDEN_IFACE = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
KEYRING_PASSWORD = "test-login-keyring-passw0rd"
START_TIMEOUT = 10.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={root}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{root}/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def secret_service_available() -> str | None:
    """None when the daemons and client the tests drive are installed, else what is missing."""
    missing = [
        package
        for package, program in (
            ("dbus-daemon", DBUS_DAEMON),
            ("gnome-keyring", GNOME_KEYRING_DAEMON),
            ("libsecret-tools", SECRET_TOOL),
        )
        if not Path(program).exists()
    ]
    return ", ".join(missing) if missing else None


@dataclass
class SecretServiceDaemon:
    """A private session bus; with ``keyring=True`` a GNOME Keyring owns the Secret Service.

    ``login_keyring=False`` starts GNOME Keyring as on a first login that did not hand it a
    password: there is no login keyring, so no default collection.
    """

    keyring: bool = True
    login_keyring: bool = True
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="wiz-ss-")))
    address: str = ""
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """The environment of a desktop session on this bus, for daemons and clients."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.root / "home"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "XDG_RUNTIME_DIR": str(self.root / "run"),
            "DBUS_SESSION_BUS_ADDRESS": self.address,
        }

    def start(self) -> SecretServiceDaemon:
        try:
            for sub in ("services", "home", "data", "config", "cache", "run"):
                (self.root / sub).mkdir(mode=0o700)
            self._start_bus()
            if self.keyring:
                self._start_keyring()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_bus(self) -> None:
        config = self.root / "bus.conf"
        config.write_text(_BUS_CONFIG.format(root=self.root), encoding="utf-8")
        with (self.root / "dbus.log").open("wb") as log:
            proc = subprocess.Popen(
                [DBUS_DAEMON, f"--config-file={config}", "--nofork", "--print-address=1"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                env=self.env(),
                start_new_session=True,
            )
        self._procs.append(proc)
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(START_TIMEOUT):
                raise RuntimeError(f"dbus-daemon printed no address: {self.log('dbus.log')}")
        self.address = proc.stdout.readline().decode().strip()
        if not self.address:
            raise RuntimeError(f"dbus-daemon did not start: {self.log('dbus.log')}")

    def _start_keyring(self) -> None:
        args = [GNOME_KEYRING_DAEMON, "--foreground", "--components=secrets"]
        if self.login_keyring:
            args.append("--unlock")  # reads the login keyring's password from stdin
        with (self.root / "keyring.log").open("wb") as log:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
            )
        self._procs.append(proc)
        assert proc.stdin is not None
        if self.login_keyring:
            proc.stdin.write(KEYRING_PASSWORD.encode())
        proc.stdin.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.has_owner(SECRETS):
            if proc.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited: {self.log('keyring.log')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {SECRETS} on the bus: {self.log('keyring.log')}")
            time.sleep(0.02)
        # The login collection is made from the password on stdin; wait until it is the default.
        while self.login_keyring and self.default_collection() == "/":
            if time.monotonic() > deadline:
                raise RuntimeError(f"no default collection: {self.log('keyring.log')}")
            time.sleep(0.02)

    def has_owner(self, name: str) -> bool:
        with open_dbus_connection(bus=self.address) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5)
            return bool(unwrap_msg(reply)[0])

    def call(self, path: str, interface: str, method: str, signature: str | None, *body):
        """One Secret Service call on the private bus, for arranging test states."""
        msg = new_method_call(DBusAddress(path, SECRETS, interface), method, signature, body)
        with open_dbus_connection(bus=self.address) as conn:
            return unwrap_msg(conn.send_and_get_reply(msg, timeout=5))

    def default_collection(self) -> str:
        return str(self.call(SERVICE_PATH, SERVICE_IFACE, "ReadAlias", "s", "default")[0])

    def search(self, **attributes: str) -> tuple[list[str], list[str]]:
        """(unlocked, locked) items with these attributes, in every collection."""
        unlocked, locked = self.call(
            SERVICE_PATH, SERVICE_IFACE, "SearchItems", "a{ss}", attributes
        )
        return list(unlocked), list(locked)

    def is_locked(self) -> bool:
        collection = self.default_collection()
        value = self.call(collection, PROPERTIES_IFACE, "Get", "ss", COLLECTION_IFACE, "Locked")
        return bool(value[0][1])

    def lock(self) -> None:
        """Lock the login keyring, as a screen lock or "Lock keyring" would.

        Retried until it shows: GNOME Keyring reloads its keyring file some time after each
        write (it compares whole-second mtimes), and while it does, a call can miss.
        """
        self._until(lambda: self._lock() or self.is_locked(), "lock the login keyring")

    def unlock(self) -> None:
        """Unlock the login keyring with its password, as a desktop login would (no prompt)."""
        self._until(lambda: self._unlock() or not self.is_locked(), "unlock the login keyring")

    def _lock(self) -> None:
        self.call(SERVICE_PATH, SERVICE_IFACE, "Lock", "ao", [self.default_collection()])

    def _unlock(self) -> None:
        """GNOME Keyring's own internal interface; the transfer session belongs to the
        connection, so both calls go over the same one."""
        collection = self.default_collection()
        with open_dbus_connection(bus=self.address) as conn:

            def call(interface: str, method: str, signature: str, *body: object) -> tuple:
                address = DBusAddress(SERVICE_PATH, SECRETS, interface)
                msg = new_method_call(address, method, signature, body)
                return tuple(unwrap_msg(conn.send_and_get_reply(msg, timeout=5)))

            _output, session = call(SERVICE_IFACE, "OpenSession", "sv", "plain", ("s", ""))
            secret = (session, b"", KEYRING_PASSWORD.encode(), "text/plain")
            call(GUILT_RIDDEN_IFACE, "UnlockWithMasterPassword", "o(oayays)", collection, secret)

    def _until(self, attempt: Callable[[], object], doing: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if attempt():
                    return
                problem = "no effect"
            except DBusErrorResponse as exc:
                problem = str(exc.name)
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not {doing}: {problem}")
            time.sleep(0.02)

    def set_default_alias(self, collection: str) -> None:
        self.call(SERVICE_PATH, SERVICE_IFACE, "SetAlias", "so", "default", collection)

    def log(self, name: str) -> str:
        try:
            return (self.root / name).read_text(errors="replace")[-2000:]
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        for proc in reversed(self._procs):
            # The whole group, in case a daemon left a child behind.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> SecretServiceDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
