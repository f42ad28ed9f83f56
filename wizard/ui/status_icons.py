"""One icon set for a line's status: ok, failed, neutral and busy, drawn the same size.

Each icon is one line of text high and centred on the line it stands beside, so a tick, a cross
and the spinner line up with each other and with the text at any size.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from wizard.checks.model import StepStatus
from wizard.ui.colors import fail_color, ok_color, secondary_color


def icon_size(widget: QWidget) -> QSize:
    """One line of text high: every status icon, busy or settled, takes the same square."""
    h = max(16, widget.fontMetrics().height())
    return QSize(h, h)


def _icon_rect(widget: QWidget) -> QRectF:
    """The icon's circle, centred in the widget (so centred on the line it stands beside)."""
    side = min(widget.width(), widget.height()) - 2
    return QRectF((widget.width() - side) / 2, (widget.height() - side) / 2, side, side)


class Spinner(QWidget):
    """A turning arc the size of a status icon; Qt has no built-in busy indicator for widgets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._tick)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Working")

    def sizeHint(self) -> QSize:
        return icon_size(self)

    def minimumSizeHint(self) -> QSize:
        return icon_size(self)

    def start(self) -> None:
        self._timer.start()
        self.show()

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    def _tick(self) -> None:
        self._angle = (self._angle + 30) % 360
        self.update()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = _icon_rect(self)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), max(2.0, rect.width() / 8))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        m = pen.widthF() / 2
        p.drawArc(rect.adjusted(m, m, -m, -m), -self._angle * 16, 270 * 16)
        p.end()


class StatusMark(QLabel):
    """Ok, failed, neutral or waiting for one line, drawn as one icon set.

    Glyphs (✓ ✗ –) came from different fonts at different sizes and sat below the text's
    baseline; these are drawn: a filled circle one line high with a tick, a cross or a dash,
    centred on the line. The glyph stays the label's text (what tests and screen readers read
    with the accessible name), it is just not what is painted.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._status: StepStatus | None = None

    def sizeHint(self) -> QSize:
        return icon_size(self)

    def minimumSizeHint(self) -> QSize:
        return icon_size(self)

    def set_status(self, status: StepStatus) -> None:
        self._status = status
        glyph, name = {
            StepStatus.OK: ("✓", "Passed"),
            StepStatus.FAILED: ("✗", "Failed"),
            StepStatus.SKIPPED: ("–", "Skipped"),
        }.get(status, ("…", "In progress"))
        self.setText(glyph)
        self.setAccessibleName(name)
        self.update()

    def set_ok(self, name: str) -> None:
        """A tick with its own spoken name ("Added", "Ready")."""
        self.set_status(StepStatus.OK)
        self.setAccessibleName(name)

    def set_failed(self, name: str) -> None:
        self.set_status(StepStatus.FAILED)
        self.setAccessibleName(name)

    def paintEvent(self, event: object) -> None:
        status = self._status
        if status is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = _icon_rect(self)
        color = {
            StepStatus.OK: ok_color(self),
            StepStatus.FAILED: fail_color(self),
        }.get(status, secondary_color(self))
        stroke = max(1.5, rect.width() / 9)
        if status is StepStatus.RUNNING:
            p.setPen(QPen(color, stroke))
            m = stroke / 2
            p.drawEllipse(rect.adjusted(m, m, -m, -m))
            p.end()
            return
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(rect)
        pen = QPen(self.palette().color(QPalette.ColorRole.Window), stroke)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        c, r = rect.center(), rect.width() * 0.25
        if status is StepStatus.OK:
            tick = QPainterPath(QPointF(c.x() - r, c.y()))
            tick.lineTo(QPointF(c.x() - r * 0.25, c.y() + r * 0.7))
            tick.lineTo(QPointF(c.x() + r, c.y() - r * 0.65))
            p.drawPath(tick)
        elif status is StepStatus.FAILED:
            d = r * 0.8
            p.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
            p.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))
        else:
            p.drawLine(QPointF(c.x() - r, c.y()), QPointF(c.x() + r, c.y()))
        p.end()
