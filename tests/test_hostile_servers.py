"""Servers that misbehave: every check still ends on time, within memory, with the right cause.

Each case runs ``python -m wizard diagnose --json --timeout 1`` as IT would, against three
hostile servers at once (IMAP, SMTP, ManageSieve), and measures the CLI process's own peak
memory. The documented bound (wizard/checks/deadline.py, docs/cli.md): the connect bound T, then 2 T
for the rest, so every check ends within 3 T.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.support.checks import check_one
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from tests.support.fake_servers import (
    HOSTILE_ADDRESS,
    HostileServer,
    HttpServer,
    TlsDripServer,
    blackhole_on,
    hostile_trio,
    write_hostile_provider,
)
from tests.support.measure import Measured, diagnose_json_argv, run_measured
from wizard.checks.connect import interleave
from wizard.checks.model import CancelToken, StepName
from wizard.checks.options import CheckOptions
from wizard.provider import load_provider
from wizard.services import Service

T = 1.0  # --timeout for every case here
CLOSE_SLACK_S = 0.75  # closing sockets and threads, writing the diagnosis (loaded 2-core box)
START_SLACK_S = 6.0  # the CLI process's own start and exit on a busy machine
MEMORY_LIMIT_MB = 150

ADDRESS = HOSTILE_ADDRESS
PASSWORD = "hostile-test-password-1"  # noqa: S105 - nothing checks it; it must not leak either


@pytest.fixture(scope="module")
def tls(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server context with a certificate for 127.0.0.1, and the CA file the CLI trusts."""
    folder = tmp_path_factory.mktemp("hostile-tls")
    ca_pem = folder / "ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_pem))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    test_ca.issue_cert("127.0.0.1").configure_cert(ctx)
    yield ctx, ca_pem


def _diagnose(provider: Path, ca_pem: Path, timeout: float = T) -> tuple[Measured, dict[str, Any]]:
    m = run_measured(
        diagnose_json_argv(ADDRESS, provider, ca_pem, timeout),
        stdin=PASSWORD + "\n",
        limit_s=60,
    )
    assert not m.stopped, f"the CLI had to be stopped ({m.stopped}) after {m.wall_s:.1f} s"
    assert "Traceback" not in m.stderr, m.stderr
    assert m.returncode == 1, (m.returncode, m.stdout, m.stderr)
    assert PASSWORD not in m.stdout + m.stderr
    return m, json.loads(m.stdout)


def _causes(data: dict[str, Any]) -> dict[str, str]:
    return {c["service"]: c["cause"] for c in data["checks"]}


def _assert_bounded(m: Measured, data: dict[str, Any], timeout: float = T) -> None:
    for check in data["checks"]:
        seconds = check["duration_ms"] / 1000
        assert seconds <= 3 * timeout + CLOSE_SLACK_S, (check["service"], seconds)
    assert m.wall_s <= 3 * timeout + START_SLACK_S, m.wall_s
    assert m.peak_mb < MEMORY_LIMIT_MB, f"peak memory {m.peak_mb:.0f} MB"


ENDLESS = {"imap": "protocol_error", "smtp": "protocol_error", "sieve": "protocol_error"}


@pytest.mark.parametrize(
    "phase, behaviour, expected",
    [
        pytest.param("greeting", "drip", ENDLESS, id="drip-at-greeting"),
        pytest.param("capabilities", "drip", ENDLESS, id="drip-at-capabilities-ehlo"),
        pytest.param("after_tls", "drip", ENDLESS, id="drip-after-tls"),
        pytest.param("capabilities", "flood", ENDLESS, id="flood-of-lines"),
        pytest.param("greeting", "huge_line", ENDLESS, id="huge-single-line"),
    ],
)
def test_endless_answers_end_as_protocol_error_within_the_bound(
    tls: Any, tmp_path: Path, phase: str, behaviour: str, expected: dict[str, str]
) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        settings = hostile_trio(stack, ctx, phase, behaviour)
        m, data = _diagnose(write_hostile_provider(tmp_path, "127.0.0.1", **settings), ca_pem)
    assert _causes(data) == expected, [c["steps"][-1]["detail"] for c in data["checks"]]
    for check in data["checks"]:
        assert "endless answer" in check["message"], check["message"]
        assert "password" not in check["message"]
    _assert_bounded(m, data)


