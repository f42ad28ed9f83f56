"""Draws a client's instructions (the same data the handout and the CLI use).

One rich-text browser rather than a grid of labels: word-wrapped QLabels inside a scroll area
lay out unreliably, while a text document wraps, scrolls, scales and can be read by a screen
reader as one piece. Each copyable value has a "Copy" link (reachable with Tab, activated with
Enter) that puts the value on the clipboard.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, unquote

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTextBrowser, QWidget

from wizard.clients.instructions import CHECKED, Field, FieldKind, Instructions
from wizard.ui.widgets import secondary_color, warn_color


class InstructionsView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setAccessibleName("Set-up steps")
        self.anchorClicked.connect(self._on_anchor)
        self._instructions: Instructions | None = None
        self.last_copied = ""

    def show_instructions(self, ins: Instructions) -> None:
        self._instructions = ins
        self.setHtml(self.to_html(ins))

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
                        f'<tr><td width="{column}">{escape(field.label or "Choose")}</td>'
                        f"<td>{self._value_html(field, muted)}</td></tr>"
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
            copy = ""
            if field.copyable:
                link = "copy:" + quote(field.value, safe="")
                copy = f'&nbsp;&nbsp;<a href="{link}">Copy</a>'
            return f"<b>{value}</b>{copy}"
        return value

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("copy:"):
            value = unquote(text[len("copy:") :])
            QGuiApplication.clipboard().setText(value)
            self.last_copied = value
            self.setToolTip(f"Copied {value}")
            QTimer.singleShot(1500, self, lambda: self.setToolTip(""))
