"""What a password may hold before it is sent anywhere: no line breaks, no control characters.

A line copied on Windows carries ``\\r\\n`` onto the clipboard; pasted into the password box it
would go to the server inside the login command (splitting it, RFC 3501 9) and, refused, into
the report IT reads. Refused where it is typed (the account page through the flow, the CLI's
standard input), with a sentence that says what to do. Qt-free; shared by the GUI and the CLI.
"""

from __future__ import annotations

import unicodedata

# The sentence the account page and the checking page's password box show.
CONTROL_CHARACTERS = (
    "The password contains a line break or another invisible control character (it often "
    "comes along when a password is copied). Type it again, or paste it without them."
)


def has_control_characters(password: str) -> bool:
    """C0 (tab, CR and LF included), DEL and C1: Unicode category Cc."""
    return any(unicodedata.category(c) == "Cc" for c in password)


def password_problem(password: str) -> str:
    """The sentence to show when ``password`` cannot be sent as it is; empty when it can."""
    return CONTROL_CHARACTERS if has_control_characters(password) else ""
