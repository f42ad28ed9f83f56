"""A refusal because the client's address is on a DNS blocklist, in the words servers use.

One place for the SMTP check (a refusal at connect time means ``connection_blocked``), for
recognising Haraka by its dns-list plugin's refusal, and for the log reader (which list the
line names). Haraka: "host [1.2.3.4] is listed on zen.spamhaus.org" (dns-list) or "is
blacklisted by" (the older dnsbl); others: "blocked using", "listed in", "Spamhaus", "RBL".
"""

from __future__ import annotations

import re

# Any of these words makes a refusal one about the client's address being listed.
_REFUSAL = re.compile(r"blacklist|blocklist|spamhaus|dnsbl|rbl|listed", re.IGNORECASE)
# The refusal that names its list: "listed on zen.spamhaus.org", "blacklisted by [bl.example]".
LISTED_ON = re.compile(r"(?:black|block|deny)?listed (?:by|on|in|at) \[?([\w.-]+)", re.IGNORECASE)


def is_blocklist_refusal(text: str) -> bool:
    """The server's words say it refused us because our address is listed."""
    return _REFUSAL.search(text) is not None


def listed_on(text: str) -> str | None:
    """The list a refusal names, or None when it names none."""
    m = LISTED_ON.search(text)
    return m.group(1) if m else None
