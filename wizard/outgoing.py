"""The one road a report takes out of the app: the CLI's short output, ``--report`` and
``--json``, and the GUI's Details, Copy, Save and Email all call :func:`outgoing_report`.

It renders (server text made safe, the data block at the end), adds the notes for IT, and runs
the last redaction (``scrub``) over the finished text, so no road can skip a step: before it
existed the CLI printed the report without the last redaction its docstring promised.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum

from wizard import APP_NAME
from wizard.report import (
    CROSS,
    TICK,
    Report,
    render_json,
    render_steps,
    render_text,
    round_trip_lines,
    scrub,
    seen_as_line,
    summary,
)
from wizard.safe_text import NOTE as ESCAPED_NOTE
from wizard.safe_text import visible, visible_lines


class Form(Enum):
    SHORT = "short"  # what `diagnose` prints by default
    TEXT = "text"  # the full report for IT (--report, Details, Copy, Save, Email)
    JSON = "json"  # for scripts (--json)


def outgoing_report(
    report: Report,
    form: Form,
    *,
    password: str,
    username: str = "",
    notes: Sequence[str] = (),
) -> str:
    """The report as it leaves the app, ending with a newline.

    ``password`` and ``username`` are what the last redaction masks in every form the
    password could take; ``notes`` are the facts for IT the person's screen leaves out.
    """
    if form is Form.JSON:
        text = json.dumps(render_json(report, notes=notes), indent=2, ensure_ascii=False) + "\n"
    elif form is Form.TEXT:
        text = render_text(report, notes=notes)
    else:
        text = _short(report)
    text = scrub(text, password, username)
    # A password with a control character in it is in the text in its escaped form.
    shown = visible(password)
    return scrub(text, shown, username) if shown != password else text


def _short(report: Report) -> str:
    """Per check its steps and, when it failed, the cause and what to do; then the summary."""
    out = [f"{APP_NAME}: checking {report.address} on {report.provider.display_name}", ""]
    for r in report.results:
        mark = TICK if r.ok else CROSS
        out.append(f"{mark} {r.service.label} — {r.host} port {r.port} ({r.security.value})")
        out.extend(render_steps(r))
        out.extend(line[1:] for line in round_trip_lines(r))
        if not r.ok:
            out.append(f"  Cause ({r.cause}): {r.message}")
            out.append(f"  What to do: {r.advice}")
            if r.server_alert:
                out.append(f"  Message from the server: {r.server_alert}")
        out.append("")
    seen = seen_as_line(report)
    if seen:
        out.append(seen)
    out.append(summary(report))
    out.extend(report.extra_text)
    safe, escaped = visible_lines(out)
    if escaped:
        safe.append(ESCAPED_NOTE)
    safe.append("(--report prints the full report with the transcript for IT; --json for scripts)")
    return "\n".join(safe) + "\n"
