"""Finding a helper program (``openssl``) by absolute path, never in the current folder.

``shutil.which`` on Windows looks in the current folder before ``PATH`` (as ``cmd.exe`` does),
and a bare name handed to ``subprocess`` is resolved by ``CreateProcess`` the same way: an
``openssl.exe`` saved into the folder the person works in would run with IT's signing key.
This walks ``PATH`` itself, skipping empty, relative and ``.`` entries, and returns an absolute
path or None.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path, PurePath, PureWindowsPath


def _is_absolute(entry: str, platform: str) -> bool:
    if platform == "win32":
        return PureWindowsPath(entry).is_absolute()
    return entry.startswith("/")


def find_program(
    name: str,
    *,
    path: str | None = None,
    platform: str | None = None,
    pathext: Sequence[str] | None = None,
) -> Path | None:
    """The absolute path of program ``name`` from ``PATH``'s absolute folders, else None.

    A ``name`` with a folder in it is refused (None): callers name a program, not a file. The
    keyword arguments exist for tests.
    """
    platform = platform or sys.platform
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return None
    search = os.environ.get("PATH", os.defpath) if path is None else path
    sep = ";" if platform == "win32" else ":"
    names = [name]
    if platform == "win32" and not PurePath(name).suffix:
        exts = pathext if pathext is not None else (os.environ.get("PATHEXT") or ".EXE").split(";")
        names = [name + ext.lower() for ext in exts if ext] + [name]
    for entry in search.split(sep):
        entry = entry.strip().strip('"')
        if not entry or not _is_absolute(entry, platform):
            continue  # "", "." and relative folders mean the current folder: never
        for candidate_name in names:
            candidate = Path(entry) / candidate_name
            if candidate.is_file() and (platform == "win32" or os.access(candidate, os.X_OK)):
                return candidate
    return None
