"""The look's colours: the status colours for light and dark palettes, WCAG contrast, blending.

The contrast formula is hand-written because it is six lines of WCAG 2; the tests measure with
the same one.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


def luminance(color: QColor) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""

    def channel(value: int) -> float:
        s = value / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.red())
        + 0.7152 * channel(color.green())
        + 0.0722 * channel(color.blue())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: QColor, b: QColor, share_of_a: float) -> QColor:
    """``share_of_a`` of ``a`` and the rest of ``b``, channel by channel."""
    t = max(0.0, min(1.0, share_of_a))
    return QColor(
        round(a.red() * t + b.red() * (1 - t)),
        round(a.green() * t + b.green() * (1 - t)),
        round(a.blue() * t + b.blue() * (1 - t)),
    )


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def ok_color(widget: QWidget) -> QColor:
    return QColor("#7bd88f") if is_dark(widget) else QColor("#166b2f")


def fail_color(widget: QWidget) -> QColor:
    return QColor("#ff8a80") if is_dark(widget) else QColor("#b3261e")


def warn_color(widget: QWidget) -> QColor:
    return QColor("#ffd54f") if is_dark(widget) else QColor("#8a5a00")


def secondary_color(widget: QWidget) -> QColor:
    """Quieter than body text but far from the disabled grey: 3/4 text, 1/4 background.

    Disabled text says "you cannot use this"; an explanation is not that, and must stay
    readable (WCAG AA 4.5:1 against the window in light and dark palettes alike).
    """
    pal = widget.palette()
    fg = pal.color(QPalette.ColorRole.WindowText)
    bg = pal.color(QPalette.ColorRole.Window)
    return QColor(
        (3 * fg.red() + bg.red()) // 4,
        (3 * fg.green() + bg.green()) // 4,
        (3 * fg.blue() + bg.blue()) // 4,
    )
