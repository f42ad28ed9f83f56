"""Log files as a stream of chunks of whole lines: plain or gzip (told by the magic bytes, not
the name — rotated logs are often ``.1.gz`` or renamed), a file or standard input (``-``).

Nothing reads a whole file: chunks are a few MB, so memory stays flat whatever the size.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from wizard.errors import WizardError

CHUNK = 4 << 20
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

    def position(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
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
    return OpenLog(name, buffered, buffered, size, False)


def chunks(log: OpenLog, size: int = CHUNK) -> Iterator[bytes]:
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
        yield tail + block[: cut + 1]
        tail = block[cut + 1 :]
