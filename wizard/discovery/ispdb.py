"""Thunderbird's ISPDB: the curated autoconfig files of the big providers, asked by domain only.

The database gets the domain, never the address. Its answer is trusted (HTTPS, a curated list)
only when the servers it names lie inside the address's own registrable domain; a provider
that hosts the domain elsewhere is shown with that domain and confirmed first.
"""

from __future__ import annotations

from wizard.checks.model import CancelToken
from wizard.discovery import model
from wizard.discovery.autoconfig import lookup_document
from wizard.discovery.model import Lookup
from wizard.discovery.net import Network
from wizard.trust import OriginKind, registrable_domain, same_registrable_domain

DEFAULT_ISPDB_URL = model.DEFAULT_ISPDB_URL


def ispdb_url(base: str, domain: str) -> str:
    return base.rstrip("/") + "/" + domain


def lookup_ispdb(
    net: Network,
    *,
    base: str,
    domain: str,
    address: str,
    rank: int,
    cancel: CancelToken,
    end: float,
    kind: OriginKind = OriginKind.ISPDB,
    trusted_if_https: bool = True,
) -> Lookup:
    """The ISPDB's entry for ``domain`` (the address's, or the MX's for MX-derived)."""
    url = ispdb_url(base, domain)
    found = lookup_document(
        net,
        kind=kind,
        rank=rank,
        url=url,
        address=address,
        domain=registrable_domain(url.split("/")[2]),
        cancel=cancel,
        end=end,
        trusted_if_https=trusted_if_https,
    )
    if not (found.found and found.trusted and found.settings):
        return found
    own = address.rpartition("@")[2]
    outside = [h for h in found.settings.hosts if not same_registrable_domain(h, own)]
    if not outside:
        return found
    why = f"the ISPDB names servers in {registrable_domain(outside[0])}, not {own}"
    return found.distrusted(why)