@pytest.mark.parametrize(
    "phase, behaviour, expected",
    [
        pytest.param(
            "greeting",
            "silence",
            {"imap": "no_greeting", "smtp": "no_greeting", "sieve": "no_greeting"},
            id="silent-after-connecting",
        ),
        pytest.param(
            "after_tls",
            "silence",
            # IMAP's greeting comes after TLS: nothing at all was said. SMTP and Sieve had
            # spoken before STARTTLS, then stopped.
            {"imap": "no_greeting", "smtp": "protocol_error", "sieve": "protocol_error"},
            id="silence-after-tls",
        ),
        pytest.param(
            "greeting",
            "garbage",
            {"imap": "protocol_error", "smtp": "protocol_error", "sieve": "protocol_error"},
            id="garbage-bytes",
        ),
        pytest.param(
            "greeting",
            "close",
            {"imap": "protocol_error", "smtp": "protocol_error", "sieve": "protocol_error"},
            id="close-at-once",
        ),
    ],
)
def test_silence_garbage_and_hang_ups_get_their_own_cause_within_the_bound(
    tls: Any, tmp_path: Path, phase: str, behaviour: str, expected: dict[str, str]
) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        settings = hostile_trio(stack, ctx, phase, behaviour)
        m, data = _diagnose(write_hostile_provider(tmp_path, "127.0.0.1", **settings), ca_pem)
    assert _causes(data) == expected, [c["steps"][-1]["detail"] for c in data["checks"]]
    for check in data["checks"]:
        assert check["cause"] != "connection_timeout"
        assert "blocked" not in check["message"] + check["advice"]
        if check["cause"] == "no_greeting":
            assert "said nothing" in check["message"]
    _assert_bounded(m, data)


def test_garbage_on_an_ssl_port_is_not_blamed_on_the_network(tls: Any, tmp_path: Path) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        bad = stack.enter_context(HostileServer("imap", "greeting", "garbage", ctx))
        close = stack.enter_context(HostileServer("smtp", "greeting", "close", ctx))
        silent = stack.enter_context(HostileServer("sieve", "greeting", "silence", ctx))
        provider = write_hostile_provider(
            tmp_path,
            "127.0.0.1",
            imap=(bad.port, "SSL"),
            smtp=(close.port, "SSL"),
            sieve=(silent.port, "SSL"),
        )
        m, data = _diagnose(provider, ca_pem)
    by = {c["service"]: c for c in data["checks"]}
    assert by["imap"]["cause"] == "protocol_error", by["imap"]["steps"][-1]["detail"]
    assert "neither TLS nor a mail greeting" in by["imap"]["steps"][-1]["detail"]
    assert by["smtp"]["cause"] == "protocol_error", by["smtp"]["steps"][-1]["detail"]
    assert "closes every connection at once" in by["smtp"]["steps"][-1]["detail"]
    assert by["sieve"]["cause"] == "no_greeting"  # silent to the TLS handshake
    for check in data["checks"]:
        assert "another network" not in check["advice"]
    _assert_bounded(m, data)


def test_an_http_server_on_the_mail_ports(tls: Any, tmp_path: Path) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        web = [stack.enter_context(HttpServer()) for _ in range(3)]
        provider = write_hostile_provider(
            tmp_path,
            "127.0.0.1",
            imap=(web[0].port, "SSL"),
            smtp=(web[1].port, "STARTTLS"),
            sieve=(web[2].port, "STARTTLS"),
        )
        m, data = _diagnose(provider, ca_pem)
    by = {c["service"]: c for c in data["checks"]}
    # SSL: the web server answers the TLS hello with a plain "400 Bad Request".
    assert by["imap"]["cause"] == "protocol_error", by["imap"]["steps"][-1]["detail"]
    assert "not TLS" in by["imap"]["steps"][-1]["detail"]
    # STARTTLS: a web server waits for a request, so the mail greeting never comes.
    assert by["smtp"]["cause"] == "no_greeting"
    assert by["sieve"]["cause"] == "no_greeting"
    _assert_bounded(m, data)


def test_a_dripping_tls_handshake_ends_within_the_timeout(tls: Any, tmp_path: Path) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        drip = stack.enter_context(TlsDripServer())
        smtp = stack.enter_context(HostileServer("smtp", "greeting", "close", ctx))
        sieve = stack.enter_context(HostileServer("sieve", "greeting", "close", ctx))
        provider = write_hostile_provider(
            tmp_path,
            "127.0.0.1",
            imap=(drip.port, "SSL"),
            smtp=(smtp.port, "STARTTLS"),
            sieve=(sieve.port, "STARTTLS"),
        )
        m, data = _diagnose(provider, ca_pem)
    imap = next(c for c in data["checks"] if c["service"] == "imap")
    assert imap["cause"] == "no_greeting", imap["steps"][-1]["detail"]
    assert imap["steps"][-1]["name"] == "tls"
    assert "handshake did not finish" in imap["steps"][-1]["detail"]
    _assert_bounded(m, data)


