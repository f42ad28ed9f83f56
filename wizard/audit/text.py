"""Server, certificate and web text shown to IT: untrusted, so short and visibly escaped."""

from __future__ import annotations

MAX_SHOWN = 200


def shown(text: str | bytes, limit: int = MAX_SHOWN) -> str:
    """``text`` with control characters written as ``\\xNN`` and cut at ``limit`` characters.

    A server can put terminal escapes or line breaks in a greeting, a certificate name or an
    error page; shown as they are they could rewrite what IT reads.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    cut = len(text) > limit
    text = text[:limit]
    out = "".join(
        c
        if c.isprintable() or c == " "
        else (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        for c in text
    )
    return out + ("…" if cut else "")
