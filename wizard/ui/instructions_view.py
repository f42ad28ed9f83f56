"""Draws a client's instructions (the same data the handout and the CLI use).

One rich-text browser rather than a grid of labels: word-wrapped QLabels inside a scroll area
lay out unreliably, while a text document wraps, scrolls, scales and can be read by a screen
reader as one piece. Each copyable value has a "Copy" button — a link drawn as a framed cell
at least 24 px high (WCAG 2.5.8's target size), reachable with Tab, activated with Enter — that
puts the value on the clipboard and says "Copied ✓" for two seconds.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, unquote

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTextBrowser, QWidget

from wizard.clients.instructions import CHECKED, Field, FieldKind, Instructions
from wizard.ui.style import outline_color
from wizard.ui.widgets import secondary_color, warn_color

COPY = "Copy"
COPIED = "Copied ✓"
COPIED_FOR_MS = 2000
MIN_TARGET_PX = 24  # WCAG 2.5.8: a pointer target at least 24 by 24 CSS pixels


class InstructionsView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setAccessibleName("Set-up steps")
        self.anchorClicked.connect(self._on_anchor)
        self._instructions: Instructions | None = None
        self.last_copied = ""
        self._copied_shown = ""  # the value whose button says "Copied ✓" right now

    def show_instructions(self, ins: Instructions) -> None:
        self._instructions = ins
        self._copied_shown = ""
        self.setHtml(self.to_html(ins))

    def _repaint_keeping_place(self) -> None:
        if self._instructions is None:
            return
        bar = self.verticalScrollBar()
        where = bar.value()
        self.setHtml(self.to_html(self._instructions))
        bar.setValue(where)

    def to_html(self, ins: Instructions) -> str:
        """Steps with one label column for the whole page and each hint said once, on top.

        The label column has one fixed width (the longest label, capped at about 30 characters)
        so values start at the same place in every step and at any text size; hints and the
        password reminder, which several fields share, are listed once before the steps.
        """
        muted = secondary_color(self).name()
        warn = warn_color(self).name()
        out = [f"<p>{escape(ins.intro)}</p>"] if ins.intro else []
        for warning in ins.warnings:
            out.append(f'<p style="color:{warn}"><b>Important:</b> {escape(warning)}</p>')
        fields = [f for step in ins.steps for f in step.fields]
        hints: dict[str, str] = {}
        for f in fields:
            text = f.value if f.kind is FieldKind.PASSWORD else f.hint
            if text and text not in hints:
                hints[text] = f.label
        if hints:
            out.append("<p><b>Good to know:</b></p><ul>")
            out.extend(
                f"<li><i>{escape(label)}</i>: {escape(text)}</li>" for text, label in hints.items()
            )
            out.append("</ul>")
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(f.label or "Choose") for f in fields), default=0)
        # Capped at about 30 characters: longer labels (Windows Mail's tick boxes) wrap.
        column = min(widest, metrics.averageCharWidth() * 30) + metrics.averageCharWidth() * 2
        out.append("<ol>")
        for step in ins.steps:
            out.append(f'<li style="margin-bottom:6px">{escape(step.text)}')
            if step.fields:
                out.append('<table cellspacing="0" cellpadding="2">')
                for field in step.fields:
                    out.append(
                        f'<tr><td width="{column}" valign="middle">'
                        f"{escape(field.label or 'Choose')}</td>"
                        f'<td valign="middle">{self._value_html(field, muted)}</td>'
                        f'<td valign="middle" width="{self._copy_width()}">'
                        f"{self._copy_html(field)}</td></tr>"
                    )
                out.append("</table>")
            out.append("</li>")
        out.append("</ol>")
        for note in ins.notes:
            out.append(f"<p>{escape(note)}</p>")
        return "".join(out)

    @staticmethod
    def _value_html(field: Field, muted: str) -> str:
        value = escape(field.value)
        if field.kind is FieldKind.CHECKBOX:
            return ("☑ " if field.value == CHECKED else "☐ ") + value
        if field.kind is FieldKind.PASSWORD:
            return f'<span style="color:{muted}">Your password</span>'
        if field.kind is FieldKind.TEXT:
            return f"<b>{value}</b>"
        return value

    def _pad(self) -> int:
        return max(4, (MIN_TARGET_PX - self.fontMetrics().height()) // 2 + 1)

    def _copy_width(self) -> int:
        """Wide enough for "Copied ✓" (the document's table layout wraps rather than grows)."""
        return round(self.fontMetrics().horizontalAdvance(COPIED) * 1.1) + 2 * self._pad() + 8

    def _copy_html(self, field: Field) -> str:
        """A framed cell around the link: a button-sized target with a visible outline."""
        if field.kind is not FieldKind.TEXT or not field.copyable:
            return ""
        link = "copy:" + quote(field.value, safe="")
        label = COPIED if field.value == self._copied_shown else COPY
        pad = self._pad()
        border = outline_color(self.palette()).name()
        return (
            f'<table width="100%" cellspacing="0" cellpadding="{pad}" border="1" '
            f'style="border-color:{border}; border-style:solid; border-collapse:collapse">'
            "<tr><td nowrap>"
            f'<a href="{link}">{escape(label).replace(" ", "&nbsp;")}</a></td></tr></table>'
        )

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("copy:"):
            value = unquote(text[len("copy:") :])
            QGuiApplication.clipboard().setText(value)
            self.last_copied = value
            self._copied_shown = value
            self._repaint_keeping_place()
            QTimer.singleShot(COPIED_FOR_MS, self, lambda: self._copied_done(value))

    def _copied_done(self, value: str) -> None:
        if self._copied_shown == value:
            self._copied_shown = ""
            self._repaint_keeping_place()
