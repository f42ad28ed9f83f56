"""The real accessibility stack, privately: Xvfb, a session bus, AT-SPI, and a reader for it.

What a screen reader (Orca) sees is what Qt's AT-SPI bridge publishes on the accessibility bus;
this starts that stack for one test (a ``dbus-daemon`` of our own, ``at-spi-bus-launcher``
with its bus and registry, an ``Xvfb`` display), runs the wizard in a child process on the
``xcb`` platform with accessibility on, and reads the tree back over D-Bus with jeepney, as
Orca's libatspi would. Nothing touches the developer's desktop session or display.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import unwrap_msg

from tests.support.secret_service_daemon import SecretServiceDaemon

BUS_LAUNCHER = Path("/usr/libexec/at-spi-bus-launcher")
XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"
ROOT_PATH = "/org/a11y/atspi/accessible/root"
ACCESSIBLE = "org.a11y.atspi.Accessible"
# AtspiStateType bit numbers (at-spi2-core's atspi-constants.h).
STATE_SHOWING = 25
STATE_VISIBLE = 30
REPO = Path(__file__).resolve().parents[2]


def atspi_available() -> str | None:
    missing = [
        pkg
        for pkg, prog in (("at-spi2-core", str(BUS_LAUNCHER)), ("xvfb", XVFB))
        if not Path(prog).exists()
    ]
    return ", ".join(missing) if missing else None


@dataclass(frozen=True)
class Node:
    role: str
    name: str
    description: str
    showing: bool


@dataclass
class AtspiDesktop:
    """Xvfb + private session bus + AT-SPI bus; ``start_app`` runs a wizard on it."""

    bus: SecretServiceDaemon = field(default_factory=lambda: SecretServiceDaemon(keyring=False))
    display: str = ""
    a11y_address: str = ""
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _conn: DBusConnection | None = None

    def start(self) -> AtspiDesktop:
        try:
            self.bus.start()
            self._start_xvfb()
            launcher = subprocess.Popen(
                [str(BUS_LAUNCHER), "--launch-immediately"],
                env=self.bus.env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._procs.append(launcher)
            self.a11y_address = self._until(self._a11y_address, "the AT-SPI bus")
            self._conn = open_dbus_connection(bus=self.a11y_address)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_xvfb(self) -> None:
        """Xvfb on a free display number well above the ones desktops and other tests use.

        Chosen here rather than with -displayfd: a display a previous run is still tearing
        down can be handed out again before its socket is gone, and the wizard then fails to
        connect. Ready means its socket accepts a connection.
        """
        for number in range(140, 400):
            if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            proc = subprocess.Popen(
                [XVFB, f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._procs.append(proc)
            if self._until(lambda n=number, p=proc: self._x_answers(n, p), f"Xvfb :{number}", 10):
                self.display = f":{number}"
                return
        raise RuntimeError("no free X display number")

    @staticmethod
    def _x_answers(number: int, proc: subprocess.Popen[bytes]) -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"Xvfb :{number} exited with {proc.returncode}")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(f"/tmp/.X11-unix/X{number}")
        return True

    def _a11y_address(self) -> str:
        with open_dbus_connection(bus=self.bus.address) as conn:
            addr = DBusAddress("/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus")
            reply = conn.send_and_get_reply(new_method_call(addr, "GetAddress"), timeout=2)
            return str(unwrap_msg(reply)[0])  # an error reply raises, and is retried

    @staticmethod
    def _until(attempt, doing: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                result = attempt()
                if result:
                    return result
            except Exception as exc:  # noqa: BLE001 - retried until the deadline
                last = exc
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {doing}: {last}")

    def app_env(self) -> dict[str, str]:
        return {
            **self.bus.env(),
            "DISPLAY": self.display,
            "QT_QPA_PLATFORM": "xcb",
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
            "QT_ACCESSIBILITY": "1",
            "PYTHONPATH": str(REPO),
        }

    def start_app(self, *args: str) -> WizardProcess:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.a11y_app", *args],
            env=self.app_env(),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._procs.append(proc)
        return WizardProcess(proc, self)

    # -- reading the tree ----------------------------------------------------------------------
    def _call(self, name: str, path: str, interface: str, method: str, sig=None, *body):  # type: ignore[no-untyped-def]
        assert self._conn is not None
        addr = DBusAddress(path, bus_name=name, interface=interface)
        reply = self._conn.send_and_get_reply(new_method_call(addr, method, sig, body), timeout=5)
        return unwrap_msg(reply)

    def _prop(self, name: str, path: str, prop: str) -> str:
        body = self._call(
            name, path, "org.freedesktop.DBus.Properties", "Get", "ss", ACCESSIBLE, prop
        )
        return str(body[0][1])

    def applications(self) -> list[tuple[str, str]]:
        return list(self._call("org.a11y.atspi.Registry", ROOT_PATH, ACCESSIBLE, "GetChildren")[0])

    def tree(self, app: tuple[str, str]) -> Iterator[Node]:
        """Every object under ``app``, depth first, with its role, name, description, showing."""
        stack = [app]
        while stack:
            name, path = stack.pop()
            role = str(self._call(name, path, ACCESSIBLE, "GetRoleName")[0])
            states = self._call(name, path, ACCESSIBLE, "GetState")[0]
            bits = int(states[0]) | (int(states[1]) << 32)
            showing = bool(bits & (1 << STATE_SHOWING)) and bool(bits & (1 << STATE_VISIBLE))
            yield Node(
                role, self._prop(name, path, "Name"), self._prop(name, path, "Description"), showing
            )
            children = self._call(name, path, ACCESSIBLE, "GetChildren")[0]
            stack.extend(reversed([(str(n), str(p)) for n, p in children]))

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for proc in reversed(self._procs):
            # Each runs in a session of its own; the bus launcher's bus and registry are its
            # children, so the whole process group goes.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._procs.clear()
        self.bus.stop()


@dataclass
class WizardProcess:
    """The wizard in its child process, driven by one-line commands (tests/support/a11y_app)."""

    proc: subprocess.Popen[bytes]
    desktop: AtspiDesktop

    def command(self, line: str, timeout: float = 30.0) -> str:
        """Send ``line``; wait for the child's ``READY …`` answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise RuntimeError(f"the wizard did not answer {line!r}")
        answer = self.proc.stdout.readline().decode().strip()
        if not answer.startswith("READY"):
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""  # type: ignore[union-attr]
            raise RuntimeError(f"the wizard said {answer!r} to {line!r} {err}")
        return answer

    def showing(self) -> list[Node]:
        """What a screen reader can reach now: the objects of the wizard that are showing."""
        pid_apps = self.desktop._until(self.desktop.applications, "the wizard on the AT-SPI bus")
        nodes: list[Node] = []
        for app in pid_apps:
            nodes.extend(n for n in self.desktop.tree(app) if n.showing)
        return nodes
