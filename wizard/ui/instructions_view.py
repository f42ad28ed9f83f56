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
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

from wizard.clients.instructions import CHECKED, FieldKind, Instructions
from wizard.ui.widgets import warn_color


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
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        warn = warn_color(self).name()
        out = [f"<p>{escape(ins.intro)}</p>"] if ins.intro else []
        for warning in ins.warnings:
            out.append(f'<p style="color:{warn}"><b>Important:</b> {escape(warning)}</p>')
        out.append("<ol>")
        for step in ins.steps:
            out.append(f'<li style="margin-bottom:6px">{escape(step.text)}')
            if step.fields:
                out.append('<table cellspacing="0" cellpadding="2" style="margin-top:4px">')
                for field in step.fields:
                    value = escape(field.value)
                    if field.kind is FieldKind.CHECKBOX:
                        value = ("☑ " if field.value == CHECKED else "☐ ") + value
                    if field.kind is FieldKind.PASSWORD:
                        value = f'<span style="color:{muted}">{value}</span>'
                    elif field.kind is FieldKind.TEXT:
                        value = f"<b>{value}</b>"
                    copy = ""
                    if field.copyable and field.kind is FieldKind.TEXT:
                        link = "copy:" + quote(field.value, safe="")
                        copy = f'&nbsp;&nbsp;<a href="{link}">Copy</a>'
                    hint = (
                        f'<br><span style="color:{muted}">{escape(field.hint)}</span>'
                        if field.hint
                        else ""
                    )
                    out.append(
                        f'<tr><td style="padding-right:12px">{escape(field.label)}</td>'
                        f"<td>{value}{copy}{hint}</td></tr>"
                    )
                out.append("</table>")
            out.append("</li>")
        out.append("</ol>")
        for note in ins.notes:
            out.append(f'<p style="color:{muted}">{escape(note)}</p>')
        return "".join(out)

    def _on_anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("copy:"):
            value = unquote(text[len("copy:") :])
            QGuiApplication.clipboard().setText(value)
            self.last_copied = value
            self.setToolTip(f"Copied {value}")
            QTimer.singleShot(1500, self, lambda: self.setToolTip(""))
