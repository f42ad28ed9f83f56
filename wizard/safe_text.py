"""Text from a server, a certificate or a log line, made safe to print in a terminal or show in a
Qt text view.

A greeting, an EHLO reply, a NO with its [ALERT], a certificate's subject or a log line is written
by whoever is on the other end of the connection (or on the path to it). Printed raw, an escape
sequence in it can recolour or rewrite IT's terminal ("✓ Everything works" over a real failure),
set the window title, or fill the clipboard (OSC 52); a bidirectional override reverses what IT
reads. So every character that steers a display instead of being one is shown as its escape:
C0 controls but tab, DEL and C1 controls as ``\\x1b`` (CR and LF as ``\\r`` and ``\\n``), the
bidirectional embeddings, overrides and isolates, and the Unicode line and paragraph separators
(a line break in a Qt text view) as ``\\u202e``. Nothing is removed, so IT still sees that the
server sent it.

A backslash is left alone: it does nothing to a terminal, and doubling it would change every
Windows path in a log line. So ``\\x1b`` in the output may have been sent as those four
characters; the report's note says when the app escaped something.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# C0 but tab (newline too: inside one field a line break would forge a line of the report),
# DEL, C1 (U+009B is CSI on its own), the line and paragraph separators, and the bidirectional
# embeddings/overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
_SHORT = {"\r": "\\r", "\n": "\\n"}

NOTE = (
    "Control characters in text from the servers, certificates or logs are shown escaped "
    "(like \\x1b or \\u202e); they were sent that way."
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def visible(text: str) -> str:
    """One field or one line, every unsafe character shown as its escape (newline included)."""
    return _UNSAFE.sub(_escape, text)


def is_safe(text: str) -> bool:
    return _UNSAFE.search(text) is None


def visible_lines(lines: Iterable[str]) -> tuple[list[str], bool]:
    """Each line made visible on its own, and whether any of them needed it."""
    given = list(lines)
    out = [visible(line) for line in given]
    return out, out != given


def visible_json(value: Any) -> tuple[Any, bool]:
    """Every string in a JSON value (keys too) made visible, and whether any needed it.

    The escaped form is the string's value, so a script reading ``--json`` gets the same text
    IT sees, not a raw ESC that ``json.dumps`` would carry as ``\\u001b``.
    """
    changed = False

    def walk(v: Any) -> Any:
        nonlocal changed
        if isinstance(v, str):
            safe = visible(v)
            changed = changed or safe != v
            return safe
        if isinstance(v, dict):
            return {walk(k): walk(item) for k, item in v.items()}
        if isinstance(v, list | tuple):
            return [walk(item) for item in v]
        return v

    return walk(value), changed
