"""The facts read from a mail program, in one shape for every program, and what differs.

Nothing here holds a password: the readers never read one, and ``SavedPassword`` only says that
one is saved for a server and when it was last changed (both stored in clear by Thunderbird).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from wizard.services import Security, Service

# What a program's files say is untrusted text (a planted prefs.js, a copied profile): every
# character that steers a terminal or a text view instead of being one (C0 but tab, DEL, C1,
# bidirectional overrides and isolates) is shown as its escape, the same rule as the report's.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` with every unsafe character visibly escaped (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) <= 0xFF else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


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


@dataclass(frozen=True)
class Finding:
    """One account of one program and how it differs from the provider's settings."""

    account: ProgramAccount
    differences: tuple[Difference, ...]

    @property
    def right(self) -> bool:
        return not self.differences and not self.account.offline


@dataclass(frozen=True)
class Unchecked:
    """A program whose settings the app may not read here; the page shows where to look."""

    program: str  # "outlook_new" | "apple_mail"
    reason: str


@dataclass(frozen=True)
class MailProgramsLook:
    """Everything the look at this computer's mail programs found."""

    findings: tuple[Finding, ...] = ()
    looked_at: tuple[str, ...] = ()  # profiles read, for the report
    problems: tuple[str, ...] = ()  # unreadable profiles, named with the reason
    unchecked: tuple[Unchecked, ...] = field(default=())
    duration_ms: float = 0.0
    outlook_checked: bool = False  # the registry was read (Windows)

    @property
    def thunderbird(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.account.program == "thunderbird")
