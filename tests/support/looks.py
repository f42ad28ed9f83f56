"""What a person sees on a page, measured: clipped text, contrast, visible words and buttons.

Used by the GUI tests that look (tests/test_gui_appearance.py, tests/test_gui_checking_looks.py):
each function walks the visible widgets of a page and returns what fails, so a test can assert
an empty list and print exactly which label broke.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QWidget,
)

from wizard.ui.widgets import StatusMark

_COLOR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})")


def shown(root: QWidget, cls: type) -> list:
    return [w for w in root.findChildren(cls) if w.isVisibleTo(root) and w.isVisible()]


def plain(text: str) -> str:
    """A label's text as the person reads it (rich text and mnemonics removed)."""
    if "<" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        text = doc.toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def clipped(root: QWidget) -> list[str]:
    """Labels and buttons given less room than their text needs (cut off or elided)."""
    bad = []
    for label in shown(root, QLabel):
        if not label.text() or label.pixmap() is not None and not label.pixmap().isNull():
            continue
        if label.wordWrap():
            need = label.heightForWidth(label.width())
            if need > label.height() + 1:
                bad.append(f"{plain(label.text())[:50]!r}: height {label.height()} < {need}")
        elif label.sizeHint().width() > label.width() + 1:
            bad.append(
                f"{plain(label.text())[:50]!r}: width {label.width()} < {label.sizeHint().width()}"
            )
    for button in shown(root, QAbstractButton):
        if button.text() and button.sizeHint().width() > button.width() + 1:
            bad.append(
                f"button {plain(button.text())!r}: width {button.width()} < "
                f"{button.sizeHint().width()}"
            )
    return bad


def luminance(c: QColor) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _foreground(w: QWidget) -> tuple[QColor, QColor]:
    pal = w.palette()
    group = QPalette.ColorGroup.Active if w.isEnabled() else QPalette.ColorGroup.Disabled
    if isinstance(w, QLineEdit):
        fg, bg = (
            pal.color(group, QPalette.ColorRole.Text),
            pal.color(group, QPalette.ColorRole.Base),
        )
    elif isinstance(w, QAbstractButton) and not isinstance(w, QCheckBox | QRadioButton):
        fg = pal.color(group, QPalette.ColorRole.ButtonText)
        bg = pal.color(group, QPalette.ColorRole.Button)
    else:
        fg = pal.color(group, QPalette.ColorRole.WindowText)
        bg = pal.color(group, QPalette.ColorRole.Window)
    m = _COLOR.search(w.styleSheet())
    if m:
        fg = QColor(m.group(1))
    return fg, bg


def low_contrast(root: QWidget, minimum: float = 4.5) -> list[str]:
    """Enabled text (labels, buttons, boxes) below WCAG AA against its background."""
    bad = []
    for w in shown(root, QLabel) + shown(root, QAbstractButton) + shown(root, QLineEdit):
        text = w.text() if not isinstance(w, QLineEdit) else (w.text() or w.placeholderText())
        if not text or not w.isEnabled():
            continue
        fg, bg = _foreground(w)
        ratio = contrast(fg, bg)
        if ratio < minimum:
            bad.append(f"{plain(text)[:40]!r}: {fg.name()} on {bg.name()} = {ratio:.2f}")
    return bad


def visible_words(root: QWidget) -> list[str]:
    """Every word a person can read on the page without expanding anything."""
    words: list[str] = []
    for label in shown(root, QLabel):
        if label.text() and not isinstance(label, StatusMark):  # an icon, drawn, not a word
            words += plain(label.text()).split()
    for button in shown(root, QAbstractButton):
        words += plain(button.text()).split()
    return words


def visible_buttons(root: QWidget) -> list[str]:
    """The push buttons a person can see (check boxes and radio buttons excluded)."""
    return [
        plain(b.text())
        for b in shown(root, QAbstractButton)
        if not isinstance(b, QCheckBox | QRadioButton) and b.text()
    ]


def weak_outlines(root: QWidget, minimum: float = 3.0) -> list[str]:
    """Enabled fields, check boxes and radio buttons whose drawn outline is under 3:1.

    Measured from the pixels of ``root.grab()``: along a horizontal line through the middle of
    the field's left edge (or of the indicator), the pixel that stands out most from the
    window colour is the outline; WCAG 1.4.11 asks 3:1 for it.
    """
    image = root.grab().toImage()
    ratio = image.width() / max(1, root.width())
    window = root.palette().color(QPalette.ColorRole.Window)
    bad = []
    for w in shown(root, QLineEdit) + shown(root, QCheckBox) + shown(root, QRadioButton):
        if not w.isEnabled():
            continue
        origin = w.mapTo(root, QPoint(0, 0))
        if isinstance(w, QLineEdit):
            span = 4
        else:
            metric = (
                QStyle.PixelMetric.PM_ExclusiveIndicatorWidth
                if isinstance(w, QRadioButton)
                else QStyle.PixelMetric.PM_IndicatorWidth
            )
            span = w.style().pixelMetric(metric, None, w) + 2
        y = round((origin.y() + w.height() / 2) * ratio)
        best = max(
            contrast(image.pixelColor(round((origin.x() + dx) * ratio), y + dy), window)
            for dx in range(span)
            for dy in (-1, 0, 1)
        )
        if best < minimum:
            name = plain(w.text()) if not isinstance(w, QLineEdit) else w.accessibleName()
            bad.append(f"outline of {name[:30]!r}: {best:.2f}:1")
    return bad


def primary_buttons(root: QWidget) -> list[QPushButton]:
    """The visible buttons painted as a page's main action (wizard.ui.style)."""
    return [b for b in shown(root, QPushButton) if b.property("primary")]


def weak_primary_text(root: QWidget, minimum: float = 4.5) -> list[str]:
    """Main-action buttons whose label, against the fill drawn under it, is under AA.

    The fill is sampled from ``root.grab()`` near the button's top and bottom edges (inside the
    border, away from the text), where a gradient is lightest and darkest. Three neighbouring
    pixels are read and the fill is the one that differs most from the text: the dotted focus
    frame some styles draw there (in the text's colour) is not the fill.
    """
    image = root.grab().toImage()
    ratio = image.width() / max(1, root.width())
    bad = []
    for button in primary_buttons(root):
        if not button.isEnabled():
            continue
        text = button.palette().color(QPalette.ColorRole.ButtonText)
        origin = button.mapTo(root, QPoint(0, 0))
        x = round((origin.x() + 6) * ratio)
        for y in (origin.y() + 3, origin.y() + button.height() - 4):
            fill = max(
                (image.pixelColor(x + dx, round(y * ratio)) for dx in (0, 1, 2)),
                key=lambda c: contrast(c, text),
            )
            ratio_found = contrast(fill, text)
            if ratio_found < minimum:
                bad.append(f"{plain(button.text())!r}: {text.name()} on {fill.name()}")
                break
    return bad
