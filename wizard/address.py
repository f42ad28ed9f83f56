"""Checking what a person typed before anything touches the network or a file."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# RFC 5322 dot-atom, ASCII only: the servers this app configures (Dovecot passwd/LDAP logins,
# Haraka) take the full address as the login, and a non-ASCII login would fail at the server with
# an unhelpful error, so it is refused here with a clear one.
_LOCAL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE = re.compile(rf"^{_LOCAL_ATOM}(\.{_LOCAL_ATOM})*$")
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class AddressCheck:
    ok: bool
    address: str
    message: str = ""


def check_address(raw: str) -> AddressCheck:
    """Validate an email address and return it normalised (trimmed, domain lower-cased)."""
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        return AddressCheck(False, text, "Enter your email address.")
    if any(ch.isspace() for ch in text):
        return AddressCheck(False, text, "An email address cannot contain spaces.")
    bad = next((ch for ch in text if ord(ch) > 126 or ord(ch) < 32), None)
    if bad is not None:
        shown = bad if bad.isprintable() else f"U+{ord(bad):04X}"
        return AddressCheck(
            False, text, f"The address contains “{shown}”, which cannot be used in a login here."
        )
    if text.count("@") != 1:
        return AddressCheck(
            False, text, "An email address has exactly one “@”, like joe.bloggs@example.org."
        )
    local, domain = text.split("@")
    if not local:
        return AddressCheck(False, text, "Something is missing before the “@”.")
    if not domain:
        return AddressCheck(False, text, "Something is missing after the “@”.")
    if len(local) > 64 or len(text) > 254:
        return AddressCheck(False, text, "That address is too long to be real.")
    if not _LOCAL_RE.match(local):
        return AddressCheck(False, text, f"“{local}” is not a valid name before the “@”.")
    labels = domain.rstrip(".").split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        return AddressCheck(False, text, f"“{domain}” is not a valid domain, like example.org.")
    if labels[-1].isdigit():
        return AddressCheck(False, text, f"“{domain}” is not a valid domain, like example.org.")
    return AddressCheck(True, f"{local}@{domain.rstrip('.').lower()}")


def check_display_name(raw: str) -> tuple[bool, str]:
    """A display name may hold quotes and accents; control characters and line breaks it may not.

    Returns (ok, message-or-normalised-name).
    """
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        return False, "Enter your name as others should see it."
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        return False, "Your name contains an invisible or control character; please retype it."
    if len(text) > 200:
        return False, "That name is too long (200 characters at most)."
    return True, text
