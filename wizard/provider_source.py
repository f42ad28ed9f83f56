"""Which provider file is used, and from what kind of place (IT's, the user's, the caller's).

Kept apart from the file's parser (``wizard.provider``): where a file was found decides how far
its servers are trusted (``wizard.trust.provider_file_origin``), not what the file says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.provider import BUILTIN_PROVIDER_NAME, Provider, load_provider
from wizard.resources import override_provider_places, resource_path
from wizard.trust import (
    BUILTIN_PLACE,
    DomainEndorsement,
    PlaceKind,
    ProviderPlace,
    SettingsOrigin,
    provider_file_origin,
)


@dataclass(frozen=True)
class LocatedProvider:
    """A loaded provider file and the place it came from."""

    provider: Provider
    place: ProviderPlace

    def origin_for(
        self, address: str, *, endorsed: DomainEndorsement | None = None
    ) -> SettingsOrigin:
        return settings_origin(self.provider, self.place, address, endorsed=endorsed)


def settings_origin(
    provider: Provider,
    place: ProviderPlace,
    address: str,
    *,
    endorsed: DomainEndorsement | None = None,
) -> SettingsOrigin:
    """The origin of ``provider``'s settings for ``address``: every server a password goes to."""
    hosts = [server.hostname for server in provider.servers]
    return provider_file_origin(place, hosts, address, endorsed=endorsed)


def provider_place(
    explicit: str | Path | None = None, *, places: Sequence[ProviderPlace] | None = None
) -> ProviderPlace:
    """The file to use: the one named with ``--provider``, else the first override that exists
    (administrators' places first), else the built-in one."""
    if explicit:
        return ProviderPlace(PlaceKind.EXPLICIT, Path(explicit))
    for place in override_provider_places() if places is None else places:
        if place.path is not None and place.path.is_file():
            return place
    return BUILTIN_PLACE


def load_from(place: ProviderPlace) -> Provider:
    path = place.path if place.path is not None else resource_path(BUILTIN_PROVIDER_NAME)
    return load_provider(path)


def locate_provider(
    explicit: str | Path | None = None, *, places: Sequence[ProviderPlace] | None = None
) -> LocatedProvider:
    """Find and load the provider file; a ProviderError names what is wrong with it."""
    place = provider_place(explicit, places=places)
    provider = load_from(place)
    if place.path is not None:
        # The path as loaded (resolved), so the origin names the file that was really read.
        place = ProviderPlace(place.kind, provider.source or place.path)
    return LocatedProvider(provider, place)
