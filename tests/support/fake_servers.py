"""Hand-written servers for misbehaviour no real server can be made to show.

Each listens on 127.0.0.1 only, records what it received, and stops with the test.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word (a firewall that lets SYN through, a hung
    server)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def loop() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


@contextmanager
def blackhole_port() -> Iterator[int]:
    """A listening socket whose backlog is full, so new connections are never accepted.

    Loopback cannot drop SYNs without root firewall rules; a listener with backlog 0 that is
    never accepted from, pre-filled with connections, makes further connects hang the same way.
    """
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(8):
        c = socket.socket()
        c.setblocking(False)
        with suppress(BlockingIOError):
            c.connect(("127.0.0.1", port))
        fillers.append(c)
    try:
        yield port
    finally:
        for c in fillers:
            c.close()
        srv.close()


class _LoopbackServer:
    """Accepts on 127.0.0.1 in a thread and hands each connection to ``handle``."""

    def __init__(self) -> None:
        self._srv = socket.socket()
        self._srv.bind(("127.0.0.1", 0))
        self._srv.listen(4)
        self.port = self._srv.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> _LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._srv.close()
        self._thread.join(2)

    def _serve(self) -> None:
        self._srv.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                with suppress(OSError):
                    self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError


class NoStartTlsSmtp(_LoopbackServer):
    """An SMTP server that never offers STARTTLS but does offer AUTH (a stripping middlebox)."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[bytes] = []

    def handle(self, conn: socket.socket) -> None:
        f = conn.makefile("rb")
        conn.sendall(b"220 mx.test ESMTP ready\r\n")
        while line := f.readline():
            self.received.append(line)
            cmd = line.strip().upper()
            if cmd.startswith((b"EHLO", b"HELO")):
                conn.sendall(b"250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif cmd.startswith(b"AUTH"):
                conn.sendall(b"235 2.7.0 ok\r\n")
            elif cmd.startswith(b"QUIT"):
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 5.5.2 no\r\n")


class GarbageServer(_LoopbackServer):
    """Answers every connection with bytes that are no mail protocol at all."""

    def __init__(self, payload: bytes = b"HTTP/1.1 400 Bad Request\r\n\r\n") -> None:
        super().__init__()
        self.payload = payload

    def handle(self, conn: socket.socket) -> None:
        conn.sendall(self.payload)