def test_the_deadline_interrupts_a_read_already_in_progress() -> None:
    """A read with no timeout of its own still ends when the check's time is up."""
    from wizard.checks.deadline import Deadline

    a, b = socket.socketpair()
    with a, b:
        deadline = Deadline(0.2)  # the rest of the check: 0.4 s after connecting
        deadline.connected()
        deadline.on_expiry(lambda: a.shutdown(socket.SHUT_RDWR))
        a.settimeout(None)  # blocks for ever on its own
        t0 = time.monotonic()
        got = a.recv(10)
        elapsed = time.monotonic() - t0
        deadline.stop()
    assert got == b""
    assert deadline.expired
    assert 0.3 < elapsed < 1.0


@pytest.mark.dovecot
def test_starttls_configured_on_a_tls_port_is_wrong_security(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = write_hostile_provider(
        tmp_path,
        dovecot.hostname,
        imap=(dovecot.imap_port, "STARTTLS"),  # 993-style: TLS from the start
        smtp=(dovecot.submissions_port, "STARTTLS"),  # 465-style
        sieve=(dovecot.imap_port, "STARTTLS"),
    )
    m, data = _diagnose(provider, dovecot.ca_pem)
    assert _causes(data) == {s: "wrong_security" for s in ("imap", "smtp", "sieve")}
    by = {c["service"]: c for c in data["checks"]}
    for service, element in (
        ("imap", "<incomingServer"),
        ("smtp", "<outgoingServer"),
        ("sieve", "<manageSieveServer>"),
    ):
        assert "expects SSL/TLS from the start" in by[service]["message"]
        assert "<socketType>SSL</socketType>" in by[service]["advice"]
        assert element in by[service]["advice"]
    _assert_bounded(m, data)


@pytest.mark.dovecot
def test_ssl_configured_on_a_plain_text_port_is_wrong_security(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = write_hostile_provider(
        tmp_path,
        dovecot.hostname,
        imap=(dovecot.imap_starttls_port, "SSL"),  # 143-style: "* OK" first
        smtp=(dovecot.submission_port, "SSL"),  # 587-style: "220 " first
        sieve=(dovecot.sieve_port, "SSL"),  # 4190: "IMPLEMENTATION" first
    )
    m, data = _diagnose(provider, dovecot.ca_pem)
    assert _causes(data) == {s: "wrong_security" for s in ("imap", "smtp", "sieve")}
    for check in data["checks"]:
        assert "expects STARTTLS" in check["message"]
        assert "<socketType>STARTTLS</socketType>" in check["advice"]
        assert "another network" not in check["advice"]
    _assert_bounded(m, data)


# -- Happy Eyeballs ------------------------------------------------------------------------------


def test_addresses_are_interleaved_by_family_first_family_first() -> None:
    addrs = [("::1", 1), ("::2", 1), ("::3", 1), ("10.0.0.1", 1), ("10.0.0.2", 1)]
    assert [a for a, _ in interleave(addrs)] == ["::1", "10.0.0.1", "::2", "10.0.0.2", "::3"]
    v4_first = [("10.0.0.1", 1), ("::1", 1), ("::2", 1)]
    assert [a for a, _ in interleave(v4_first)] == ["10.0.0.1", "::1", "::2"]


def _other_loopback() -> str:
    """An address for the dead or refusing first entry: IPv6 loopback when there is one."""
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return "::1"
    except OSError:
        return "127.0.0.2"


def _connect_ms(result: Any) -> float:
    return next(s.duration_ms for s in result.steps if s.name is StepName.CONNECT)


@pytest.mark.dovecot
def test_a_dead_first_address_costs_at_most_300_ms_more_than_a_refusing_one(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    port = dovecot.imap_port  # Dovecot listens on 127.0.0.1 only
    first = _other_loopback()
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    names = {"dead": [(first, port), ("127.0.0.1", port)]}

    def run(addrs: list[tuple[str, int]]) -> Any:
        return check_one(
            provider,
            provider.imap,
            GOOD_USER,
            GOOD_PASSWORD,
            ca_file=dovecot.ca_pem,
            timeout=3.0,
            resolver=lambda host, p: addrs,
        )

    refusing = run([(first, port), ("127.0.0.1", port)])  # nothing listens there: RST at once
    with blackhole_on(first, port):
        t0 = time.monotonic()
        dead = run(names["dead"])
        dead_wall = time.monotonic() - t0
    assert refusing.ok and dead.ok, (refusing.cause, dead.cause)
    extra_ms = _connect_ms(dead) - _connect_ms(refusing)
    assert extra_ms <= 300, f"a dead first address cost {extra_ms:.0f} ms more"
    assert _connect_ms(dead) >= 240  # the second attempt waited its 250 ms, no more
    assert dead_wall < 3.0  # not a whole timeout
    notes = [t.text for t in dead.transcript if t.text.startswith("connect to")]
    assert any(first in n and "given up" in n for n in notes), notes
    assert any("127.0.0.1" in n and "connected" in n for n in notes), notes
    refused_notes = [t.text for t in refusing.transcript if t.text.startswith("connect to")]
    assert any(first in n and "refused" in n for n in refused_notes), refused_notes


@pytest.mark.dovecot
def test_every_address_tried_is_in_the_report_when_none_connects(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    from wizard.report import make_report, render_text

    first = _other_loopback()
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    with blackhole_on(first, 0) as dead_port, blackhole_on("127.0.0.1", dead_port):
        addrs = [(first, dead_port), ("127.0.0.1", dead_port)]
        t0 = time.monotonic()
        r = check_one(
            provider,
            provider.imap,
            GOOD_USER,
            GOOD_PASSWORD,
            timeout=1.0,
            resolver=lambda host, p: addrs,
        )
        elapsed = time.monotonic() - t0
    assert r.cause == "connection_timeout"
    assert elapsed < 1.0 + CLOSE_SLACK_S  # the whole connect phase within the connect bound
    text = render_text(make_report(GOOD_USER, provider, [r]))
    for ip in (first, "127.0.0.1"):
        assert f"connect to {ip} port {dead_port}: no answer by the end of the connect" in text


# -- the GUI's worker ------------------------------------------------------------------------------


def _ticking_worker(qtbot: Any, provider: Any, ca_pem: Path) -> tuple[Any, list[int], list[Any]]:
    """A CheckWorker started with a 20 ms GUI timer beside it recording the gaps between ticks."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    from wizard.ui.worker import CheckWorker

    worker = CheckWorker(provider, ADDRESS, PASSWORD, CheckOptions(ca_file=ca_pem, timeout=30))
    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    ticker = QTimer(worker)
    ticker.setInterval(20)
    ticker.timeout.connect(lambda: gaps.append(clock.restart()))
    ticker.start()
    results: list[Any] = []
    worker.finished.connect(results.append)
    worker.start()
    return worker, gaps, results


@pytest.mark.gui
def test_stop_ends_a_dripping_check_at_once_and_the_gui_keeps_ticking(
    qtbot: Any, tls: Any, tmp_path: Path
) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        settings = hostile_trio(stack, ctx, "capabilities", "drip")
        provider = load_provider(write_hostile_provider(tmp_path, "127.0.0.1", **settings))
        worker, gaps, results = _ticking_worker(qtbot, provider, ca_pem)
        qtbot.wait(800)  # the drip is under way; with --timeout 30 it would last a minute
        assert not results
        t0 = time.monotonic()
        worker.cancel()
        qtbot.waitUntil(lambda: bool(results), timeout=2000)
        stopped_after = time.monotonic() - t0
    assert stopped_after < 0.5, stopped_after
    assert all(r.cancelled for r in results[0])
    assert {r.service for r in results[0]} == {Service.IMAP, Service.SMTP, Service.SIEVE}
    assert max(gaps[1:]) < 250, f"the GUI thread stalled for {max(gaps)} ms"


@pytest.mark.gui
def test_a_flood_ends_by_itself_and_the_gui_keeps_ticking(
    qtbot: Any, tls: Any, tmp_path: Path
) -> None:
    ctx, ca_pem = tls
    with ExitStack() as stack:
        settings = hostile_trio(stack, ctx, "capabilities", "flood")
        provider = load_provider(write_hostile_provider(tmp_path, "127.0.0.1", **settings))
        worker, gaps, results = _ticking_worker(qtbot, provider, ca_pem)
        qtbot.waitUntil(lambda: bool(results), timeout=5000)
        qtbot.wait(100)
    assert {r.cause for r in results[0]} == {"protocol_error"}
    assert max(gaps[1:]) < 250, f"the GUI thread stalled for {max(gaps)} ms"


def test_cancel_interrupts_a_happy_eyeballs_wait_at_once(tmp_path: Path) -> None:
    import threading

    from wizard.checks.connect import happy_eyeballs

    with blackhole_on("127.0.0.1", 0) as port:
        cancel = CancelToken()
        threading.Timer(0.2, cancel.cancel).start()
        t0 = time.monotonic()
        with pytest.raises(Exception) as caught:
            happy_eyeballs([("127.0.0.1", port)], 10.0, cancel)
        elapsed = time.monotonic() - t0
    assert type(caught.value).__name__ == "CheckCancelled"
    assert elapsed < 0.5
