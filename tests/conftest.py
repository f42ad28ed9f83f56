"""Shared fixtures: a real Dovecot and a real Haraka on loopback, their CA, provider files."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.support.dovecot_server import DovecotServer, dovecot_available
from tests.support.haraka_server import HarakaServer, haraka_available

IN_CI = os.environ.get("CI", "").lower() == "true"


# No test may reach the developer's own session bus, and through it their real keychain: the
# session bus is pointed at a socket that does not exist (as on CI, which has no bus at all).
# Tests that need a bus start a private one (tests/support/secret_service_daemon.py) and point this
# variable at it for themselves.
NO_SESSION_BUS = "unix:path=/nonexistent/mail-setup-wizard-tests-have-no-session-bus"


def pytest_configure(config: pytest.Config) -> None:
    # Qt tests run without a display unless a developer asks for one.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = NO_SESSION_BUS


def _require_dovecot() -> None:
    missing = dovecot_available()
    if missing:
        reason = f"Dovecot is not installed (missing: {missing}); see README 'Running the tests'"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


def _server_dir(name: str) -> Path:
    """A folder Dovecot's unprivileged processes can reach.

    Not under pytest's basetemp: pytest keeps /tmp/pytest-of-<user> at mode 0700 (and resets
    it when another pytest starts), which would lock Dovecot's mail and auth processes out.
    """
    path = Path(tempfile.mkdtemp(prefix=f"wizard-{name}-"))
    path.chmod(0o711)
    return path


@pytest.fixture(scope="session")
def dovecot(test_ca: trustme.CA) -> Iterator[DovecotServer]:
    """The main instance: certificate for localhost from the test CA, all three services."""
    _require_dovecot()
    root = _server_dir("dovecot")
    server = DovecotServer(root / "server", test_ca).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def _require_haraka() -> None:
    missing = haraka_available()
    if missing:
        reason = f"Haraka cannot run here (missing: {missing}); see tests/run_all.sh"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def haraka_session(dovecot: DovecotServer, test_ca: trustme.CA) -> Iterator[HarakaServer]:
    """Haraka taking submission for the main Dovecot and delivering into it over LMTP."""
    _require_haraka()
    root = _server_dir("haraka")
    server = HarakaServer(root / "server", test_ca, dovecot).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def haraka(haraka_session: HarakaServer) -> Iterator[HarakaServer]:
    """The session's Haraka with its knobs back to plain delivery after each test."""
    haraka_session.reset()
    yield haraka_session
    haraka_session.reset()


@pytest.fixture(scope="session")
def dovecot_factory(test_ca: trustme.CA) -> Iterator[Callable[..., DovecotServer]]:
    """Extra instances with a different certificate or a broken password database."""
    _require_dovecot()
    root = _server_dir("dovecot-variants")
    started: list[DovecotServer] = []

    def make(**kwargs: object) -> DovecotServer:
        server = DovecotServer(root / f"v{len(started)}", test_ca, **kwargs)  # type: ignore[arg-type]
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def provider_file(dovecot: DovecotServer, tmp_path: Path) -> Path:
    return dovecot.write_provider(tmp_path / "provider.xml")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="save a PNG of every wizard page and state into DIR",
    )


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``screenshot(widget, name)`` saves widget.grab() when --screenshots DIR is given."""
    target = request.config.getoption("--screenshots")

    def save(widget: object, name: str) -> None:
        if not target:
            return
        from PySide6.QtWidgets import QApplication, QWidget

        assert isinstance(widget, QWidget)
        QApplication.processEvents()
        out = Path(target)
        out.mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(out / f"{name}.png"))

    return save


@pytest.fixture(autouse=True)
def _collect_closed_windows(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a GUI test, free its closed window's Python side at once, not at a random moment.

    A wizard window and its pages refer to each other, so only Python's cycle collector frees
    their wrappers, whenever allocations happen to trigger it. Left to chance, that can fall in
    a later test while Qt is delivering events, and PySide then crashes the whole run (seen
    with a plain test following a GUI test). Collecting here, once pytest-qt has closed and
    deleted the test's widgets, makes that moment the same every time.
    """
    yield
    if request.node.get_closest_marker("gui") is not None:
        gc.collect()
