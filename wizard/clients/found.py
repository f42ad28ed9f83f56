"""What a mail program is set to, in one shape for every program, and one setting that differs.

The readers beside this module (``thunderbird/``, ``outlook/``) produce these; the comparison
above them (``wizard.mail_programs``) consumes them, so the shapes live here, below both, and
the import runs one way. Nothing here holds a password: the readers never read one, and
``SavedPassword`` only says that one is saved for a server and when it was last changed (both
stored in clear by Thunderbird).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from wizard.safe_text import visible
from wizard.services import Security, Service

# What a program's files say is untrusted text (a planted prefs.js, a copied profile): shown
# with the report's own rule (wizard.safe_text): every character that steers a terminal or a
# text view instead of being one is shown as its escape.
shown = visible


class Setting(enum.StrEnum):
    """Which setting differs; the values are part of ``diagnose --json``."""

    HOSTNAME = "hostname"
    PORT = "port"
    SECURITY = "security"
    USERNAME = "username"
    AUTHENTICATION = "authentication"
    PROTOCOL = "protocol"


@dataclass(frozen=True)
class ServerFound:
    """One server as the program has it. ``None`` means the program does not say."""

    service: Service  # IMAP for incoming (also when it is POP), SMTP for outgoing
    protocol: str  # "imap", "pop3" or "smtp"
    hostname: str
    port: int | None
    security: Security | None
    username: str
    # In the autoconfig vocabulary: password-cleartext, password-encrypted, oauth2, gssapi,
    # ntlm, tls-client-cert, none, any; "" when the program does not say.
    authentication: str = ""


@dataclass(frozen=True)
class SavedPassword:
    """A login the program keeps for ``server`` (e.g. ``imap://my.sepheo.co``); never the secret."""

    server: str
    changed: datetime | None
    last_used: datetime | None = None


@dataclass(frozen=True)
class ProgramAccount:
    program: str  # "thunderbird" | "outlook"
    profile: str  # the Thunderbird profile folder, or the Outlook profile name
    account: str  # the program's key for the account (account3, 00000002)
    address: str  # the address the account sends as ("" when it has none)
    incoming: ServerFound | None
    outgoing: ServerFound | None
    offline: bool = False
    # The address of another account whose outgoing server this account sends through.
    outgoing_owner: str | None = None
    saved_passwords: tuple[SavedPassword, ...] = ()
    duplicate: bool = False  # another account in the same profile is for the same address
    identity: str = ""  # Thunderbird's identity key, for the "Fix it" write


@dataclass(frozen=True)
class Difference:
    service: Service
    setting: Setting
    found: str
    expected: str
    explanation: str  # one sentence in the person's words
