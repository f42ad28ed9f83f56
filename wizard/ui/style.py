"""The app's look: visible control outlines, indicators that grow with the text, one accent.

Qt's Fusion style (the default off Windows and macOS) draws field outlines, check boxes and
radio buttons in the window colour darkened by 40 %: about 2:1 against a light window and
1.1:1 against a dark one, where WCAG 1.4.11 asks 3:1; and it draws indicators 14 px square at
any text size. A QProxyStyle over whatever style is in use repaints just those three
primitives and scales their metrics with the font, so the rest keeps the platform's look. A
style sheet could not do it: styling an indicator there means replacing its whole drawing,
tick glyph included, with images.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QPushButton,
    QStyle,
    QStyleOption,
    QWidget,
)

from wizard.ui.colors import contrast, mix
from wizard.ui.pyside_workarounds import keep_singletons_alive

# What WCAG 2.1 asks of a control's boundary (1.4.11) and of body text (1.4.3).
NON_TEXT_CONTRAST = 3.0
TEXT_CONTRAST = 4.5
PRIMARY_PROPERTY = "primary"


def outline_color(palette: QPalette) -> QColor:
    """The first blend of window and text colour that stands 3:1 off the window and the fields."""
    active = QPalette.ColorGroup.Active
    window = palette.color(active, QPalette.ColorRole.Window)
    base = palette.color(active, QPalette.ColorRole.Base)
    text = palette.color(active, QPalette.ColorRole.WindowText)
    for step in range(20, 101, 5):
        color = mix(text, window, step / 100)
        if min(contrast(color, window), contrast(color, base)) >= NON_TEXT_CONTRAST + 0.1:
            return color
    return text


def accent_colors(palette: QPalette) -> tuple[QColor, QColor]:
    """(fill, text) of the accent: the desktop's highlight, moved until its text reads at AA.

    Fusion's light highlight (#308cc6) carries white text at only 3.6:1, so it is darkened (or,
    under dark text, lightened) step by step; it then also stands 3:1 off the window.
    """
    active = QPalette.ColorGroup.Active
    fill = QColor(palette.color(active, QPalette.ColorRole.Highlight))
    text = QColor(palette.color(active, QPalette.ColorRole.HighlightedText))
    window = palette.color(active, QPalette.ColorRole.Window)
    toward = QColor("#000000") if text.lightness() > 127 else QColor("#ffffff")
    for _ in range(40):
        if (
            contrast(fill, text) >= TEXT_CONTRAST + 0.5  # Fusion lightens the top of a button
            and contrast(fill, window) >= NON_TEXT_CONTRAST
        ):
            break
        fill = mix(toward, fill, 0.06)
    return fill, text


def _font_height(widget: QWidget | None) -> int:
    font = widget.font() if widget is not None else QApplication.font()
    return QFontMetrics(font).height()


class WizardStyle(QProxyStyle):
    """The platform's style, with outlines, indicators and button padding people can see."""

    _INDICATORS = (
        QStyle.PixelMetric.PM_IndicatorWidth,
        QStyle.PixelMetric.PM_IndicatorHeight,
        QStyle.PixelMetric.PM_ExclusiveIndicatorWidth,
        QStyle.PixelMetric.PM_ExclusiveIndicatorHeight,
    )

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        base = super().pixelMetric(metric, option, widget)
        if metric in self._INDICATORS:
            # About the height of a capital letter and a half: 14 px at 9 pt, 27 px at 18 pt.
            return max(base, round(_font_height(widget) * 0.85))
        if metric in (
            QStyle.PixelMetric.PM_CheckBoxLabelSpacing,
            QStyle.PixelMetric.PM_RadioButtonLabelSpacing,
        ):
            return max(base, round(_font_height(widget) * 0.4))
        if metric in (QStyle.PixelMetric.PM_SmallIconSize, QStyle.PixelMetric.PM_ButtonIconSize):
            # Fold arrows ("Details", "Set up by hand instead") and small icons grow with text.
            return max(base, round(_font_height(widget) * 0.9))
        if metric is QStyle.PixelMetric.PM_ButtonMargin:
            return max(base, round(_font_height(widget) * 0.5))
        return base

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element is QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            self._check_box(option, painter)
        elif element is QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            self._radio(option, painter)
        elif element is QStyle.PrimitiveElement.PE_FrameLineEdit:
            self._field_frame(option, painter)
        elif element in self._ARROWS:
            self._arrow(element, option, painter)
        elif (
            element is QStyle.PrimitiveElement.PE_PanelButtonCommand
            and widget is not None
            and bool(widget.property(PRIMARY_PROPERTY))
            and option.state & QStyle.StateFlag.State_Enabled
        ):
            self._primary_panel(option, painter)
        else:
            super().drawPrimitive(element, option, painter, widget)

    _ARROWS = (
        QStyle.PrimitiveElement.PE_IndicatorArrowRight,
        QStyle.PrimitiveElement.PE_IndicatorArrowDown,
    )

    @staticmethod
    def _arrow(element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter) -> None:
        """The fold arrows ("Details"): a triangle half the text's height, in the text colour.

        Fusion draws a fixed 7 px arrow whatever the text size.
        """
        rect = QRectF(option.rect)
        side = max(7.0, min(rect.width(), rect.height()) * 0.5)
        c = rect.center()
        h = side / 2
        if element is QStyle.PrimitiveElement.PE_IndicatorArrowRight:
            points = [
                QPointF(c.x() - h / 2, c.y() - h),
                QPointF(c.x() + h / 2, c.y()),
                QPointF(c.x() - h / 2, c.y() + h),
            ]
        else:
            points = [
                QPointF(c.x() - h, c.y() - h / 2),
                QPointF(c.x() + h, c.y() - h / 2),
                QPointF(c.x(), c.y() + h / 2),
            ]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(option.palette.color(QPalette.ColorRole.ButtonText))
        painter.drawPolygon(points)
        painter.restore()

    @staticmethod
    def _primary_panel(option: QStyleOption, painter: QPainter) -> None:
        """The main action: a flat accent fill. Fusion's gradient lightened the top of it to
        2.7:1 under white text; flat, the text keeps the accent's AA contrast everywhere."""
        fill = option.palette.color(QPalette.ColorRole.Button)
        if option.state & QStyle.StateFlag.State_Sunken:
            fill = fill.darker(115)
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(fill.darker(130), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 3, 3)
        if option.state & QStyle.StateFlag.State_HasFocus:
            ring = option.palette.color(QPalette.ColorRole.ButtonText)
            painter.setPen(QPen(ring, 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(3, 3, -3, -3), 2, 2)
        painter.restore()

    @staticmethod
    def _pens(option: QStyleOption) -> tuple[QColor, QColor, QColor, bool]:
        """(outline, accent fill, accent text, enabled) for this option's palette."""
        pal = option.palette
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        outline = outline_color(pal)
        fill, text = accent_colors(pal)
        if not enabled:
            grey = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
            outline = fill = grey
            text = pal.color(QPalette.ColorRole.Base)
        return outline, fill, text, enabled

    def _check_box(self, option: QStyleOption, painter: QPainter) -> None:
        outline, fill, text, _ = self._pens(option)
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        width = max(1.5, rect.height() / 9)
        on = bool(option.state & QStyle.StateFlag.State_On)
        partial = bool(option.state & QStyle.StateFlag.State_NoChange)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(fill if on or partial else outline, width))
        painter.setBrush(fill if on or partial else option.palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, rect.height() / 6, rect.height() / 6)
        pen = QPen(text, max(1.5, rect.height() / 7))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        r = rect.adjusted(rect.width() * 0.22, rect.height() * 0.22, -rect.width() * 0.22, 0)
        if on:
            tick = QPainterPath(QPointF(r.left(), r.top() + r.height() * 0.45))
            tick.lineTo(QPointF(r.left() + r.width() * 0.38, r.top() + r.height() * 0.72))
            tick.lineTo(QPointF(r.right(), r.top()))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(tick)
        elif partial:
            y = rect.center().y()
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        painter.restore()

    def _radio(self, option: QStyleOption, painter: QPainter) -> None:
        outline, fill, _text, _ = self._pens(option)
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        width = max(1.5, rect.height() / 9)
        on = bool(option.state & QStyle.StateFlag.State_On)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(fill if on else outline, width * (1.5 if on else 1)))
        painter.setBrush(option.palette.color(QPalette.ColorRole.Base))
        painter.drawEllipse(rect)
        if on:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            dot = rect.height() * 0.28
            painter.drawEllipse(rect.center(), dot, dot)
        painter.restore()

    def _field_frame(self, option: QStyleOption, painter: QPainter) -> None:
        outline, fill, _text, enabled = self._pens(option)
        focused = enabled and bool(option.state & QStyle.StateFlag.State_HasFocus)
        # A field marked invalid (the page sets the "invalid" property) keeps a red outline.
        invalid = option.styleObject is not None and bool(option.styleObject.property("invalid"))
        color = QColor(option.styleObject.property("invalidColor")) if invalid else None
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 2.0 if focused or invalid else 1.0
        painter.setPen(QPen(color or (fill if focused else outline), width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        rect = QRectF(option.rect).adjusted(width / 2, width / 2, -width / 2, -width / 2)
        painter.drawRoundedRect(rect, 2, 2)
        painter.restore()


def install_style(app: QApplication) -> None:
    """Wrap the app's style once (idempotent: every window calls it)."""
    if isinstance(app.style(), WizardStyle):
        return
    # Its drawPrimitive is a Python override of a void virtual: PySide drops a reference to
    # None on each call (wizard.ui.pyside_workarounds).
    keep_singletons_alive()
    app.setStyle(WizardStyle(app.style().name()))


def set_primary(button: QPushButton, primary: bool) -> None:
    """Paint ``button`` as the page's main action (accent fill) or back as an ordinary one."""
    button.setProperty(PRIMARY_PROPERTY, primary)
    if not primary:
        button.setPalette(QPalette())
        return
    pal = QPalette(button.palette())
    fill, text = accent_colors(pal)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        pal.setColor(group, QPalette.ColorRole.Button, fill)
        pal.setColor(group, QPalette.ColorRole.ButtonText, text)
    button.setPalette(pal)


def is_primary(button: QPushButton) -> bool:
    return bool(button.property(PRIMARY_PROPERTY))
