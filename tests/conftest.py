"""Shared fixtures: a real Dovecot and a real Haraka on loopback, their CA, provider files."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.support.dns_server import DnsServer, dnsmasq_available, reversed_name
from tests.support.dovecot_server import DovecotServer, dovecot_available
from tests.support.haraka_server import HarakaServer, haraka_available
from wizard.ui.pyside_workarounds import keep_singletons_alive

IN_CI = os.environ.get("CI", "").lower() == "true"


# No test may reach the developer's own session bus, and through it their real keychain: the
# session bus is pointed at a socket that does not exist (as on CI, which has no bus at all).
# Tests that need a bus start a private one (tests/support/secret_service_daemon.py) and point this
# variable at it for themselves.
NO_SESSION_BUS = "unix:path=/nonexistent/mail-setup-wizard-tests-have-no-session-bus"


# PySide6 6.12 leaks references to True and False: see wizard/ui/pyside_workarounds.py.
keep_singletons_alive()


def pytest_configure(config: pytest.Config) -> None:
    # Qt tests run without a display unless a developer asks for one.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = NO_SESSION_BUS


@pytest.fixture(autouse=True, scope="session")
def _no_system_resolver_for_blocklists() -> Iterator[None]:
    """No test may ask a real resolver (and through it Spamhaus): blocklist look-ups in tests go
    to the suite's own dnsmasq (``dnsbl_server=``); one that forgets gets no resolver at all."""
    try:
        import dns.resolver
    except ImportError:
        yield
        return

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise dns.resolver.NoResolverConfiguration("tests never use the system's resolver")

    original = dns.resolver.Resolver.read_resolv_conf
    dns.resolver.Resolver.read_resolv_conf = refuse  # type: ignore[method-assign]
    yield
    dns.resolver.Resolver.read_resolv_conf = original  # type: ignore[method-assign]


def _require_dovecot() -> None:
    missing = dovecot_available()
    if missing:
        reason = f"Dovecot is not installed (missing: {missing}); see docs/testing.md"
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


# Documentation addresses (RFC 5737) stand for public ones; the test DNS server lists them.
PBL_IP, SBL_IP, XBL_IP, REFUSED_IP, CLEAN_IP = (
    "203.0.113.7",
    "203.0.113.8",
    "203.0.113.9",
    "203.0.113.10",
    "198.51.100.20",
)
# Haraka's dns-list treats the IPv4 documentation ranges as private and skips them; the IPv6
# documentation prefix it does look up, so the blocked case uses one.
BLOCKED_V6 = "2001:db8::7"
OTHER_ZONE = "bl.example.net"


@pytest.fixture(scope="session")
def dnsbl() -> Iterator[DnsServer]:
    """A real DNS server (dnsmasq) on loopback answering for zen.spamhaus.org as Spamhaus would."""
    if not dnsmasq_available():
        reason = "dnsmasq is not installed (Debian dnsmasq-base); see tests/run_all.sh"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    zone = "zen.spamhaus.org"
    records = {
        reversed_name(PBL_IP, zone): ["127.0.0.10", "127.0.0.11"],
        reversed_name(SBL_IP, zone): ["127.0.0.2"],
        reversed_name(XBL_IP, zone): ["127.0.0.4"],
        # What Spamhaus answers a query that came through a public resolver.
        reversed_name(REFUSED_IP, zone): ["127.255.255.254"],
        reversed_name(PBL_IP, OTHER_ZONE): ["127.0.0.2"],
        reversed_name(BLOCKED_V6, zone): ["127.0.0.2"],
    }
    root = Path(tempfile.mkdtemp(prefix="wizard-dnsbl-"))
    # The reverse zones too: a server's rDNS of a test address gets a quick NXDOMAIN.
    local = (zone, OTHER_ZONE, "in-addr.arpa", "ip6.arpa")
    server = DnsServer(root, records, local_zones=local).start()
    yield server
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
    """During a GUI test no automatic collection; after it, free its windows' Python side at once.

    A wizard window and its pages refer to each other, so only Python's cycle collector frees
    their wrappers, whenever allocations happen to trigger it. Left to chance, that can fall in
    a later test while Qt is delivering events, or in a check's worker thread, which then runs
    Qt destructors off the GUI thread ("Timers cannot be stopped from another thread", then a
    crash; pytest-qt's own waitSignal timers are such garbage too). So the collector is off
    while a GUI test runs and runs once afterwards, on the main thread, once pytest-qt has
    closed and deleted the test's widgets and any cancelled check's thread has ended.
    """
    gui = request.node.get_closest_marker("gui") is not None
    if gui:
        gc.collect()
        gc.disable()
    try:
        yield
    finally:
        if gui:
            # A check still running (the window was closed mid-check) keeps its window alive
            # from its thread; it was cancelled, so it ends within its step's deadline.
            for thread in threading.enumerate():
                if thread.name == "mail-checks":
                    thread.join(timeout=15)
            gc.enable()
            gc.collect()


@pytest.fixture(scope="session")
def haraka_public(
    dovecot: DovecotServer, test_ca: trustme.CA, dnsbl: DnsServer
) -> Iterator[HarakaServer]:
    """A second Haraka, seen from a chosen public address through tests.support.proxy_front.

    It trusts PROXY headers from the front's source address only, checks zen.spamhaus.org with
    its dns-list plugin, and asks the suite's dnsmasq for every name (never a real resolver).
    """
    from tests.support.dovecot_server import free_port
    from tests.support.proxy_front import FRONT_SOURCE

    _require_haraka()
    root = _server_dir("haraka-public")
    server = HarakaServer(
        root / "server",
        test_ca,
        dovecot,
        inbound_port=free_port(),  # the session's Haraka has Dovecot's relay port
        proxy_hosts=(FRONT_SOURCE,),
        dns_server=dnsbl.address,
        dns_lists=("zen.spamhaus.org",),
    ).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)
