"""One trust model for where settings came from: the provider file, discovery and manual entry.

A setting says where the server is that a password will be sent to, so it is only as good as
its origin. The built-in settings (part of the signed build) and a file in a place only an
administrator can write are IT's word; anything else is trusted only when its servers lie
inside the address's own registrable domain (or a DNSSEC-validated answer points there), and
otherwise the person confirms, seeing the servers' registrable domain in full, before any
password is sent. Qt-free and network-free.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


class OriginKind(enum.StrEnum):
    """Where a set of settings came from (JSON uses these values)."""

    BUILTIN = "builtin"  # the settings inside the signed build
    PROVIDER = "provider"  # IT's provider file
    AUTOCONFIG = "autoconfig"
    WELL_KNOWN = "well-known"
    ISPDB = "ispdb"
    MX = "mx"
    SRV = "srv"
    AUTODISCOVER = "autodiscover"
    PROBE = "probe"
    MANUAL = "manual"


@dataclass(frozen=True)
class SettingsOrigin:
    """Where settings came from, and whether they may be used without asking the person.

    ``where`` is a URL, a DNS record, a file path or a host; ``why`` says in a few words why the
    origin is (or is not) trusted, for the report and the confirmation.
    """

    kind: OriginKind
    where: str
    trusted: bool
    why: str = ""

    def as_json(self) -> dict[str, object]:
        return {"kind": str(self.kind), "where": self.where, "trusted": self.trusted}


@functools.cache
def _psl() -> PublicSuffixList:
    # The Public Suffix List ships inside the package: nothing is downloaded at run time.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def normalise_host(host: str) -> str:
    """Lower case, no trailing dot, IDNA (punycode) for international names."""
    host = host.strip().rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def registrable_domain(host: str) -> str:
    """The domain someone registered (``mail.example.co.uk`` → ``example.co.uk``).

    A host that is itself a public suffix, or not a domain name at all (an IP address), is
    returned as it is: it then matches only itself.
    """
    name = normalise_host(host)
    if _is_ip_address(name):
        return name  # the list would take "127.0.0.1" for a name and answer "0.1"
    return _psl().privatesuffix(name) or name


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def same_registrable_domain(host: str, domain: str) -> bool:
    """Whether ``host`` belongs to the same registered domain as ``domain``."""
    return registrable_domain(host) == registrable_domain(domain)


# -- the provider file -------------------------------------------------------------------------


class PlaceKind(enum.StrEnum):
    """How far a place a provider file was found in can be trusted."""

    BUILTIN = "builtin"  # inside the signed build
    ADMIN = "admin"  # only an administrator can write there (IT's deployment)
    USER = "user"  # the person, or anything they run or download, can write there
    EXPLICIT = "explicit"  # named by the caller with --provider: their own choice


@dataclass(frozen=True)
class ProviderPlace:
    """A provider file and the kind of place it was found in (``path`` None: built in)."""

    kind: PlaceKind
    path: Path | None = None


BUILTIN_PLACE = ProviderPlace(PlaceKind.BUILTIN)

# The discovery engineer's hook: whether ``domain``'s own published data (MX, autoconfig on the
# domain, SRV, under the discovery rules) points at ``host``. A user-writable provider file whose
# servers the domain itself names is as good as one inside the domain. None: not asked (only the
# registrable-domain rule applies).
DomainEndorsement = Callable[[str, str], bool]


def address_domain(address: str) -> str:
    return address.rpartition("@")[2]


def foreign_domains(
    hosts: Iterable[str], address: str, *, endorsed: DomainEndorsement | None = None
) -> list[str]:
    """The registrable domains of ``hosts`` outside the address's own, each once, in order.

    Empty when every host lies inside the address's registrable domain or, with ``endorsed``,
    is a host that domain's published data points at.
    """
    domain = address_domain(address)
    outside: dict[str, None] = {}
    for host in hosts:
        if domain and same_registrable_domain(host, domain):
            continue
        if domain and endorsed is not None and endorsed(domain, normalise_host(host)):
            continue
        outside[registrable_domain(host)] = None
    return list(outside)


def provider_file_origin(
    place: ProviderPlace,
    hosts: Iterable[str],
    address: str,
    *,
    endorsed: DomainEndorsement | None = None,
) -> SettingsOrigin:
    """How far settings from ``place`` may be trusted for ``address`` (issue 27's rule).

    The built-in settings and a file in an administrator's place are IT's word; a file named with
    ``--provider`` is the caller's own choice and is not asked about again. A file in a place the
    user (or a download) can write is trusted only while every server lies inside the address's
    registrable domain or where that domain's own data points (``endorsed``): a planted file
    that keeps the organisation's ``<domain>`` but names another server must not get the
    password without the person seeing that server's domain and agreeing.
    """
    if place.kind is PlaceKind.BUILTIN:
        return SettingsOrigin(OriginKind.BUILTIN, "built in", True, "part of the signed app")
    where = str(place.path) if place.path is not None else "provider file"
    if place.kind is PlaceKind.ADMIN:
        return SettingsOrigin(
            OriginKind.PROVIDER, where, True, "a place only an administrator can change"
        )
    if place.kind is PlaceKind.EXPLICIT:
        return SettingsOrigin(OriginKind.PROVIDER, where, True, "named with --provider")
    outside = foreign_domains(hosts, address, endorsed=endorsed)
    if not outside:
        return SettingsOrigin(
            OriginKind.PROVIDER,
            where,
            True,
            f"a place anyone on this computer can write, but every server is in "
            f"{registrable_domain(address_domain(address))}",
        )
    return SettingsOrigin(
        OriginKind.PROVIDER,
        where,
        False,
        f"a place anyone on this computer can write, and the servers are in "
        f"{', '.join(outside)}, not in {registrable_domain(address_domain(address))}",
    )
