"""A loopback TCP proxy that adds a fixed one-way delay in each direction, and counts round trips.

Every chunk read from one side is stamped with ``now + delay`` and queued; a writer task sends
each chunk when its time comes. Chunks keep their order and the delay is not added per chunk
(a burst of ten chunks arrives ``delay`` later, not ten times ``delay`` later).

What a user-space proxy cannot delay is TCP's own handshake: the kernel answers the SYN at
once, so ``connect()`` returns immediately. The server side is opened one one-way delay after
the client connected, so a greeting sent by the server still reaches the client one full round
trip after ``connect()`` returned, as it would on a real link; only the connect's own RTT is
missing, and the benchmark adds it back by arithmetic.

It listens on 127.0.0.1 and connects to 127.0.0.1 only, and runs its own event loop in a
background thread so the (blocking, threaded) checks can run unchanged in the caller's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, Self

LOOPBACK = "127.0.0.1"
CHUNK = 65536

Direction = Literal["c2s", "s2c"]


@dataclass
class ConnectionLog:
    """What went through one proxied connection, as the client saw it.

    Client-to-server chunks are stamped when the proxy read them (the moment the client sent
    them); server-to-client chunks when the proxy released them (the moment the client got
    them). The list is in time order because one event loop thread appends to it.
    """

    route: str
    opened_at: float
    events: list[tuple[float, Direction, int]] = field(default_factory=list)
    closed_at: float | None = None

    def round_trips(self, until: float | None = None) -> int:
        """How many times the client waited to hear from the server.

        One per run of server-to-client chunks that follows something the client sent (or the
        connect itself, for a server that speaks first). Meaningful only with a delay large
        enough to keep the two directions apart in time (say 20 ms or more); the TCP
        handshake is not included. ``until`` (a ``time.monotonic()`` value, the same clock in
        every process) counts only what reached the client before then, e.g. before the
        verdict: a goodbye's answer read after it was not waited for.
        """
        count = 0
        last: Direction | None = None
        for at, direction, _ in self.events:
            if until is not None and at > until:
                break
            if direction == "s2c" and last != "s2c":
                count += 1
            last = direction
        return count

    def server_ms(self, rtt_ms: float, until: float | None = None) -> float:
        """The server's own time, summed over the waits: what the injected RTT does not explain.

        For each wait, from the last thing the client sent (or the connect) to the first byte
        of the answer reaching the client, minus one RTT. Same meaning of ``until`` as in
        :meth:`round_trips`.
        """
        total = 0.0
        asked = self.opened_at
        last: Direction | None = None
        for at, direction, _ in self.events:
            if until is not None and at > until:
                break
            if direction == "c2s":
                asked = at
            elif last != "s2c":
                total += max(0.0, (at - asked) * 1000 - rtt_ms)
            last = direction
        return total

    def client_flights(self) -> int:
        """Runs of client-to-server chunks with no server data in between."""
        count = 0
        last: Direction | None = None
        for _, direction, _ in self.events:
            if direction == "c2s" and last != "c2s":
                count += 1
            last = direction
        return count

    def bytes(self, direction: Direction) -> int:
        return sum(size for _, d, size in self.events if d == direction)


@dataclass(frozen=True)
class Route:
    name: str
    target_port: int
    silent: bool = False


class DelayProxy:
    """Start with ``start()`` (or ``with``); add a route per backend port; set ``rtt_ms``."""

    def __init__(self, rtt_ms: float = 0.0) -> None:
        self.rtt_ms = rtt_ms
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._logs: list[ConnectionLog] = []
        self._open = 0
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Self:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="delay-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(TimeoutError):
            self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration ------------------------------------------------------------------------
    def add_route(self, name: str, target_port: int, *, silent: bool = False) -> int:
        """Listen on a free loopback port that forwards to ``target_port``; return that port.

        ``silent`` accepts connections and never forwards or answers anything (a hung server,
        a middlebox that lets the SYN through and then drops everything).
        """
        route = Route(name, target_port, silent)

        async def listen() -> int:
            server = await asyncio.start_server(lambda r, w: self._handle(route, r, w), LOOPBACK, 0)
            self._servers.append(server)
            return int(server.sockets[0].getsockname()[1])

        return self._run(listen())

    @property
    def one_way_s(self) -> float:
        return self.rtt_ms / 2000.0

    # -- results ------------------------------------------------------------------------------
    def take_logs(self) -> list[ConnectionLog]:
        """The logs of all connections since the last call, and forget them."""
        with self._lock:
            logs, self._logs = self._logs, []
        return logs

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every proxied connection has closed on both sides."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._open == 0:
                    return True
            time.sleep(0.005)
        return False

    # -- internals ----------------------------------------------------------------------------
    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        assert self._loop is not None, "start() the proxy first"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _handle(
        self, route: Route, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(route, reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(
        self, route: Route, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        delay = self.one_way_s
        log = ConnectionLog(route.name, time.monotonic())
        with self._lock:
            self._logs.append(log)
            self._open += 1
        server_w: asyncio.StreamWriter | None = None
        try:
            if route.silent:
                while await client_r.read(CHUNK):
                    pass
                return
            c2s: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
            tasks = [asyncio.create_task(_read_into(client_r, c2s, delay, log, "c2s"))]
            try:
                # The server hears of the connection one one-way delay after the client.
                await asyncio.sleep(delay)
                server_r, server_w = await asyncio.open_connection(LOOPBACK, route.target_port)
                s2c: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
                tasks += [
                    asyncio.create_task(_write_from(c2s, server_w, None)),
                    asyncio.create_task(_read_into(server_r, s2c, delay, None, "s2c")),
                    asyncio.create_task(_write_from(s2c, client_w, log)),
                ]
                # Ends when both directions have passed their end of stream on, or one fails.
                await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        except (OSError, asyncio.IncompleteReadError):
            pass  # a side went away; the other is closed below
        finally:
            log.closed_at = time.monotonic()
            for w in (client_w, server_w):
                if w is not None:
                    w.close()
                    with contextlib.suppress(OSError, asyncio.CancelledError):
                        await w.wait_closed()
            with self._lock:
                self._open -= 1


async def _read_into(
    reader: asyncio.StreamReader,
    queue: asyncio.Queue[tuple[float, bytes]],
    delay: float,
    log: ConnectionLog | None,
    direction: Direction,
) -> None:
    """Read chunks until end of stream, stamping each with the time it may be passed on."""
    loop = asyncio.get_running_loop()
    while True:
        data = await reader.read(CHUNK)
        now = loop.time()
        if log is not None and data:
            log.events.append((time.monotonic(), direction, len(data)))
        queue.put_nowait((now + delay, data))
        if not data:
            return


async def _write_from(
    queue: asyncio.Queue[tuple[float, bytes]],
    writer: asyncio.StreamWriter,
    log: ConnectionLog | None,
) -> None:
    """Pass each chunk on at its stamped time; an empty chunk is the end of the stream."""
    loop = asyncio.get_running_loop()
    record: Callable[[int], None] = (
        (lambda n: log.events.append((time.monotonic(), "s2c", n)))
        if log is not None
        else (lambda n: None)
    )
    while True:
        due, data = await queue.get()
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if not data:
            if writer.can_write_eof():
                writer.write_eof()
            return
        writer.write(data)
        record(len(data))
        await writer.drain()
