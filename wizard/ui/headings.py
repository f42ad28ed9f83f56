"""The page heading grows with the text: QWizard sets it 4 points above the body text.

Four points over 9 pt is a clear heading (1.44×); over 18 pt (200 % text) it is 1.22× and the
page loses its shape. QWizard has no API for the title's font, so the label showing the current
page's title is found by its text and given 1.45× the body size.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWizard

HEADING_SCALE = 1.45


def heading_label(wizard: QWizard) -> QLabel | None:
    page = wizard.currentPage()
    if page is None or not page.title():
        return None
    return next(
        (
            label
            for label in wizard.findChildren(QLabel)
            if label.text() == page.title() and not page.isAncestorOf(label)
        ),
        None,
    )


def scale_heading(wizard: QWizard) -> None:
    label = heading_label(wizard)
    if label is None:
        return
    font = label.font()
    size = wizard.font().pointSizeF() * HEADING_SCALE
    if font.bold() and abs(font.pointSizeF() - size) < 0.01:
        return
    font.setBold(True)
    font.setPointSizeF(size)
    label.setFont(font)
    layout = wizard.layout()
    if layout is not None:
        layout.activate()  # now, not on the next turn: the page is measured as shown
