"""Small reusable widgets: labels that wrap or elide, the password box, a service's live row.

The status icons live in ``wizard.ui.status_icons`` and the colours in ``wizard.ui.colors``;
both are re-exported here for the pages.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from wizard import words
from wizard.checks.model import CheckResult, Step, StepName, StepStatus
from wizard.safe_text import visible
from wizard.ui.colors import fail_color, is_dark, ok_color, secondary_color, warn_color
from wizard.ui.status_icons import Spinner, StatusMark, icon_size

__all__ = [
    "ElidedLabel",
    "PasswordEdit",
    "ServiceRow",
    "Spinner",
    "StatusMark",
    "WrappingLabel",
    "fail_color",
    "icon_size",
    "is_dark",
    "ok_color",
    "secondary_color",
    "secondary_label",
    "warn_color",
    "wrapping_label",
]


def secondary_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A wrapping label for explanations beside a control, in :func:`secondary_color`."""
    label = wrapping_label(text, parent)
    label.setProperty("secondary", True)
    label.setStyleSheet(f"color: {secondary_color(label).name()};")
    return label


class WrappingLabel(QLabel):
    """A word-wrapped label whose preferred height is its text's height at its real width.

    QLabel reports the height of its text wrapped at a narrow width, and QFormLayout sizes
    rows by that rather than by height-for-width: a short note then sat above a blank band.
    """

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 0 and self.wordWrap() and self.text():
            return QSize(hint.width(), max(self.heightForWidth(self.width()), 1))
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self.width() > 0 and self.wordWrap() and self.text():
            return QSize(hint.width(), max(self.heightForWidth(self.width()), 1))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        before = event.oldSize()
        super().resizeEvent(event)
        if before.width() != event.size().width():
            self.updateGeometry()  # the height for the new width is the new preferred height


def wrapping_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = WrappingLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    # Top-aligned: a wrapped label is often given more height than its text needs at the
    # final width, and centred text then floats in the middle of a gap.
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit (Qt cuts a QLabel mid-word, silently)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = text
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setAccessibleName(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        if shown != self.text():
            self.setText(shown)

    def sizeHint(self) -> QSize:
        # The room the elided text needs, so the layout never reads it as cut off.
        hint = super().sizeHint()
        return QSize(min(hint.width(), max(self.width(), 1)), hint.height())


class PasswordEdit(QLineEdit):
    """A masked box that guesses Caps Lock from typed letters (Qt cannot read the key state).

    A subclass rather than an event filter: a Python event filter sees every event of the
    box, Polish events of a window being freed included, and PySide crashes wrapping those.
    """

    caps_lock = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        # Keep the password out of the X11 primary selection and drag: Qt already blocks copy
        # from a Password field; these stop the other routes. The context menu is our own,
        # with Paste only: people paste passwords from their password manager.
        self.setDragEnabled(False)

    def context_menu(self) -> QMenu:
        """Paste, and nothing that would take the password out (no Copy, Cut or Select All)."""
        menu = QMenu(self)
        paste = menu.addAction("&Paste")
        paste.setEnabled(not self.isReadOnly() and bool(QGuiApplication.clipboard().text()))
        paste.triggered.connect(self.paste)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if len(text) == 1 and text.isalpha() and text.lower() != text.upper():
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.caps_lock.emit(text.isupper() != shift)
        super().keyPressEvent(event)


class ServiceRow(QWidget):
    """One service (incoming, outgoing, filters): live steps, then a verdict and its time."""

    def __init__(self, title: str, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 4)
        head = QHBoxLayout()
        self.spinner = Spinner(self)
        self.mark = StatusMark(self)
        self.mark.hide()
        self.title = QLabel(f"<b>{title}</b>", self)
        self.subtitle = QLabel(subtitle, self)
        self.subtitle.setStyleSheet(f"color: {secondary_color(self).name()};")
        self.time = QLabel("", self)
        head.addWidget(self.spinner)
        head.addWidget(self.mark)
        head.addWidget(self.title)
        head.addWidget(self.subtitle, 1)
        head.addWidget(self.time)
        outer.addLayout(head)
        self.steps_box = QWidget(self)
        self.steps = QGridLayout(self.steps_box)
        self.steps.setContentsMargins(28, 0, 0, 0)
        self.steps.setHorizontalSpacing(8)
        self.steps.setVerticalSpacing(1)
        self.steps.setColumnStretch(1, 1)
        outer.addWidget(self.steps_box)
        self.verdict = wrapping_label("", self)
        self.verdict.setContentsMargins(28, 2, 0, 0)
        self.verdict.hide()
        outer.addWidget(self.verdict)
        self._rows: dict[StepName, tuple[StatusMark, QLabel, QLabel]] = {}
        self.reset()

    def reset(self) -> None:
        while self.steps.count():
            item = self.steps.takeAt(0)
            w = item.widget() if item else None
            if w is not None:
                w.deleteLater()
        self._rows.clear()
        self.spinner.hide()
        self.mark.hide()
        self.time.setText("")
        self.verdict.hide()
        self.verdict.setText("")

    def start(self) -> None:
        self.reset()
        self.steps_box.show()
        self.mark.hide()
        self.spinner.start()

    def wait(self, note: str) -> None:
        """Not running (yet, or at all): a dash and why, e.g. "after the logins"."""
        self.reset()
        self.mark.set_status(StepStatus.SKIPPED)
        self.mark.show()
        self.verdict.setText(_esc(note))
        self.verdict.setStyleSheet("")
        self.verdict.show()

    def update_step(self, step: Step) -> None:
        # Each step reports twice: when it starts and when it ends. A step that starts again
        # (SMTP asks for capabilities before and after STARTTLS) gets a line of its own.
        if step.status is StepStatus.RUNNING or step.name not in self._rows:
            mark, label, time = StatusMark(self), QLabel(step.name.label, self), QLabel(self)
            label.setWordWrap(True)
            time.setStyleSheet(f"color: {secondary_color(self).name()};")
            r = self.steps.rowCount()
            self.steps.addWidget(mark, r, 0)
            self.steps.addWidget(label, r, 1)
            self.steps.addWidget(time, r, 2)
            self._rows[step.name] = (mark, label, time)
        mark, label, time = self._rows[step.name]
        mark.set_status(step.status)
        if step.status is not StepStatus.RUNNING:
            time.setText(f"{step.duration_ms:.0f} ms")

    def finish(self, result: CheckResult) -> None:
        self.spinner.stop()
        self.mark.show()
        self.mark.set_status(StepStatus.OK if result.ok else StepStatus.FAILED)
        self.time.setText(f"{result.duration_ms / 1000:.1f} s")
        for mark, _label, _time in self._rows.values():
            if mark.text() == "…":
                mark.set_status(StepStatus.FAILED if not result.ok else StepStatus.OK)
        if result.ok:
            # A working service folds its steps away; "Show details" still has them.
            self.steps_box.hide()
            self.verdict.setText(words.WORKS)
            self.verdict.setStyleSheet(f"color: {ok_color(self).name()};")
        elif result.cancelled:
            self.verdict.setText(words.STOPPED)
            self.verdict.setStyleSheet("")
        else:
            # The advice is shown once for the page, not repeated under every service.
            text = f"<b>{_esc(result.message)}</b>"
            if result.server_alert:
                text += f"<br>Message from the server: “{_esc(result.server_alert)}”"
            self.verdict.setText(text)
            self.verdict.setStyleSheet(f"color: {fail_color(self).name()};")
        self.verdict.show()


def _esc(text: str) -> str:
    """Rich-text safe, and a server's control characters shown escaped (``safe_text``)."""
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
