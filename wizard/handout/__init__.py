"""The printable onboarding handout: one person's settings, steps per client, troubleshooting.

``write_handout`` writes both the standalone HTML and the PDF. The PDF part imports Qt only when
called, so building or rendering the HTML works without Qt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wizard.handout.content import Handout, build_handout
from wizard.handout.render_html import Flavour, render_html
from wizard.provider import Provider
from wizard.safe_files import atomic_write_bytes

__all__ = [
    "Flavour",
    "Handout",
    "HandoutFiles",
    "build_handout",
    "handout_stem",
    "render_html",
    "write_handout",
    "write_html",
]


@dataclass(frozen=True)
class HandoutFiles:
    html: Path
    pdf: Path


def handout_stem(address: str) -> str:
    """A file name stem safe on every platform, e.g. ``mail-setup-joe.bloggs@sepheo.co``."""
    return "mail-setup-" + re.sub(r"[^A-Za-z0-9@._+-]", "_", address)


def write_html(handout: Handout, path: Path) -> Path:
    """Write the HTML in one step; a link in its place is refused, not followed."""
    return atomic_write_bytes(path, render_html(handout).encode("utf-8"))


def write_handout(
    provider: Provider,
    address: str,
    name: str,
    out_dir: Path,
    client_ids: Iterable[str] | None = None,
) -> HandoutFiles:
    """Write ``<stem>.html`` and ``<stem>.pdf`` into ``out_dir`` (created if missing).

    ``address`` and ``name`` must already be checked (wizard.address); ``client_ids`` picks the
    guides to include, all that apply when None. Needs a QGuiApplication for the PDF (one is
    created if none is running).
    """
    from wizard.handout.pdf import write_pdf

    handout = build_handout(provider, address, name, client_ids)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = handout_stem(address)
    html_path = write_html(handout, out_dir / f"{stem}.html")
    pdf_path = write_pdf(handout, out_dir / f"{stem}.pdf")
    return HandoutFiles(html_path, pdf_path)
