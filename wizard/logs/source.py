"""Log files as regions of whole lines: plain or gzip (told by the magic bytes, not the name —
rotated logs are often ``.1.gz`` or renamed), a file or standard input (``-``).

Nothing reads a whole file into memory. Bytes go with ``readinto`` into a few reused buffers
of a few MB, so a big file costs no allocation (and no page faults) per chunk: the reader then
searches each buffer in place. The buffers of the last LOOKBACK bytes stay readable for
looking back; older ones are reused. A gzip stream is inflated with zlib (every member of a
concatenated file, as ``gzip -d`` does) into the same buffers.
"""

from __future__ import annotations

import io
import os
import sys
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeAlias

from wizard.errors import WizardError

CHUNK = 4 << 20
# How far back (bytes of log) the reader may look for earlier lines of a connection it has
# just started to follow (its connect line came before the line that named the address).
LOOKBACK = 8 << 20
# A "line" longer than this is not a log line: the file is refused rather than buffered.
_MAX_LINE = 64 << 20

Buffer: TypeAlias = bytes | bytearray
Region: TypeAlias = tuple[Buffer, int, int]  # buffer, start, end
_GZIP_MAGIC = b"\x1f\x8b"


class LogFileError(WizardError):
    """A log file that cannot be read; the message names it."""


@dataclass
class OpenLog:
    name: str
    raw: io.BufferedReader[Any]  # the file (or standard input) itself
    size: int  # bytes on disk (0 when unknown: a pipe)
    compressed: bool
    _history: deque[Region] = field(default_factory=deque)

    def position(self) -> int:
        """Bytes of the file consumed so far (compressed bytes for gzip), for progress."""
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self.raw is not _stdin():
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
    return OpenLog(name, buffered, size, head == _GZIP_MAGIC)


def windows(log: OpenLog, size: int = CHUNK, *, keep: bool = False) -> Iterator[Region]:
    """Regions of whole lines (the last may lack its line break), in file order.

    A region's buffer is valid until the next one is asked for, or — with ``keep`` — while it
    is within LOOKBACK bytes of the current one (``lookback`` returns those).
    """
    source = _Inflater(log) if log.compressed else _read(log)
    free: list[bytearray] = []
    held: deque[Region] = log._history
    held_bytes = 0
    carry = b""
    while True:
        need = len(carry) + size
        buf = free.pop() if free else bytearray(need)
        if len(buf) < need:
            buf = bytearray(need)  # a line longer than a chunk: a bigger buffer, once
        buf[: len(carry)] = carry
        got = source(buf, len(carry), size)
        end = len(carry) + got
        if got == 0:
            if end:
                yield buf, 0, end  # the last line, without its line break
            return
        cut = buf.rfind(b"\n", 0, end)
        if cut < 0:
            if end > _MAX_LINE:
                raise LogFileError(f"cannot read {log.name}: it has no line breaks")
            carry = bytes(buf[:end])
            free.append(buf)
            continue
        carry = bytes(buf[cut + 1 : end])
        region: Region = (buf, 0, cut + 1)
        yield region
        if not keep:
            free.append(buf)
            continue
        held.append(region)
        held_bytes += cut + 1
        while held_bytes - held[0][2] >= LOOKBACK:
            old, _start, old_end = held.popleft()
            held_bytes -= old_end
            if isinstance(old, bytearray):
                free.append(old)


def lookback(log: OpenLog, region: Region) -> list[Region]:
    """The regions before ``region``, up to LOOKBACK bytes, oldest first."""
    return [r for r in log._history if r[0] is not region[0]]


def _read(log: OpenLog) -> Callable[[bytearray, int, int], int]:
    def read(buf: bytearray, at: int, size: int) -> int:
        view = memoryview(buf)
        try:
            return log.raw.readinto(view[at : at + size]) or 0
        except OSError as exc:
            raise LogFileError(f"cannot read {log.name}: {exc.strerror or exc}") from None
        finally:
            view.release()

    return read


class _Inflater:
    """gzip members one after another, as ``gzip -d`` reads a concatenated file. The standard
    library's gzip module does the same; zlib alone keeps the bundle smaller."""

    def __init__(self, log: OpenLog) -> None:
        self._log = log
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._fed = False  # the current member has had input
        self._pending = b""

    def __call__(self, buf: bytearray, at: int, want: int) -> int:
        out = bytearray()
        while len(out) < want:
            data = self._pending or self._log.raw.read(1 << 16)
            self._pending = b""
            if not data:
                if self._fed and not self._z.eof:
                    raise LogFileError(f"cannot read {self._log.name}: the gzip data ends early")
                break
            self._fed = True
            try:
                out += self._z.decompress(data, want - len(out))
            except zlib.error as exc:
                raise LogFileError(f"cannot read {self._log.name}: {exc}") from None
            if self._z.unconsumed_tail:
                self._pending = self._z.unconsumed_tail
            elif self._z.eof:
                rest = self._z.unused_data
                self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
                self._fed = False
                if rest.strip(b"\0"):  # padding after the last member is allowed
                    self._pending = rest
        buf[at : at + len(out)] = out
        return len(out)
