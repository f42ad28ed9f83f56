"""Masking a password in every form it could take before text is recorded or shown.

Its own module so the report (and the pages that show it) can mask text without importing the
network stack.
"""

from __future__ import annotations

import base64
import re
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
        self._secret = secret
        self._forms = sorted(secret_forms(secret, username), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def last_resort(self, text: str) -> str:
        """The final pass over a finished report, whose fields were masked as they came in.

        Every encoded form is masked, and the password as typed, unless it is made of letters
        only: such a password can be a word the app writes itself ("mail" in "Incoming
        mail"), and masking it there would rewrite the app's words and, by where the stars
        stand, tell the reader the password.
        """
        keep_word = self._secret.isalpha()
        for form in self._forms:
            if keep_word and form == self._secret:
                continue
            if form in text:
                text = text.replace(form, MASK)
        return text


class CommandMasker:
    """Masks the secret in a command the app itself sends, where the command carries it.

    A command is the app's own words around one credential field: the SASL response
    (base64), the quoted string of IMAP LOGIN, or a whole word. Only those are replaced, so a
    weak password such as ``mail`` never turns the login ``mail.reader@…`` or ``MAIL FROM``
    into stars. The whole command is masked before it is split into lines: a password with a
    line break in it is never recorded in pieces.
    """

    def __init__(self, secret: str, username: str = "") -> None:
        self._secret = secret
        encoded = secret_forms(secret, username) - {secret}
        escaped = secret.replace("\\", "\\\\").replace('"', '\\"')
        fields = sorted({f'"{escaped}"', *encoded}, key=len, reverse=True)
        self._field = re.compile("|".join(re.escape(f) for f in fields if f)) if secret else None
        # The secret as a word of its own (AUTH LOGIN's lines are base64, matched above).
        self._word = re.compile(rf"(?<!\S){re.escape(secret)}(?!\S)") if secret.strip() else None

    def __call__(self, text: str) -> str:
        if self._field is None:
            return text
        text = self._field.sub(MASK, text)
        if self._word is not None:
            text = self._word.sub(MASK, text)
        return text
