"""The log reader: regions of a log in, sessions out, fast enough for a server's months of logs.

Speed comes from not looking at most lines. With ``--address`` or ``--ip`` the reader searches
each region for a few literal byte strings (``find``, which runs at memory speed) and parses
only the lines that contain one — plus, once a Haraka connection is known to matter, the lines
of its UUID (its connect line came before the address showed up; its deliveries come later
and never name the sender) and, for Cloudron's id-less ``authenticated as`` line, the AUTH hook
line after it. Without a filter every line is parsed. Chunks entirely outside ``--since`` /
``--until`` (or the report's time window) are skipped on their first and last stamps.

Memory stays bounded whatever the input: regions of a few MB in reused buffers, the last
LOOKBACK bytes kept for looking back, each line cut at MAX_LINE_CHARS before it is read, and
per-session state let go once a session is finished — or, past a count or a budget of kept
characters (``model.OPEN_BUDGET_CHARS``), the oldest unfinished ones reported early and counted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from wizard.logs.dovecot import DovecotTracker
from wizard.logs.haraka import HarakaTracker
from wizard.logs.lineformat import DovecotLine, HarakaLine, parse_line, parse_stamp
from wizard.logs.model import MAX_LINE_CHARS, Server, Session, Stamp
from wizard.logs.source import CHUNK, OpenLog, Region, lookback, open_log, windows
from wizard.servers import haraka

_UUID = re.compile(rb"\[(" + haraka.LOG_UUID.encode() + rb")")
_CLOUDRON_AUTH = haraka.CLOUDRON_AUTH_LINE.encode()
_AUTH_HOOK = haraka.AUTH_HOOK.encode()
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
    bytes_read: int = 0
    selective: bool = False  # only lines containing the filter's strings were read
    lines_read: int = 0  # counted only when every line is read
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


def _line_stamp(line: bytes | bytearray) -> Stamp | None:
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
        # bytes still to search for the AUTH hook line after a Cloudron "authenticated as"
        # that ended a region
        self.hook_pending = 0
        self.lo, self.hi = _bounds(filters)
        self.window = filters.window if (filters.address or filters.ip) else None

    # which lines of a region to parse -------------------------------------------------------

    def _outside(self, r: Region, lo: datetime | None, hi: datetime | None) -> bool:
        if lo is None and hi is None:
            return False
        buf, start, end = r
        first = _line_stamp(buf[start : start + 48])
        nl = buf.rfind(b"\n", start, end - 1)
        last_start = nl + 1 if nl >= 0 else start
        last = _line_stamp(buf[last_start : last_start + 48])
        if first is None or last is None or last < first:
            return False
        if hi is not None and first.comparable(hi) > hi:
            return True
        return lo is not None and last.comparable(lo) < lo

    @staticmethod
    def _hits(r: Region, needles: Iterable[bytes], into: set[int]) -> None:
        buf, lo, hi = r
        for needle in needles:
            pos = buf.find(needle, lo, hi)
            while pos >= 0:
                nl = buf.rfind(b"\n", lo, pos)
                into.add(nl + 1 if nl >= 0 else lo)
                end = buf.find(b"\n", pos, hi)
                if end < 0:
                    break
                pos = buf.find(needle, end, hi)

    @staticmethod
    def _line(r: Region, start: int) -> bytes | bytearray:
        buf, _lo, hi = r
        end = buf.find(b"\n", start, hi)
        return buf[start : end if end >= 0 else hi]

    def _select(
        self, r: Region, earlier: Callable[[], list[Region]]
    ) -> Sequence[bytes | bytearray]:
        buf, lo, hi = r
        if not self.selective:
            return buf[lo:hi].split(b"\n")
        if self.window and not self._outside(r, *self.window):
            return buf[lo:hi].split(b"\n")  # the report's minutes: read them all
        starts: set[int] = set()
        self._hits(r, self.base_needles, starts)
        self._hits(r, self.keys, starts)
        if self.hook_pending > 0:
            nxt = buf.find(_AUTH_HOOK, lo, hi)
            if nxt >= 0:
                nl = buf.rfind(b"\n", lo, nxt)
                starts.add(nl + 1 if nl >= 0 else lo)
                self.hook_pending = 0
            else:
                self.hook_pending -= hi - lo
        # Lines of a Haraka connection not yet followed: pick up its UUID, then its other lines.
        fresh: set[bytes] = set()
        for start in sorted(starts):
            line = self._line(r, start)
            if _CLOUDRON_AUTH in line:
                nxt = buf.find(_AUTH_HOOK, start + len(line), hi)
                if nxt >= 0:
                    nl = buf.rfind(b"\n", lo, nxt)
                    hook_start = nl + 1 if nl >= 0 else lo
                    starts.add(hook_start)
                    line = self._line(r, hook_start)
                else:
                    self.hook_pending = _HOOK_SEARCH
            m = _UUID.search(line, 0, 120)
            if m and bytes(m.group(1)) not in self.keys:
                fresh.add(bytes(m.group(1)))
        lines: list[bytes | bytearray] = []
        if fresh:
            self.keys |= fresh
            self._hits(r, fresh, starts)
            for old in earlier():
                early: set[int] = set()
                self._hits(old, fresh, early)
                lines.extend(self._line(old, start) for start in sorted(early))
        lines.extend(self._line(r, start) for start in sorted(starts))
        return lines

    # feeding --------------------------------------------------------------------------------

    def run(self, r: Region, earlier: Callable[[], list[Region]]) -> list[Session]:
        self.stats.bytes_read += r[2] - r[1]
        if self._outside(r, self.lo, self.hi):
            return []
        last_stamp: Stamp | None = None
        selected = self._select(r, earlier)
        if not self.selective:
            self.stats.lines_read += len(selected) - (1 if not selected[-1] else 0)
        for b in selected:
            if not b:
                continue
            raw = _text(b)
            self.stats.lines_examined += 1
            parsed = parse_line(raw)
            if parsed is None:
                self.stats.skipped_lines += 1
                continue
            if isinstance(parsed, DovecotLine):
                self.dovecot.feed(parsed, raw)
                self.stats.servers.add(Server.DOVECOT.value)
            else:
                assert isinstance(parsed, HarakaLine)
                self.haraka.feed(parsed, raw)
                last_stamp = parsed.stamp
                self.stats.servers.add(Server.HARAKA.value)
            if not parsed.stamp.year_known:
                self.stats.year_unknown = True
            if not parsed.stamp.zone_known:
                self.stats.zone_unknown = True
        if self.selective:
            # Most lines were not parsed: the region's last line says how late it is now.
            buf, start, end = r
            nl = buf.rfind(b"\n", start, end - 1)
            tail = _line_stamp(buf[nl + 1 if nl >= 0 else start : end][:48])
            if tail is not None and tail.year_known == (last_stamp or tail).year_known:
                last_stamp = max(last_stamp, tail) if last_stamp is not None else tail
        if last_stamp is not None:
            self.haraka.expire(last_stamp)
        return self._collect(self.dovecot.drain() + self.haraka.drain())

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


def _text(line: bytes | bytearray) -> str:
    """One line as text, cut at MAX_LINE_CHARS so that no crafted line is held whole."""
    if len(line) <= MAX_LINE_CHARS:
        return line.decode("utf-8", "replace").rstrip("\r")
    cut = len(line) - MAX_LINE_CHARS
    head = line[:MAX_LINE_CHARS].decode("utf-8", "replace")
    return f"{head} … [{cut} more bytes of this line not read]"


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
    engine.stats.selective = engine.selective
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
            for region in windows(log, chunk_size, keep=engine.selective):
                yield from engine.run(region, partial(lookback, log, region))
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
