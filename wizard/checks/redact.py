"""Masking a password in every form it could take before text is recorded or shown.

Its own module so the report (and the pages that show it) can mask text without importing the
network stack.
"""

from __future__ import annotations

import base64
import urllib.parse

MASK = "********"


def secret_forms(secret: str, username: str = "") -> set[str]:
    """Every way a password could leak into text: as is, quoted, URL- and base64-encoded."""
    forms = {secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret)}
    forms.add(secret.replace("\\", "\\\\").replace('"', '\\"'))
    for user in {username, ""}:
        for authz in ("", user):
            raw = f"{authz}\0{user}\0{secret}".encode()
            forms.add(base64.b64encode(raw).decode())
    forms.add(base64.b64encode(secret.encode()).decode())
    return {f for f in forms if f}


class Redactor:
    """Masks a password in any form before text reaches a transcript, a log or a report."""

    def __init__(self, secret: str, username: str = "") -> None:
        self._forms = sorted(secret_forms(secret, username), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text
