"""Writing the files the app makes (the handout, the configuration profile, the remembered
settings) without following a link it did not create and without leaving the folder meant.

Each write goes to a fresh temporary file the app creates in the target's own folder
(``mkstemp``: exclusive, never through an existing name), then ``os.replace`` puts it in place.
A rename replaces a name, never what a link points at, so a link planted after the check below
is replaced, not written through. A link (or a folder, a device) already in the target's place
is refused with a clear message rather than replaced: someone put it there for a reason.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from wizard.errors import WizardError


class UnsafeTarget(WizardError, OSError):
    """The target is a link, not a regular file, or outside the folder meant; nothing written."""


def check_target(path: Path, folder: Path | None = None) -> None:
    """Refuse ``path`` when its last part is a symbolic link or anything but a regular file,
    or (with ``folder``) when it does not lie directly in ``folder``."""
    if folder is not None and path.parent.resolve() != folder.resolve():
        raise UnsafeTarget(f"{path} is not in {folder}; nothing was written")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeTarget(
            f"{path} is a symbolic link, which this app did not create and does not follow; "
            f"nothing was written (remove the link or choose another name)"
        )
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeTarget(f"{path} exists and is not a regular file; nothing was written")


def fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the OS allows opening a folder (not Windows)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_with(
    path: Path,
    write: Callable[[Path], None],
    *,
    mode: int = 0o644,
    folder: Path | None = None,
    prefix: str | None = None,
) -> Path:
    """Let ``write`` fill a new temporary file of ours, then put it at ``path`` in one step.

    For writers that want a path (Qt's PDF writer); :func:`atomic_write_bytes` for bytes.
    Raises OSError (``UnsafeTarget`` for a refused target); the temporary file never stays.
    """
    check_target(path, folder)
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp"
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            if sys.platform != "win32":
                os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
    return path


def atomic_write_bytes(
    path: Path,
    data: bytes,
    *,
    mode: int = 0o644,
    folder: Path | None = None,
    prefix: str | None = None,
) -> Path:
    """Replace ``path`` with ``data`` in one step (see the module's docstring)."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write_with(path, write, mode=mode, folder=folder, prefix=prefix)
