"""The benchmark's delay proxy: bytes arrive intact and in order, round trips are counted right.

No timing is asserted here (benchmarks measure time, tests do not); the delay only needs to be
large enough that the two directions do not interleave, so the round-trip count is determined.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from bench.proxy import DelayProxy


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A loopback server that sends every line it receives straight back."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as f:
                for line in f:
                    conn.sendall(line)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield int(srv.getsockname()[1])
    srv.close()


def _exchange(port: int, lines: list[bytes], *, pipelined: bool) -> bytes:
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s, s.makefile("rb") as f:
        if pipelined:
            s.sendall(b"".join(lines))
            got = b"".join(f.readline() for _ in lines)
        else:
            for line in lines:
                s.sendall(line)
                got += f.readline()
    return got


@pytest.mark.parametrize("rtt_ms", [0, 60])
def test_bytes_arrive_intact_and_in_order(echo_port: int, rtt_ms: float) -> None:
    payload = [f"line {i} ".encode() + bytes(range(32, 127)) * 50 + b"\n" for i in range(20)]
    with DelayProxy(rtt_ms) as proxy:
        port = proxy.add_route("echo", echo_port)
        assert _exchange(port, payload, pipelined=True) == b"".join(payload)


def test_round_trips_count_waits_not_lines(echo_port: int) -> None:
    lines = [b"one\n", b"two\n", b"three\n"]
    with DelayProxy(60) as proxy:
        port = proxy.add_route("echo", echo_port)
        _exchange(port, lines, pipelined=False)
        assert proxy.wait_idle()
        (one_by_one,) = proxy.take_logs()
        _exchange(port, lines, pipelined=True)
        assert proxy.wait_idle()
        (pipelined,) = proxy.take_logs()
    assert one_by_one.round_trips() == 3
    assert pipelined.round_trips() == 1
    assert one_by_one.bytes("c2s") == pipelined.bytes("s2c") == sum(map(len, lines))


def test_silent_route_accepts_and_never_answers() -> None:
    with DelayProxy() as proxy:
        port = proxy.add_route("silent", 9, silent=True)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"hello?\r\n")
            s.settimeout(0.3)
            with pytest.raises(TimeoutError):
                s.recv(1)
