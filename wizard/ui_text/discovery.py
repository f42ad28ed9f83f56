"""Words for finding the settings of an address outside IT's domains (the checking page).

Qt-free, so the wording is tested with plain pytest. Each look-up is named in the person's
words ("the domain's settings file"), with where it asked shown escaped: a server's or a DNS
name's text is untrusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wizard.provider import Provider
from wizard.safe_text import visible
from wizard.trust import (
    OriginKind,
    SettingsOrigin,
    address_domain,
    registrable_domain,
)
from wizard.ui_text.trust import ConfirmText, confirmation, server_hosts

if TYPE_CHECKING:
    from wizard.discovery.model import Lookup

TITLE_FINDING = "Finding your settings"
TITLE_NOTHING = "No settings found"
TITLE_FOUND = "Settings found"
MANUAL_CHOICE = "Enter &settings myself"
STOPPED = "Stopped looking for your settings. Try again, or enter the settings yourself."

# What each source is, in plain words (the technical name is in the report).
SOURCE_WORDS: dict[OriginKind, str] = {
    OriginKind.BUILTIN: "settings built into this app",
    OriginKind.PROVIDER: "IT's settings",
    OriginKind.AUTOCONFIG: "the domain's settings file",
    OriginKind.WELL_KNOWN: "the domain's web site",
    OriginKind.ISPDB: "Thunderbird's list of providers",
    OriginKind.MX: "the domain's mail host",
    OriginKind.SRV: "the domain's DNS records",
    OriginKind.AUTODISCOVER: "Exchange Autodiscover",
    OriginKind.PROBE: "trying the usual server names",
    OriginKind.MANUAL: "the settings you typed",
}

OUTCOME_WORDS = {
    "found": "found",
    "none": "nothing there",
    "error": "no answer",
    "skipped": "not needed",
    "cancelled": "not needed",
}


REFUSED_FOUND = (
    "Nothing was sent. Enter the settings your mail provider gave you yourself, or go Back "
    "and check the address."
)


def finding_status(domain: str) -> str:
    return f"Looking up the mail settings for {visible(domain)}…"


def lookup_line(lookup: Lookup) -> str:
    """One finished look-up, as the list under the headline shows it."""
    word = OUTCOME_WORDS.get(str(lookup.outcome), str(lookup.outcome))
    if lookup.found and not lookup.trusted:
        word = "found (not verified)"
    where = visible(lookup.where)
    return f"{SOURCE_WORDS[lookup.kind]}: {word} — {where} ({round(lookup.ms)} ms)"


def checking_published(domain: str) -> str:
    """While the domain's own published settings are read, for a provider file found where
    anyone can write (its servers count as IT's word when the domain names them too)."""
    return f"Checking which mail servers {visible(domain)} names itself…"


def nothing_found(domain: str) -> str:
    return (
        f"No mail settings are published for {visible(domain)}, and the usual server names did "
        f"not answer. Check the address for a typo, or enter the settings your mail provider "
        f"gave you."
    )


def origin_domain(origin: SettingsOrigin) -> str:
    """The registrable domain the settings came from (a URL's host, a DNS record's name)."""
    where = origin.where.strip()
    host = urlsplit(where).hostname if "://" in where else where.split()[0] if where else ""
    host = (host or "").rstrip(".")
    for prefix in ("_imaps._tcp.", "_imap._tcp.", "_submissions._tcp.", "_submission._tcp."):
        host = host.removeprefix(prefix)
    return registrable_domain(host) if host else ""


def where_from(origin: SettingsOrigin) -> str:
    """Under Details: where the settings in use came from, and whether they were verified."""
    source = SOURCE_WORDS.get(origin.kind, str(origin.kind))
    trusted = "verified" if origin.trusted else "not verified: you were asked before sending"
    if origin.kind is OriginKind.MANUAL:
        return "Settings: the ones you typed."
    return f"Settings found from {source}, {visible(origin.where)} ({trusted})."


def discovered_confirmation(
    provider: Provider, address: str, origin: SettingsOrigin
) -> ConfirmText:
    """The question before a password goes to settings discovery could not vouch for.

    Names the domain the settings came from and the servers' domains in full, since a
    look-alike host name hides in a long one.
    """
    if origin.kind in (OriginKind.BUILTIN, OriginKind.PROVIDER):
        return confirmation(provider, address, origin)
    came = origin_domain(origin) or visible(origin.where)
    hosts = server_hosts(provider)
    servers = list(dict.fromkeys(registrable_domain(h) for h in hosts))
    own = registrable_domain(address_domain(address))
    to = ", ".join(servers)
    return ConfirmText(
        title="Send your password to these servers?",
        body=(
            f"The settings for {visible(address)} came from {came} "
            f"({visible(origin.where)}), which could not be verified as {own}'s own: "
            f"{visible(origin.why) or 'not over a checked connection'}. They would send your "
            f"password to {visible(to)} ({visible(', '.join(hosts))}). Send it only if you "
            f"know these are your mail provider's servers."
        ),
        send=f"Send my password to {visible(to)}",
        refuse="Don't send it",
        refused=REFUSED_FOUND,
    )
