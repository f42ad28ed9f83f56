"""Hand-written servers for misbehaviour no real server can be made to show.

Each listens on 127.0.0.1 only, records what it received, and stops with the test.
"""

from __future__ import annotations

import random
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path


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


class WordOnlyStartTlsImap(_LoopbackServer):
    """Says yes to STARTTLS, then keeps talking plain text (or slips a line in first)."""

    def __init__(self, after_ok: bytes) -> None:
        super().__init__()
        self.after_ok = after_ok

    def handle(self, conn: socket.socket) -> None:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
        f = conn.makefile("rb")
        while line := f.readline():
            tag, _, command = line.strip().partition(b" ")
            if command.upper() == b"STARTTLS":
                conn.sendall(tag + b" OK Begin TLS negotiation now\r\n" + self.after_ok)
                time.sleep(0.5)
                return
            if command.upper() == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS\r\n" + tag + b" OK done\r\n")
            else:
                conn.sendall(tag + b" BAD no\r\n")


class GarbageServer(_LoopbackServer):
    """Answers every connection with bytes that are no mail protocol at all."""

    def __init__(self, payload: bytes = b"HTTP/1.1 400 Bad Request\r\n\r\n") -> None:
        super().__init__()
        self.payload = payload

    def handle(self, conn: socket.socket) -> None:
        conn.sendall(self.payload)


# -- hostile servers ---------------------------------------------------------------------------
# Each speaks just enough IMAP, SMTP or ManageSieve to reach a chosen phase of the dialogue, then
# misbehaves there. Every connection gets its own thread (the check's probe opens a second one
# while the first is still being dripped on), and every thread ends when the server stops.

PHASES = ("greeting", "capabilities", "after_tls")
BEHAVIOURS = ("drip", "flood", "huge_line", "silence", "garbage", "close")

DRIP_INTERVAL = 0.2  # well under any timeout a test uses: a per-read timeout never fires
_GARBAGE = bytes(random.Random(14).randbytes(4096))  # noqa: S311 - fixed junk, not crypto

# What a normal server says before the misbehaving part, and how its misbehaviour looks.
_FLOOD_LINE = {"imap": b"* OK flood\r\n", "smtp": b"250-flood\r\n", "sieve": b'"FLOOD" "x"\r\n'}
_DRIP_PREFIX = {"imap": b"* OK ", "smtp": b"250-", "sieve": b'"IMPLEMENTATION" "'}
_GREETING_DRIP_PREFIX = {"imap": b"* OK ", "smtp": b"220 ", "sieve": b'"IMPLEMENTATION" "'}


