"""Plain-text rendering of instructions, for the CLI and for copying into an email.

Kept apart from the model so the model stays free of presentation choices.
"""

from __future__ import annotations

import textwrap

from wizard.clients.instructions.model import Field, FieldKind, Instructions

_WIDTH = 78


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=first if first is not None else indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [first or indent]


_LABEL_MAX = 26
_FIELD_INDENT = "     "


def _field_lines(field: Field, label_width: int) -> list[str]:
    """``Label:  value`` in two columns; a label too long for its column gets its own line."""
    label = (field.label or "Choose") + ":"
    value = f"[{field.value}]" if field.kind is FieldKind.CHECKBOX else field.value
    value_indent = _FIELD_INDENT + " " * (label_width + 2)
    lines: list[str] = []
    if len(label) > label_width + 1:
        lines.extend(_wrap(label, _FIELD_INDENT + "  ", _FIELD_INDENT))
        lines.extend(_wrap(value, value_indent))
    else:
        lines.extend(_wrap(value, value_indent, _FIELD_INDENT + label.ljust(label_width + 2)))
    if field.hint:
        lines.extend(_wrap(f"({field.hint})", value_indent))
    return lines


def render_text(instructions: Instructions) -> str:
    """The steps as numbered text with aligned fields, ending in a newline."""
    out = [instructions.title, "=" * len(instructions.title), ""]
    out.extend(_wrap(instructions.intro, ""))
    for warning in instructions.warnings:
        out.append("")
        out.extend(_wrap(warning, "    ", "  ! "))
    out.append("")
    for number, step in enumerate(instructions.steps, start=1):
        prefix = f"{number:>2}. "
        out.extend(_wrap(step.text, " " * len(prefix), prefix))
        if step.fields:
            fitting = [len(f.label or "Choose") for f in step.fields]
            width = min(max(fitting), _LABEL_MAX)
            for field in step.fields:
                out.extend(_field_lines(field, width))
        out.append("")
    if instructions.notes:
        out.append("Notes:")
        for note in instructions.notes:
            out.extend(_wrap(note, "    ", "  - "))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
