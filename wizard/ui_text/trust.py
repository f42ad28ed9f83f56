"""Words about where the settings came from and where the password goes (first page, report,
the confirmation before an untrusted origin gets a password, the CLI's refusal).

Qt-free: the CLI says the same sentences as the GUI, and the wording is tested with plain pytest.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.provider import Provider
from wizard.services import Security
from wizard.trust import (
    PlaceKind,
    ProviderPlace,
    SettingsOrigin,
    address_domain,
    foreign_domains,
    normalise_host,
    registrable_domain,
)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def origin_line(provider: Provider, place: ProviderPlace) -> str:
    """Where the settings came from, in the person's words (the first page and the report)."""
    org = provider.branding.organization
    where = str(place.path) if place.path is not None else ""
    if place.kind is PlaceKind.BUILTIN:
        return f"{org}'s settings, built in."
    if place.kind is PlaceKind.ADMIN:
        return f"{org}'s settings, from IT's file at {where}."
    if place.kind is PlaceKind.EXPLICIT:
        return f"{org}'s settings, from the file named on the command line, {where}."
    return f"Settings found at {where} (not a place only IT can change)."


def server_hosts(provider: Provider) -> list[str]:
    return list(dict.fromkeys(normalise_host(s.hostname) for s in provider.servers))


def password_goes_to(provider: Provider) -> str:
    """Which servers get the password, and whether on the way it is encrypted (never claimed
    for settings that are not)."""
    hosts = _and(server_hosts(provider))
    plain = [s for s in provider.servers if s.security is Security.PLAIN]
    if not plain:
        return f"Your password is only sent to {hosts}, over an encrypted connection."
    names = _and([s.service.label for s in plain])
    return (
        f"Your password is sent to {hosts}. These settings send it unencrypted for {names}: "
        f"anyone on the network in between can read it."
    )


ORIGIN_TITLE = "Send your password to these servers?"


@dataclass(frozen=True)
class ConfirmText:
    title: str
    body: str
    send: str  # the button that sends the password
    refuse: str  # the button that sends nothing
    refused: str = ""  # said after a refusal ("" : the provider file's REFUSED)


def confirmation(provider: Provider, address: str, origin: SettingsOrigin) -> ConfirmText:
    """The question before a password goes to servers IT has not vouched for.

    It names the organisation the file claims to be and the servers' registrable domains in
    full, since a look-alike host name (``my.sepheo.co.attacker.example``) hides in a long one.
    """
    org = provider.branding.organization
    outside = foreign_domains(server_hosts(provider), address)
    own = registrable_domain(address_domain(address))
    domains = _and(outside) if outside else _and(server_hosts(provider))
    return ConfirmText(
        title=ORIGIN_TITLE,
        body=(
            f"The settings in use say they are {org}'s, but they were found at {origin.where}, "
            f"a place anyone on this computer (or a download) can change, not where IT puts "
            f"them. They would send the password for {address} to {domains}"
            f"{_servers_aside(provider, outside)}, which is not {own}. Send it only if IT "
            f"told you to use these settings."
        ),
        send=f"Send my password to {domains}",
        refuse="Don't send it",
    )


def _servers_aside(provider: Provider, domains: list[str]) -> str:
    """ " (mail.x.example, smtp.x.example)" when the servers' names say more than the domains."""
    hosts = server_hosts(provider)
    return "" if hosts == domains else f" ({_and(hosts)})"


REFUSED = (
    "Nothing was sent. Ask IT for the right settings, or remove the file named above and start "
    "again."
)


def cli_refusal(
    provider: Provider, address: str, origin: SettingsOrigin, *, outcome: str = "nothing was sent"
) -> str:
    """The CLI's one-line error when an untrusted origin is not accepted (nothing was sent)."""
    outside = foreign_domains(server_hosts(provider), address)
    return (
        f"the settings at {origin.where} say they are {provider.branding.organization}'s but "
        f"would send the password for {address} to {_and(outside or server_hosts(provider))} "
        f"({_and(server_hosts(provider))}), outside "
        f"{registrable_domain(address_domain(address))}, and were found where anyone on this "
        f"computer can write; {outcome}. If IT told you to use them, run again with "
        f"--accept-untrusted"
    )