class _ThreadedServer:
    """Accepts on 127.0.0.1 (or ``host``) and handles every connection on a thread of its own."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._srv = socket.socket(family, socket.SOCK_STREAM)
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind((host, port))
        self._srv.listen(16)
        self.host = host
        self.port = self._srv.getsockname()[1]
        self.stop = threading.Event()
        self.connections = 0
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> _ThreadedServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._srv.close()
        for c in list(self._conns):
            with suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()
        self._acceptor.join(2)
        for t in self._threads:
            t.join(2)

    def _accept(self) -> None:
        self._srv.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self._srv.accept()
            except OSError:
                continue
            self.connections += 1
            self._conns.append(conn)
            t = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _run(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with suppress(OSError, ValueError):
            self.handle(conn)
        with suppress(OSError):
            conn.close()

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    # -- helpers for handlers ------------------------------------------------------------
    def hold(self, conn: socket.socket) -> None:
        """Say nothing more; keep the connection open until the client goes or the test ends."""
        conn.settimeout(0.1)
        while not self.stop.is_set():
            try:
                if not conn.recv(4096):
                    return
            except TimeoutError:
                continue

    def drip(self, conn: socket.socket, prefix: bytes) -> None:
        """``prefix``, then one byte every DRIP_INTERVAL for ever: never a newline."""
        conn.sendall(prefix)
        while not self.stop.wait(DRIP_INTERVAL):
            conn.sendall(b"x")

    def pour(self, conn: socket.socket, unit: bytes) -> None:
        """``unit`` repeated as fast as the client takes it, until it hangs up."""
        block = unit * max(1, 65536 // len(unit))
        while not self.stop.is_set():
            conn.sendall(block)


class HostileServer(_ThreadedServer):
    """A mail server that behaves until ``phase``, then does ``behaviour`` there.

    - ``protocol``: ``imap``, ``smtp`` or ``sieve``;
    - ``phase``: ``greeting`` (instead of the greeting), ``capabilities`` (instead of the
      CAPABILITY answer / EHLO reply / the capability lines of the Sieve greeting) or
      ``after_tls`` (right after the TLS handshake: implicit TLS when ``implicit_tls``, else
      after STARTTLS);
    - ``behaviour``: one of BEHAVIOURS.
    """

    def __init__(
        self,
        protocol: str,
        phase: str,
        behaviour: str,
        tls: ssl.SSLContext | None = None,
        *,
        implicit_tls: bool = False,
    ) -> None:
        super().__init__()
        assert protocol in _FLOOD_LINE and phase in PHASES and behaviour in BEHAVIOURS
        if phase == "after_tls" or implicit_tls:
            assert tls is not None, "a TLS phase needs a server context"
        self.protocol, self.phase, self.behaviour = protocol, phase, behaviour
        self.tls, self.implicit_tls = tls, implicit_tls

    def misbehave(self, conn: socket.socket, *, at_greeting: bool = False) -> None:
        b = self.behaviour
        if b == "close":
            return
        if b == "silence":
            self.hold(conn)
        elif b == "drip":
            prefixes = _GREETING_DRIP_PREFIX if at_greeting else _DRIP_PREFIX
            self.drip(conn, prefixes[self.protocol])
        elif b == "flood":
            self.pour(conn, _FLOOD_LINE[self.protocol])
        elif b == "huge_line":
            conn.sendall(_GREETING_DRIP_PREFIX[self.protocol])
            self.pour(conn, b"x" * 1024)
        elif b == "garbage":
            conn.sendall(_GARBAGE)
            self.hold(conn)

    def handle(self, conn: socket.socket) -> None:
        if self.implicit_tls:
            assert self.tls is not None
            conn = self.tls.wrap_socket(conn, server_side=True)
            if self.phase == "after_tls":
                return self.misbehave(conn, at_greeting=True)
        if self.phase == "greeting":
            return self.misbehave(conn, at_greeting=True)
        getattr(self, f"_{self.protocol}")(conn)

    def _upgrade(self, conn: socket.socket) -> socket.socket:
        assert self.tls is not None
        return self.tls.wrap_socket(conn, server_side=True)

    def _smtp(self, conn: socket.socket) -> None:
        conn.sendall(b"220 mx.test ESMTP\r\n")
        f = conn.makefile("rb")
        tls_done = self.implicit_tls
        while line := f.readline(1024):
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                if self.phase == "capabilities" or (self.phase == "after_tls" and tls_done):
                    return self.misbehave(conn)
                conn.sendall(b"250-mx.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n")
            elif cmd == b"STARTTLS" and not tls_done:
                conn.sendall(b"220 2.0.0 go ahead\r\n")
                conn = self._upgrade(conn)
                f = conn.makefile("rb")
                tls_done = True
            elif cmd == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 5.5.2 no\r\n")

    def _imap(self, conn: socket.socket) -> None:
        caps = b"IMAP4rev1 STARTTLS AUTH=PLAIN"
        if self.phase == "capabilities":
            conn.sendall(b"* OK ready\r\n")  # no capabilities: the client has to ask
        else:
            conn.sendall(b"* OK [CAPABILITY " + caps + b"] ready\r\n")
        f = conn.makefile("rb")
        while line := f.readline(1024):
            tag, _, rest = line.strip().partition(b" ")
            cmd = rest.split(b" ")[0].upper()
            if cmd == b"CAPABILITY":
                if self.phase == "capabilities" or self.phase == "after_tls":
                    return self.misbehave(conn)
                conn.sendall(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
            elif cmd == b"STARTTLS":
                conn.sendall(tag + b" OK begin TLS\r\n")
                conn = self._upgrade(conn)
                f = conn.makefile("rb")
            elif cmd == b"LOGOUT":
                conn.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                return
            else:
                conn.sendall(tag + b" NO no\r\n")

    def _sieve(self, conn: socket.socket) -> None:
        head = b'"IMPLEMENTATION" "hostile"\r\n"SASL" "PLAIN"\r\n"STARTTLS"\r\n'
        if self.phase == "capabilities":
            conn.sendall(b'"IMPLEMENTATION" "hostile"\r\n')
            return self.misbehave(conn)
        conn.sendall(head + b'OK "ready"\r\n')
        f = conn.makefile("rb")
        while line := f.readline(1024):
            cmd = line.strip().upper()
            if cmd == b"STARTTLS":
                conn.sendall(b'OK "begin TLS"\r\n')
                conn = self._upgrade(conn)
                return self.misbehave(conn)  # instead of restating the capabilities
            if cmd == b"LOGOUT":
                conn.sendall(b'OK "bye"\r\n')
                return
            conn.sendall(b'NO "no"\r\n')


class HttpServer(_ThreadedServer):
    """A web server where a mail server should be: waits for a request, answers 400, closes."""

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        while not self.stop.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return
            conn.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\n"
                b"Connection: close\r\n\r\nBad Request"
            )
            return


class TlsDripServer(_ThreadedServer):
    """Answers a TLS hello with the start of a 16 KB handshake record, then a byte at a time.

    Every read of the client's TLS library gets a byte before any per-read timeout: only a
    deadline that interrupts the handshake itself ends it.
    """

    def handle(self, conn: socket.socket) -> None:
        conn.recv(4096)  # the ClientHello
        self.drip_raw(conn, b"\x16\x03\x03\x40\x00")

    def drip_raw(self, conn: socket.socket, prefix: bytes) -> None:
        conn.sendall(prefix)
        while not self.stop.wait(DRIP_INTERVAL):
            conn.sendall(b"\x00")


@contextmanager
def blackhole_on(host: str, port: int) -> Iterator[int]:
    """Like :func:`blackhole_port`, on a given address and port (the dead one of two)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.bind((host, port))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(8):
        c = socket.socket(family, socket.SOCK_STREAM)
        c.setblocking(False)
        with suppress(BlockingIOError):
            c.connect((host, port))
        fillers.append(c)
    try:
        yield port
    finally:
        for c in fillers:
            c.close()
        srv.close()


