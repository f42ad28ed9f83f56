"""Which settings the run uses: IT's (built in or its file), discovery's, or typed by the person.

Apart from the flow's navigation and check state (:mod:`wizard.flow`): IT's settings win for
the domains they cover and need no look-up at all; any other address is looked up on the
checking page (``wizard.discovery``, off the GUI thread) and the flow then keeps a ``Provider``
built from what was found, so the checks, Thunderbird, the step screens, the handout and the
report all work from it unchanged. Where the settings came from goes to the origin gate, which
asks before an untrusted answer gets a password.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from wizard.flow_state import AccountInput
from wizard.origin_gate import OriginGate
from wizard.provider import Provider

if TYPE_CHECKING:
    from wizard.discovery.manual import ManualResult
    from wizard.discovery.model import DiscoveryResult


class SettingsChoice:
    """The flow's part that picks the settings (a mixin of ``WizardFlow``)."""

    provider: Provider
    account: AccountInput
    origin_gate: OriginGate

    def _init_settings(self, provider: Provider, *, ask_domain: bool = False) -> None:
        # IT's settings (built in or its file): what every address of its domains uses.
        self.it_provider = provider
        # The last discovery's answer (for Details and the report), None when IT's are used.
        self.discovery: DiscoveryResult | None = None
        # The address the settings in use were found or typed for ("" while IT's are used).
        self.settings_for = ""
        # The person asked for the manual settings page (or nothing was found).
        self.manual_wanted = False
        # What the typed settings risk (no encryption, port 25), said under Details.
        self.settings_warnings: tuple[str, ...] = ()
        # Issue 27's hook: per domain, the servers its own published data names (discovery's
        # trusted answer), looked up off the GUI thread; a user-writable provider file whose
        # servers are among them counts as IT's word.
        self.published_servers: dict[str, frozenset[str]] = {}
        self.ask_domain = ask_domain
        self.origin_gate.endorsed = self._published_by_domain

    def _published_by_domain(self, domain: str, host: str) -> bool:
        return host in self.published_servers.get(domain.lower(), frozenset())

    @property
    def needs_endorsement(self) -> bool:
        """IT's settings cover the address but come from a place anyone can write, and point
        outside the domain: whether the domain itself names those servers is not known yet."""
        address = self.account.address
        if not self.ask_domain or not address or not self.it_provider.matches_domain(address):
            return False
        if self.provider is not self.it_provider:
            return False
        domain = address.rpartition("@")[2].lower()
        if domain in self.published_servers:
            return False
        return self.origin_gate.needs_confirmation(self.provider, address)

    def record_published(self, domain: str, result: DiscoveryResult | None) -> None:
        """What ``domain`` publishes, from discovery (only a trusted answer counts); None:
        the look-up was stopped, nothing is endorsed and it is not asked again this run."""
        from wizard.trust import normalise_host

        hosts: frozenset[str] = frozenset()
        if result is not None and result.trusted and result.settings is not None:
            hosts = frozenset(normalise_host(h) for h in result.settings.hosts)
        self.published_servers[domain.lower()] = hosts

    @property
    def needs_discovery(self) -> bool:
        """The address is outside IT's domains and nothing was found or typed for it yet."""
        address = self.account.address
        if not address or self.it_provider.matches_domain(address):
            return False
        return self.settings_for != address.lower()

    def use_discovered(self, result: DiscoveryResult) -> None:
        """Check (and set up) with what discovery found; its origin decides whether to ask."""
        if result.settings is None or result.origin is None:
            raise ValueError("discovery found no settings")
        self.discovery = result
        self.provider = result.to_provider()
        origin = result.origin
        # One untrusted server makes the whole set untrusted: the password goes to all of them.
        self.origin_gate.known = origin if result.trusted else replace(origin, trusted=False)
        self.settings_for = self.account.address.lower()
        self.manual_wanted = False
        self.settings_warnings = ()

    def choose_manual_settings(self, wanted: bool = True) -> None:
        """The person will type the servers in (the manual settings page comes next)."""
        self.manual_wanted = wanted

    def use_manual(self, typed: ManualResult) -> None:
        """Check with the settings the person typed (their own choice: nothing is asked)."""
        from wizard.discovery.model import DiscoveryResult

        domain = self.account.address.rpartition("@")[2].lower()
        result = DiscoveryResult(self.account.address, domain, typed.settings, (), 0.0)
        self.discovery = None
        self.provider = result.to_provider()
        self.origin_gate.known = typed.settings.imap.origin
        self.settings_for = self.account.address.lower()
        self.settings_warnings = typed.warnings

    def forget_found_settings(self, address: str) -> None:
        """A new address: settings found or typed for another one no longer apply."""
        if self.settings_for and self.settings_for != address.lower():
            self.provider = self.it_provider
            self.origin_gate.known = None
            self.discovery = None
            self.settings_for = ""
            self.manual_wanted = False
            self.settings_warnings = ()
