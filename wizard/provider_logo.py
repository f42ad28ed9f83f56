"""The provider's ``<logo>``: a small image in the provider file's own folder, nothing else.

The logo is inlined into the handout people print and share, so the rule is strict (issue 28
item 5): a bare file name (no folder separators, no ``..``, no drive), a regular file in the
provider file's folder (a link there is not followed), a PNG, JPEG or SVG recognised by its
bytes (never by its name), at most :data:`MAX_LOGO_BYTES`, read with that cap so a huge or
endless file never reaches memory. A logo that breaks the rule is a clear error naming it; one
that does not exist is only missing (the app icon shows instead), as for a provider file
copied without its logo.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from wizard.errors import WizardError

MAX_LOGO_BYTES = 1_000_000
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_SVG_TAGS = ("svg", "{http://www.w3.org/2000/svg}svg")


class LogoError(WizardError, ValueError):
    """The logo breaks the rule; the message says how (the caller adds where)."""


@dataclass(frozen=True)
class LogoImage:
    data: bytes
    mime: str  # image/png, image/jpeg or image/svg+xml


def check_logo_name(name: str) -> str:
    """``name`` when it is a bare file name; LogoError otherwise."""
    bad = (
        not name
        or name in (".", "..")
        or any(sep in name for sep in ("/", "\\", ":", "\0"))
        or name != name.strip()
    )
    if bad:
        raise LogoError(
            f"{name!r} must be a file name in the provider file's own folder (no folders, no '..')"
        )
    return name


def logo_path(name: str, folder: Path) -> Path | None:
    """The logo's path in ``folder``, checked (kind, size, type); None when it does not exist."""
    path = folder / check_logo_name(name)
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LogoError(f"{name!r} cannot be read ({exc.strerror or exc})") from None
    read_logo(path)
    return path


def image_type(data: bytes) -> str | None:
    """The image's MIME type from its bytes: PNG, JPEG or SVG; None for anything else."""
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(_JPEG):
        return "image/jpeg"
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        try:
            root = SafeET.fromstring(data)
        except (DefusedXmlException, SafeET.ParseError, ValueError):
            return None
        if root.tag in _SVG_TAGS:
            return "image/svg+xml"
    return None


def read_logo(path: Path) -> LogoImage:
    """Read and recognise the logo, never more than the cap; LogoError when it breaks the rule."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise LogoError(f"{path.name!r} is a link; the logo must be the file itself")
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except LogoError:
        raise
    except OSError as exc:
        raise LogoError(f"{path.name!r} cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise LogoError(f"{path.name!r} is not a regular file")
        data = fh.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(f"{path.name!r} is larger than {MAX_LOGO_BYTES:,} bytes")
    mime = image_type(data)
    if mime is None:
        raise LogoError(f"{path.name!r} is not a PNG, JPEG or SVG image")
    return LogoImage(data, mime)


def load_logo(path: Path | None) -> LogoImage | None:
    """The logo for showing or printing, or None when there is none or it no longer passes
    the rule (replaced since the provider file was read): the app icon, or nothing, instead."""
    if path is None:
        return None
    try:
        return read_logo(path)
    except LogoError:
        return None
