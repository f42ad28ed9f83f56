"""The confirmation before a password goes to servers whose settings are not IT's word.

A small Qt-free rule the flow holds and both front ends obey: the GUI's checking page asks and
starts the run only after *Send*, the CLI refuses without ``--accept-untrusted``. A refusal
sends nothing. A confirmation holds for the servers and the address's domain it was given for;
other settings or another domain ask again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.provider import Provider
from wizard.provider_source import settings_origin
from wizard.trust import (
    BUILTIN_PLACE,
    DomainEndorsement,
    ProviderPlace,
    SettingsOrigin,
    address_domain,
    normalise_host,
)


def _key(provider: Provider, address: str) -> tuple[str, tuple[str, ...]]:
    hosts = tuple(sorted({normalise_host(s.hostname) for s in provider.servers}))
    return address_domain(address).lower(), hosts


@dataclass
class OriginGate:
    """Whether the next check may send the password, given where the settings came from."""

    place: ProviderPlace = BUILTIN_PLACE
    endorsed: DomainEndorsement | None = None
    refused: bool = False
    # Settings whose origin was judged elsewhere (discovery's SettingsOrigin, once the GUI
    # uses discovered settings): that judgement is used instead of the provider file's place.
    known: SettingsOrigin | None = None
    _confirmed: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)

    def origin(self, provider: Provider, address: str) -> SettingsOrigin:
        if self.known is not None:
            return self.known
        return settings_origin(provider, self.place, address, endorsed=self.endorsed)

    def needs_confirmation(self, provider: Provider, address: str) -> bool:
        """True until the person agreed to these servers for this address's domain."""
        if self.origin(provider, address).trusted:
            return False
        return _key(provider, address) not in self._confirmed

    def confirm(self, provider: Provider, address: str) -> None:
        """The person saw the servers' domain and chose to send the password there."""
        self._confirmed.add(_key(provider, address))
        self.refused = False

    def refuse(self) -> None:
        """The person declined: no check runs, nothing is sent."""
        self.refused = True
