"""The handout as an A4 PDF, laid out by Qt's own text engine (no browser involved).

The HTML's Qt flavour is laid out in a QTextDocument measured against the QPdfWriter, then
painted page by page so each page gets a footer (who it is for, page N of M) that QTextDocument's
own print() cannot add. Needs a QGuiApplication for fonts; ``ensure_gui_application`` makes one
for the CLI, headless where there is no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from wizard.handout.content import Handout
from wizard.handout.render_html import IT_TITLE, Flavour, render_html
from wizard.provider_logo import load_logo
from wizard.safe_files import atomic_write_with

# Device pixels per inch. Qt's rich text takes CSS lengths (margins, padding, borders, image
# sizes) as device pixels, so laying out at the screen's 96 dpi keeps them at their on-screen
# size; the PDF is vector output either way, and design metrics keep text spacing exact.
_RESOLUTION = 96
_MARGINS_MM = QMarginsF(16, 15, 16, 12)
_FOOTER_MM = 10.0
_LOGO_URL = "handout-logo"
_app: QGuiApplication | None = None


def ensure_gui_application() -> QCoreApplication:
    """Return the running Qt application, creating a (possibly headless) one if there is none."""
    global _app
    existing = QCoreApplication.instance()
    if existing is not None:
        if not isinstance(existing, QGuiApplication):
            raise RuntimeError("writing a PDF needs a QGuiApplication, not a QCoreApplication")
        return existing
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication([sys.argv[0] if sys.argv else "mail-setup-wizard"])
    return _app


def _mm_to_px(mm: float) -> float:
    return mm / 25.4 * _RESOLUTION


def _draw_footer(
    painter: QPainter, handout: Handout, page: int, pages: int, width: float, top: float
) -> None:
    painter.save()
    painter.setPen(QPen(QColor("#cfd6e0"), _mm_to_px(0.25)))
    painter.drawLine(QPointF(0, top), QPointF(width, top))
    font = QFont("DejaVu Sans")
    font.setPointSizeF(7.5)
    painter.setFont(font)
    painter.setPen(QColor("#56627a"))
    box = QRectF(0, top + _mm_to_px(1.5), width, _mm_to_px(_FOOTER_MM - 2))
    right = f"Page {page} of {pages}"
    metrics = QFontMetricsF(font, painter.device())
    room = width - metrics.horizontalAdvance(right) - _mm_to_px(6)
    left = f"{handout.organization} · Settings sheet for {handout.name} · {handout.address}"
    left = metrics.elidedText(left, Qt.TextElideMode.ElideMiddle, room)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), left)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), right)
    painter.restore()


def _guide_pages(document: QTextDocument, handout: Handout, page_height: float) -> dict[str, int]:
    """Client id to the page its guide's heading lands on (1-based)."""
    by_title = {client.title: client.client_id for client in handout.clients}
    by_title[IT_TITLE] = "it"  # IT's page is a section of its own for the spill check
    layout = document.documentLayout()
    found: dict[str, int] = {}
    block = document.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() == 2 and block.text() in by_title:
            # A forced page break puts the heading exactly on a page boundary; the nudge keeps
            # floating-point error from counting it on the page before.
            top = layout.blockBoundingRect(block).top() + 1.0
            found[by_title[block.text()]] = int(top // page_height) + 1
        block = block.next()
    return found


def _lay_out(
    document: QTextDocument,
    handout: Handout,
    logo_src: str | None,
    page_height: float,
    *,
    compact: bool,
) -> dict[str, int]:
    document.setHtml(render_html(handout, Flavour.QT, logo_src=logo_src, compact=compact))
    return _guide_pages(document, handout, page_height)


def _spills(starts: dict[str, int], total: int) -> bool:
    """Whether the summary or any guide takes more than the one page it is meant to fill."""
    firsts = sorted({1, *starts.values()})
    ends = [*(page - 1 for page in firsts[1:]), total]
    return any(end > first for first, end in zip(firsts, ends, strict=True))


def write_pdf(handout: Handout, path: Path) -> Path:
    """Write the handout as an A4 PDF at ``path`` and return the path.

    Qt writes a temporary file of ours, which then replaces ``path`` in one step: a link
    planted at ``path`` is refused, never written through (wizard.safe_files).
    """

    def render(tmp: Path) -> None:
        _render_pdf(handout, tmp)
        if tmp.stat().st_size == 0:
            raise OSError(f"the PDF could not be written to {path.parent}")

    return atomic_write_with(path, render)


def _render_pdf(handout: Handout, path: Path) -> None:
    ensure_gui_application()
    writer = QPdfWriter(str(path))
    writer.setResolution(_RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            _MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(handout.title)
    writer.setCreator("Mail Setup Wizard")

    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setUseDesignMetrics(True)
    document.documentLayout().setPaintDevice(writer)
    logo_src = None
    if handout.logo is not None:
        logo = load_logo(handout.logo)
        image = QImage.fromData(logo.data) if logo is not None else QImage()
        if not image.isNull():
            document.addResource(
                QTextDocument.ResourceType.ImageResource.value, QUrl(_LOGO_URL), image
            )
            logo_src = _LOGO_URL
    area = writer.pageLayout().paintRectPixels(_RESOLUTION)
    body = QSizeF(area.width(), area.height() - _mm_to_px(_FOOTER_MM))
    document.setPageSize(body)
    compact = False
    page_numbers = _lay_out(document, handout, logo_src, body.height(), compact=False)
    if _spills(page_numbers, document.pageCount()):
        # Something runs a few lines onto a page of its own: try tighter spacing, and keep it
        # only if it saves paper.
        normal_pages = document.pageCount()
        tight = _lay_out(document, handout, logo_src, body.height(), compact=True)
        compact = document.pageCount() < normal_pages
        page_numbers = tight if compact else page_numbers
    # Lay out once more with the page numbers in the list of guides (they only lengthen short
    # list lines, so nothing moves).
    document.setHtml(
        render_html(
            handout, Flavour.QT, logo_src=logo_src, page_numbers=page_numbers, compact=compact
        )
    )
    pages = document.pageCount()

    painter = QPainter(writer)
    try:
        for index in range(pages):
            if index:
                writer.newPage()
            painter.save()
            painter.translate(0, -index * body.height())
            document.drawContents(
                painter, QRectF(0, index * body.height(), body.width(), body.height())
            )
            painter.restore()
            _draw_footer(painter, handout, index + 1, pages, body.width(), body.height())
    finally:
        painter.end()
