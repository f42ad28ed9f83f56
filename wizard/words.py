"""One word per thing: the names every page, the report, the settings sheet and the CLI use.

Each concept has one table here (services, connection security, statuses, mail programs, the
sheet); `docs/glossary.md` lists the same words and ``tests/test_glossary.py`` holds the texts
to them. A leaf: it imports nothing of the app's own, so everything may import it.
Mail programs' own screens keep their own labels (Outlook's "Encryption method: SSL/TLS");
those live with each program's instructions, not here.
"""

from __future__ import annotations

from typing import Final

# -- services: what the person cares about, and the protocol IT reads beside it --------------
SERVICE_NAMES: Final = {
    "imap": "Receiving mail",
    "smtp": "Sending mail",
    "roundtrip": "Test message",
    "sieve": "Mail filters (optional)",
}  # in the order the checking page shows them
PROTOCOLS: Final = {"imap": "IMAP", "smtp": "SMTP", "sieve": "ManageSieve"}


def service_name(service: str) -> str:
    """The person's name for a service: "Receiving mail"."""
    return SERVICE_NAMES.get(str(service), str(service).capitalize())


def service_label(service: str) -> str:
    """The name with its protocol, for details, the report and the CLI: "Receiving mail (IMAP)".

    The optional mark is dropped here: IT's texts say which services block in their own words.
    """
    name = service_name(service).removesuffix(" (optional)")
    protocol = PROTOCOLS.get(str(service))
    return f"{name} ({protocol})" if protocol else name


# -- connection security: the generic words most mail programs use -----------------------
SECURITY_WORDS: Final = {"tls": "SSL/TLS", "starttls": "STARTTLS", "plain": "None"}
_SECURITY_DESCRIBED: Final = {
    "tls": "SSL/TLS from the start",
    "starttls": "STARTTLS",
    "plain": "no encryption",
}


def security_word(security: str) -> str:
    """What to pick in a mail program's security list: "SSL/TLS", "STARTTLS", "None"."""
    return SECURITY_WORDS[str(security)]


def security_described(security: str) -> str:
    """The same, said in a sentence for IT: "SSL/TLS from the start"."""
    return _SECURITY_DESCRIBED[str(security)]


# -- statuses: one or two words per row of the checking page and its details ---------------
WORKS: Final = "Works"
ARRIVED: Final = "Arrived"
STOPPED: Final = "Stopped"
CHECKING: Final = "Checking…"
LOGIN_REFUSED: Final = "Login refused"
NOT_REACHED: Final = "Not reached"
NOT_SAFE: Final = "Not safe"
WRONG_SETTINGS: Final = "Wrong settings"
NOT_WORKING: Final = "Not working"
NOT_AVAILABLE: Final = "Not available"  # optional things only, never red
IN_JUNK: Final = "In Junk"
NOT_ARRIVED: Final = "Not arrived"
CAME_BACK: Final = "Came back"
NOT_SENT: Final = "Not sent"
STATUS_WORDS: Final = (
    WORKS,
    LOGIN_REFUSED,
    NOT_REACHED,
    NOT_SAFE,
    WRONG_SETTINGS,
    NOT_WORKING,
    NOT_AVAILABLE,
    STOPPED,
    CHECKING,
    ARRIVED,
    IN_JUNK,
    NOT_ARRIVED,
    CAME_BACK,
    NOT_SENT,
)

# -- mail programs -----------------------------------------------------------------------
PROGRAM_NAMES: Final = {
    "thunderbird": "Thunderbird",
    "outlook_new": "Outlook (new)",
    "outlook_classic": "Outlook (classic)",
    "windows_mail": "Windows Mail",
    "apple_mail": "Apple Mail",
    "other": "Other mail program",
}
RETIRED_MARK: Final = " (retired)"

# -- the printed page --------------------------------------------------------------------
SHEET: Final = "settings sheet"
SHEET_TITLE: Final = "Settings sheet"
