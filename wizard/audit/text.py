"""Server, certificate and web text shown to IT: untrusted, so short and visibly escaped."""

from __future__ import annotations

from wizard.discovery.model import visible

MAX_SHOWN = 200


def shown(text: str | bytes, limit: int = MAX_SHOWN) -> str:
    """``text`` cut at ``limit`` characters, control characters written visibly escaped
    (discovery's :func:`~wizard.discovery.model.visible`).

    A server can put terminal escapes or line breaks in a greeting, a certificate name or an
    error page; shown as they are they could rewrite what IT reads.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    cut = len(text) > limit
    return visible(text[:limit]) + ("…" if cut else "")