HOSTILE_PROVIDER = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="hostile.test">
    <domain>hostile.test</domain>
    <displayName>Hostile</displayName>
    <incomingServer type="imap">
      <hostname>{host}</hostname><port>{imap[0]}</port><socketType>{imap[1]}</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname><port>{smtp[0]}</port><socketType>{smtp[1]}</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
    <manageSieveServer>
      <hostname>{host}</hostname><port>{sieve[0]}</port><socketType>{sieve[1]}</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </manageSieveServer>
  </emailProvider>
</clientConfig>
"""

HOSTILE_ADDRESS = "someone@hostile.test"


def write_hostile_provider(folder: Path, host: str, **services: tuple[int, str]) -> Path:
    """A provider file for ``imap=(port, socketType)``, ``smtp=…``, ``sieve=…`` on ``host``."""
    path = folder / "provider.xml"
    path.write_text(HOSTILE_PROVIDER.format(host=host, **services), encoding="utf-8")
    return path


def hostile_trio(
    stack: ExitStack, ctx: ssl.SSLContext, phase: str, behaviour: str
) -> dict[str, tuple[int, str]]:
    """Three hostile servers for one phase and behaviour, and the settings that reach them.

    At the greeting all three start in plain text (IMAP configured for STARTTLS, as on port
    143); later phases use implicit TLS for IMAP (993) and STARTTLS for SMTP and Sieve.
    """
    imap_tls = phase != "greeting"
    imap = stack.enter_context(HostileServer("imap", phase, behaviour, ctx, implicit_tls=imap_tls))
    smtp = stack.enter_context(HostileServer("smtp", phase, behaviour, ctx))
    sieve = stack.enter_context(HostileServer("sieve", phase, behaviour, ctx))
    return {
        "imap": (imap.port, "SSL" if imap_tls else "STARTTLS"),
        "smtp": (smtp.port, "STARTTLS"),
        "sieve": (sieve.port, "STARTTLS"),
    }


class InjectingImapServer(_ThreadedServer):
    """An IMAP server behind an on-path attacker who adds ``* CAPABILITY … LOGINDISABLED`` to
    the plain-text STARTTLS answer (RFC 3501 6.2.1 says to forget it; no real server sends it).

    Over TLS it offers LOGIN and AUTH=PLAIN and accepts the test login; ``commands`` keeps
    every command seen after TLS (credentials never asserted on, only the verbs).
    """

    def __init__(self, tls: ssl.SSLContext, login_reply: bytes = b"OK logged in") -> None:
        super().__init__()
        self.tls = tls
        self.login_reply = login_reply  # e.g. a NO [ALERT] that echoes what it was sent
        self.commands: list[str] = []

    def handle(self, conn: socket.socket) -> None:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n")
        f = conn.makefile("rb")
        line = f.readline()
        tag = line.split(b" ", 1)[0]
        conn.sendall(b"* CAPABILITY IMAP4rev1 LOGINDISABLED\r\n" + tag + b" OK begin TLS\r\n")
        secured = self.tls.wrap_socket(conn, server_side=True)
        g = secured.makefile("rb")
        while line := g.readline():
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            verb = rest.split(b" ", 1)[0].upper().decode()
            self.commands.append(verb)
            if verb == "CAPABILITY":
                secured.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            elif verb in ("LOGIN", "AUTHENTICATE"):
                secured.sendall(tag + b" " + self.login_reply + b"\r\n")
            elif verb == "LOGOUT":
                secured.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                return
            else:
                secured.sendall(tag + b" BAD unknown\r\n")
