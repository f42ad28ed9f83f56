"""A PROXY-protocol (v1) front on loopback, so a real server sees a chosen "public" address.

As HAProxy in front of Cloudron's mail server does, it opens a connection to the server for each
client and starts it with ``PROXY TCP4 <client> <server> <cport> <sport>``; the server (Haraka,
with the front's address among its haproxy hosts) then takes <client> as the peer. The client
address is only data in that header: every byte goes between loopback sockets. The front
connects from 127.0.0.2, so the server trusts PROXY from the front alone and direct connections
from 127.0.0.1 keep working as before.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from dataclasses import dataclass, field

FRONT_SOURCE = "127.0.0.2"


@dataclass
class ProxyFront:
    target_port: int
    claimed_ip: str  # the client address the server is told, e.g. 203.0.113.7
    port: int = 0
    _listener: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _sockets: list[socket.socket] = field(default_factory=list)
    _closing: threading.Event = field(default_factory=threading.Event)

    def start(self) -> ProxyFront:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        thread = threading.Thread(target=self._accept, name="proxy-front", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def _header(self, client_port: int) -> bytes:
        family = "TCP6" if ipaddress.ip_address(self.claimed_ip).version == 6 else "TCP4"
        server = "::1" if family == "TCP6" else "127.0.0.1"
        line = f"PROXY {family} {self.claimed_ip} {server} {client_port} {self.target_port}\r\n"
        return line.encode()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._closing.is_set():
            try:
                client, addr = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(
                    ("127.0.0.1", self.target_port), timeout=5, source_address=(FRONT_SOURCE, 0)
                )
                upstream.settimeout(None)
                upstream.sendall(self._header(int(addr[1])))
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=_pipe, args=(a, b), daemon=True)
                t.start()
                self._threads.append(t)

    def stop(self) -> None:
        """Shutdown, not just close: only that wakes a thread blocked in accept() or recv()."""
        self._closing.set()
        for s in [self._listener, *self._sockets]:
            if s is None:
                continue
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        for t in self._threads:
            t.join(5)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
