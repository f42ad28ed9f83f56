"""Log files as windows of whole lines: plain or gzip (told by the magic bytes, not the name —
rotated logs are often ``.1.gz`` or renamed), a file or standard input (``-``).

Nothing reads a whole file into memory. A plain file is memory-mapped where the OS lets us
drop pages we are done with (``madvise``): the reader then searches the page cache in place,
with no copy at all, and pages behind the look-back distance leave the process's memory. A
gzip file or a pipe is read in chunks of a few MB, keeping the last few for looking back.
"""

from __future__ import annotations

import gzip
import io
import mmap
import os
import sys
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TypeAlias

from wizard.errors import WizardError

CHUNK = 4 << 20
# How far back (bytes of log) the reader may look for earlier lines of a connection it has
# just started to follow (its connect line came before the line that named the address).
LOOKBACK = 8 << 20

Buffer: TypeAlias = bytes | mmap.mmap
Region: TypeAlias = tuple[Buffer, int, int]  # buffer, start, end
_GZIP_MAGIC = b"\x1f\x8b"


class LogFileError(WizardError):
    """A log file that cannot be read; the message names it."""


@dataclass
class OpenLog:
    name: str
    stream: BinaryIO
    raw: BinaryIO  # the file itself, for progress by position
    size: int  # bytes on disk (0 when unknown: a pipe)
    compressed: bool
    mapped: mmap.mmap | None = None
    done: int = 0  # bytes handled so far (for progress)
    _history: deque[bytes] = field(default_factory=deque)

    def position(self) -> int:
        if self.mapped is not None:
            return self.done
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self.mapped is not None:
            self.mapped.close()
            self.mapped = None
        if self.raw is not _stdin():
            self.stream.close()
            self.raw.close()


def _stdin() -> BinaryIO:
    return sys.stdin.buffer


def open_log(name: str) -> OpenLog:
    """Open ``name`` (``-`` is standard input); gzip is detected by its first two bytes."""
    if name == "-":
        raw: BinaryIO = _stdin()
        size = 0
    else:
        try:
            raw = open(name, "rb")  # noqa: SIM115 - closed by OpenLog.close
            size = os.fstat(raw.fileno()).st_size
        except IsADirectoryError:
            raise LogFileError(f"cannot read {name}: it is a folder") from None
        except FileNotFoundError:
            raise LogFileError(f"cannot read {name}: no such file") from None
        except PermissionError:
            raise LogFileError(f"cannot read {name}: permission denied") from None
        except OSError as exc:
            raise LogFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
    try:
        head = buffered.peek(2)[:2]
    except OSError as exc:
        raise LogFileError(f"cannot read {name}: {exc.strerror or exc}") from None
    if head == _GZIP_MAGIC:
        stream: BinaryIO = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
        return OpenLog(name, stream, buffered, size, True)
    log = OpenLog(name, buffered, buffered, size, False)
    if size > 0 and hasattr(mmap, "MADV_DONTNEED") and name != "-":
        try:
            log.mapped = mmap.mmap(buffered.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            log.mapped = None  # a special file: read it as a stream
    return log


def windows(log: OpenLog, size: int = CHUNK, *, keep: bool = False) -> Iterator[Region]:
    """Regions of whole lines (the last may lack its line break), in file order.

    With ``keep`` the regions before the current one stay readable through ``lookback``.
    """
    if log.mapped is not None:
        yield from _mapped_windows(log, log.mapped, size)
    else:
        for chunk in _chunks(log, size):
            yield chunk, 0, len(chunk)
            log.done += len(chunk)
            if keep:
                log._history.append(chunk)
                held = sum(len(c) for c in log._history)
                while held - len(log._history[0]) >= LOOKBACK:
                    held -= len(log._history.popleft())


def lookback(log: OpenLog, region: Region) -> list[Region]:
    """The regions before ``region``, up to LOOKBACK bytes, oldest first."""
    buf, lo, _hi = region
    if log.mapped is not None and buf is log.mapped:
        return [(buf, max(0, lo - LOOKBACK), lo)]
    return [(old, 0, len(old)) for old in log._history if old is not buf]


def _mapped_windows(log: OpenLog, m: mmap.mmap, size: int) -> Iterator[Region]:
    total = len(m)
    lo = 0
    dropped = 0
    page = mmap.PAGESIZE
    while lo < total:
        hi = m.find(b"\n", min(lo + size, total) - 1)
        hi = total if hi < 0 else hi + 1
        yield m, lo, hi
        log.done = hi
        lo = hi
        # Pages well behind the look-back distance leave our memory (they stay in the page
        # cache), so the resident size stays flat on any file size.
        # (Dropping is always safe: a dropped page read again comes back from the cache.)
        keep_from = (max(0, lo - LOOKBACK) // page) * page
        if keep_from - dropped >= LOOKBACK:
            m.madvise(mmap.MADV_DONTNEED, dropped, keep_from - dropped)
            dropped = keep_from


def _chunks(log: OpenLog, size: int) -> Iterator[bytes]:
    """Chunks ending on a line break (the last one may not); a damaged gzip stops with an error
    naming the file."""
    tail = b""
    while True:
        try:
            block = log.stream.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise LogFileError(f"cannot read {log.name}: {exc}") from None
        if not block:
            if tail:
                yield tail
            return
        cut = block.rfind(b"\n")
        if cut < 0:
            tail += block
            if len(tail) > 64 * size:  # no line break in 256 MB: not a log
                raise LogFileError(f"cannot read {log.name}: it has no line breaks")
            continue
        head = block if cut == len(block) - 1 else block[: cut + 1]
        yield tail + head if tail else head
        tail = block[cut + 1 :]
