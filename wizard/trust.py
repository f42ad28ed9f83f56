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
from dataclasses import dataclass
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
    return _psl().privatesuffix(name) or name


def same_registrable_domain(host: str, domain: str) -> bool:
    """Whether ``host`` belongs to the same registered domain as ``domain``."""
    return registrable_domain(host) == registrable_domain(domain)
