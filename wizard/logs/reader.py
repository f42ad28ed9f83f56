"""The log reader: chunks in, sessions out, fast enough for a server's months of logs.

Speed comes from not looking at most lines. With ``--address`` or ``--ip`` the reader searches
each chunk for a few literal byte strings (``bytes.find``, which runs at memory speed) and parses
only the lines that contain one — plus, once a Haraka connection is known to matter, the lines
of its UUID (its connect line came before the address showed up; its deliveries come later
and never name the sender) and, for Cloudron's id-less ``authenticated as`` line, the AUTH hook
line after it. Without a filter every line is parsed. Chunks entirely outside ``--since`` /
``--until`` (or the report's time window) are skipped on their first and last stamps.

Memory stays bounded: chunks of a few MB, the last LOOKBACK bytes kept for looking back, per-session
state evicted once a session is finished (or, past a cap, the oldest first).
"""

from __future__ import annotations

import ipaddress
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from wizard.logs.dovecot import DovecotTracker
from wizard.logs.haraka import HarakaTracker
from wizard.logs.lineformat import DovecotLine, HarakaLine, parse_line, parse_stamp
from wizard.logs.model import Server, Session, Stamp
from wizard.logs.source import CHUNK, OpenLog, chunks, open_log

_UUID = re.compile(
    rb"\[([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"
)
_CLOUDRON_AUTH = b"[cloudron] authenticated as"
_AUTH_HOOK = b"params=AUTH"
# How far back (bytes of log) the lines of a newly followed connection are looked for: its
# connect line came before the line that named the address. A connection lasts seconds; this
# is minutes of a busy server's log.
LOOKBACK = 8 << 20
# How far (bytes) the AUTH hook line that follows Cloudron's "authenticated as" is looked for.
_HOOK_SEARCH = 1 << 20


@dataclass
class Filters:
    """What the person asked about; empty fields match everything."""

    address: str = ""
    ip: str = ""  # an address or a range (CIDR)
    since: datetime | None = None
    until: datetime | None = None
    # Extra literal strings whose lines are worth reading (a report's login, IPs, session ids).
    hints: tuple[str, ...] = ()
    # A time window whose every line is read (a report's attempts, ± the slack).
    window: tuple[datetime, datetime] | None = None

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        if not self.ip:
            return None
        return ipaddress.ip_network(self.ip, strict=False)

    @property
    def local_part(self) -> str:
        return self.address.split("@", 1)[0].lower() if self.address else ""

    def matches(self, s: Session) -> bool:
        if self.address and not self._address_matches(s):
            return False
        if self.ip:
            try:
                net = self.network
                if net is None or not s.client_ip or ipaddress.ip_address(s.client_ip) not in net:
                    return False
            except ValueError:
                return False
        if self.since and s.last.comparable(self.since) < self.since:
            return False
        return not (self.until and s.started.comparable(self.until) > self.until)

    def _address_matches(self, s: Session) -> bool:
        want = self.address.lower()
        names = [s.user] + [t.sender for t in s.transactions.values()]
        names += [r for t in s.transactions.values() for r in t.recipients]
        for name in names:
            name = name.lower()
            if not name:
                continue
            if name == want or (name.split("@", 1)[0] == self.local_part and "@" not in want):
                return True
            if "@" not in name and name == self.local_part:
                return True  # a short login for this address
            if want.startswith("@") and name.endswith(want):
                return True
        return False


@dataclass
class Stats:
    lines_read: int = 0
    lines_examined: int = 0
    skipped_lines: int = 0  # examined, but neither Dovecot's nor Haraka's
    year_unknown: bool = False
    zone_unknown: bool = False
    evicted: int = 0
    files: list[str] = field(default_factory=list)
    cancelled: bool = False
    servers: set[str] = field(default_factory=set)


Progress = Callable[[int, int], None]


