"""The domain IT asks about: checked before anything touches the network."""

from __future__ import annotations

from wizard.address import check_address
from wizard.audit.text import shown
from wizard.errors import WizardError

# The one address the audit ever sends (over HTTPS, to the domain's own hosts, where a server
# insists on ``emailaddress``): the RFC 5321 role address every mail domain has, naming nobody.
PROBE_LOCAL_PART = "postmaster"


class BadDomain(WizardError, ValueError):
    """Not a domain name; the message is one line for the user."""


def check_domain(text: str) -> str:
    """The domain normalised (lower case, no trailing dot), or BadDomain."""
    raw = text.strip()
    if not raw or "@" in raw or "/" in raw or ":" in raw:
        raise BadDomain(f"“{shown(raw, 80)}” is not a domain name, like example.org")
    checked = check_address(f"{PROBE_LOCAL_PART}@{raw}")
    if not checked.ok:
        raise BadDomain(f"“{shown(raw, 80)}” is not a domain name, like example.org")
    return checked.address.split("@", 1)[1]


def probe_address(domain: str) -> str:
    return f"{PROBE_LOCAL_PART}@{domain}"
