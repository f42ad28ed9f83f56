"""Each discovery source made ready to run for one address: the one place that calls them.

Discovery's race (``race.plan``) and IT's domain audit (``wizard.audit.sources``) run the same
look-ups; both take them from here, so a source's arguments (what it is told about the address,
its rank, the ISPDB it asks) are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.checks.model import CancelToken
from wizard.discovery import autoconfig as ac
from wizard.discovery.autodiscover import lookup_autodiscover_post
from wizard.discovery.ispdb import lookup_ispdb
from wizard.discovery.model import DEFAULT_ISPDB_URL, Lookup
from wizard.discovery.mx import lookup_mx
from wizard.discovery.net import Network
from wizard.trust import OriginKind

Ask = Callable[[Network, CancelToken, float], Lookup]


@dataclass(frozen=True)
class Asks:
    """The look-ups for ``address``, each a function of (network, cancel token, end time)."""

    address: str
    ispdb_base: str = DEFAULT_ISPDB_URL

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()

    def document(self, kind: OriginKind, rank: int, url: str, send_address: bool) -> Ask:
        """An autoconfig document at ``url`` (with ``emailaddress`` only when ``send_address``)."""

        def ask(net: Network, cancel: CancelToken, end: float) -> Lookup:
            return ac.lookup_document(
                net,
                kind=kind,
                rank=rank,
                url=url,
                address=self.address,
                domain=self.domain,
                cancel=cancel,
                end=end,
                send_address=send_address,
            )

        return ask

    def autodiscover_post(self, url: str) -> Ask:
        def ask(net: Network, cancel: CancelToken, end: float) -> Lookup:
            return lookup_autodiscover_post(
                net,
                url=url,
                domain=self.domain,
                address=self.address,
                rank=3,
                cancel=cancel,
                end=end,
            )

        return ask

    def common(self, fn: Callable[..., Lookup], rank: int) -> Ask:
        """A source that needs only the address, its domain and its rank (SRV, probing, …)."""

        def ask(net: Network, cancel: CancelToken, end: float) -> Lookup:
            return fn(
                net, domain=self.domain, address=self.address, rank=rank, cancel=cancel, end=end
            )

        return ask

    def ispdb(self) -> Ask:
        def ask(net: Network, cancel: CancelToken, end: float) -> Lookup:
            return lookup_ispdb(
                net,
                base=self.ispdb_base,
                domain=self.domain,
                address=self.address,
                rank=5,
                cancel=cancel,
                end=end,
            )

        return ask

    def mx(self) -> Ask:
        def ask(net: Network, cancel: CancelToken, end: float) -> Lookup:
            return lookup_mx(
                net,
                domain=self.domain,
                address=self.address,
                ispdb_base=self.ispdb_base,
                rank=6,
                cancel=cancel,
                end=end,
            )

        return ask