def _needles(filters: Filters) -> list[bytes]:
    """Literal strings a line must contain to be worth parsing, or [] to parse every line."""
    out: list[str] = []
    if filters.address:
        local = filters.address.split("@", 1)[0]
        out.append(local if local else filters.address)
        if local.lower() != local:
            out.append(local.lower())
    if filters.ip:
        net = filters.network
        if net is not None and net.num_addresses == 1:
            out.append(str(net.network_address))
        elif net is not None and net.version == 4 and net.prefixlen >= 8:
            octets = str(net.network_address).split(".")[: net.prefixlen // 8]
            out.append(".".join(octets) + ".")
        else:
            return []  # a wide or IPv6 range: no cheap literal, read everything
    if (filters.address or filters.ip) and filters.hints:
        out.extend(h for h in filters.hints if h)
    return sorted({n.encode() for n in out if n})


def _bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    lo, hi = filters.since, filters.until
    if filters.window and not (filters.address or filters.ip):
        lo = filters.window[0] if lo is None else max(lo, filters.window[0])
        hi = filters.window[1] if hi is None else min(hi, filters.window[1])
    return lo, hi


def _line_stamp(line: bytes) -> Stamp | None:
    got = parse_stamp(line[:48].decode("ascii", "replace"))
    return got[0] if got else None


class _Engine:
    def __init__(self, filters: Filters, domain_hint: str) -> None:
        self.filters = filters
        self.stats = Stats()
        self.dovecot = DovecotTracker(domain_hint=domain_hint)
        self.haraka = HarakaTracker()
        self.base_needles = _needles(filters)
        self.selective = bool(self.base_needles)
        self.keys: set[bytes] = set()  # Haraka connection UUIDs worth following
        self.history: deque[bytes] = deque()  # the chunks before this one, LOOKBACK bytes
        self.history_bytes = 0
        # bytes still to search for the AUTH hook line after a Cloudron "authenticated as"
        # that ended a chunk
        self.hook_pending = 0
        self.lo, self.hi = _bounds(filters)
        self.window = filters.window if (filters.address or filters.ip) else None

    # which lines of a chunk to parse --------------------------------------------------------

    def _outside(self, chunk: bytes, lo: datetime | None, hi: datetime | None) -> bool:
        if lo is None and hi is None:
            return False
        first = _line_stamp(chunk)
        end = chunk.rfind(b"\n", 0, len(chunk) - 1)
        last = _line_stamp(chunk[end + 1 :])
        if first is None or last is None or last < first:
            return False
        if hi is not None and first.comparable(hi) > hi:
            return True
        return lo is not None and last.comparable(lo) < lo

    def _hits(self, chunk: bytes, needles: Iterable[bytes], into: set[int]) -> None:
        for needle in needles:
            pos = chunk.find(needle)
            while pos >= 0:
                start = chunk.rfind(b"\n", 0, pos) + 1
                into.add(start)
                end = chunk.find(b"\n", pos)
                if end < 0:
                    break
                pos = chunk.find(needle, end)

    def _select(self, chunk: bytes) -> list[bytes]:
        if not self.selective:
            return chunk.split(b"\n")
        if self.window and not self._outside(chunk, *self.window):
            return chunk.split(b"\n")  # the report's minutes: read them all
        starts: set[int] = set()
        self._hits(chunk, self.base_needles, starts)
        self._hits(chunk, self.keys, starts)
        if self.hook_pending > 0:
            nxt = chunk.find(_AUTH_HOOK)
            if nxt >= 0:
                starts.add(chunk.rfind(b"\n", 0, nxt) + 1)
                self.hook_pending = 0
            else:
                self.hook_pending -= len(chunk)
        # Lines of a Haraka connection not yet followed: pick up its UUID, then its other lines.
        fresh: set[bytes] = set()
        for start in sorted(starts):
            end = chunk.find(b"\n", start)
            line = chunk[start : end if end >= 0 else len(chunk)]
            if _CLOUDRON_AUTH in line:
                nxt = chunk.find(_AUTH_HOOK, start + len(line))
                if nxt >= 0:
                    hook_start = chunk.rfind(b"\n", 0, nxt) + 1
                    starts.add(hook_start)
                    line = chunk[hook_start : chunk.find(b"\n", nxt)]
                else:
                    self.hook_pending = _HOOK_SEARCH
            m = _UUID.search(line, 0, 120)
            if m and m.group(1) not in self.keys:
                fresh.add(m.group(1))
        lookback: list[bytes] = []
        if fresh:
            self.keys |= fresh
            self._hits(chunk, fresh, starts)
            for old in self.history:
                early: set[int] = set()
                self._hits(old, fresh, early)
                for start in sorted(early):
                    end = old.find(b"\n", start)
                    lookback.append(old[start : end if end >= 0 else len(old)])
        lines = lookback
        for start in sorted(starts):
            end = chunk.find(b"\n", start)
            lines.append(chunk[start : end if end >= 0 else len(chunk)])
        return lines

    # feeding --------------------------------------------------------------------------------

    def run_chunk(self, chunk: bytes) -> list[Session]:
        self.stats.lines_read += chunk.count(b"\n")
        if self._outside(chunk, self.lo, self.hi):
            self._remember(chunk)
            return []
        last_stamp: Stamp | None = None
        for b in self._select(chunk):
            if not b:
                continue
            raw = b.decode("utf-8", "replace").rstrip("\r")
            self.stats.lines_examined += 1
            parsed = parse_line(raw)
            if parsed is None:
                self.stats.skipped_lines += 1
                continue
            last_stamp = parsed.stamp
            if isinstance(parsed, DovecotLine):
                self.dovecot.feed(parsed, raw)
                self.stats.servers.add(Server.DOVECOT.value)
            else:
                assert isinstance(parsed, HarakaLine)
                self.haraka.feed(parsed, raw)
                self.stats.servers.add(Server.HARAKA.value)
            if not parsed.stamp.year_known:
                self.stats.year_unknown = True
            if not parsed.stamp.zone_known:
                self.stats.zone_unknown = True
        if last_stamp is not None:
            self.haraka.expire(last_stamp)
        self._remember(chunk)
        return self._collect(self.dovecot.drain() + self.haraka.drain())

    def _remember(self, chunk: bytes) -> None:
        if not self.selective:
            return
        self.history.append(chunk)
        self.history_bytes += len(chunk)
        while self.history_bytes - len(self.history[0]) >= LOOKBACK:
            self.history_bytes -= len(self.history.popleft())

    def finish(self) -> list[Session]:
        self.stats.evicted = self.dovecot.evicted + self.haraka.evicted
        return self._collect(self.dovecot.flush() + self.haraka.flush())

    def _collect(self, done: list[Session]) -> list[Session]:
        out = []
        for s in done:
            if s.server is Server.HARAKA and s.session_id:
                self.keys.discard(s.session_id.encode())
            if self.filters.matches(s) or _hinted(s, self.filters):
                out.append(s)
        out.sort(key=lambda s: s.started)
        return out


def _hinted(s: Session, filters: Filters) -> bool:
    """A session inside the report's window whose login or address the report names."""
    if not filters.window or not filters.hints:
        return False
    lo, hi = filters.window
    if s.started.comparable(lo) < lo or s.started.comparable(hi) > hi:
        return False
    names = {s.user.lower(), s.client_ip, s.session_id}
    return any(h.lower() in names for h in filters.hints if h)


def read_sessions(
    names: Iterable[str],
    filters: Filters,
    *,
    stats: Stats | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_size: int = CHUNK,
    domain_hint: str = "",
) -> Iterator[Session]:
    """Sessions matching ``filters`` from the files ``names``, in the order they finish.

    Raises LogFileError (naming the file) before reading anything when a file cannot be
    opened; ``stats`` is filled in as the files are read.
    """
    engine = _Engine(filters, domain_hint or filters.address.partition("@")[2])
    if stats is not None:
        engine.stats = stats
    names = list(names)
    logs = [open_log(n) for n in names]  # every file opens, or nothing is read
    engine.stats.files = names
    return _run(engine, logs, progress, cancelled, chunk_size)


def _run(
    engine: _Engine,
    logs: list[OpenLog],
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    chunk_size: int,
) -> Iterator[Session]:
    total = sum(log.size for log in logs)
    base = 0
    try:
        for log in logs:
            for chunk in chunks(log, chunk_size):
                yield from engine.run_chunk(chunk)
                if progress is not None:
                    progress(base + log.position(), total)
                if cancelled is not None and cancelled():
                    engine.stats.cancelled = True
                    return
            base += log.size
            log.close()
        yield from engine.finish()
    finally:
        for log in logs:
            log.close()
