"""What discovery finds: each look-up's outcome, the settings it found, and the run's result.

Look-ups report everything, not only a winner, so the domain audit (issue 26) can show what a
domain publishes from the same functions, and the report can say where each setting came from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from wizard.provider import Branding, Provider, ServerSettings

# Server and DNS text is shown with its control characters escaped (it is untrusted): the app's
# one rule for that, re-exported for the discovery modules.
from wizard.safe_text import visible as visible
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin, registrable_domain


class Outcome(enum.StrEnum):
    """How one look-up ended (JSON uses these values)."""

    FOUND = "found"
    NONE = "none"  # asked and answered, nothing usable (404, NXDOMAIN, no records)
    ERROR = "error"  # failed: refused, timed out, invalid document, bad certificate
    SKIPPED = "skipped"  # not asked (privacy rule, nothing to ask about)
    CANCELLED = "cancelled"  # ended because a better answer came, or Stop


# The whole run's bound: silent servers cost at most this (the issue allows 8 s).
RUN_BOUND = 7.5
# The longest one DNS query, connect or read waits (a silent port costs this, not 10 s).
OP_BOUND = 3.0
DEFAULT_ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"

# JSON words for Security (the CLI spelling).
SECURITY_WORD = {Security.TLS: "SSL", Security.STARTTLS: "STARTTLS", Security.PLAIN: "plain"}


@dataclass(frozen=True)
class FoundServer:
    """One service's settings as a source gave them, with where they came from."""

    service: Service
    hostname: str
    port: int
    security: Security
    username: str  # already expanded for the address (%EMAILADDRESS%, %EMAILLOCALPART%)
    authentication: str
    origin: SettingsOrigin

    def as_json(self) -> dict[str, object]:
        return {
            "hostname": self.hostname,
            "port": self.port,
            "security": SECURITY_WORD[self.security],
            "username": self.username,
            "authentication": self.authentication,
            "source": self.origin.as_json(),
        }

    def server_settings(self) -> ServerSettings:
        return ServerSettings(
            service=self.service,
            hostname=self.hostname,
            port=self.port,
            security=self.security,
            username_template=self.username,
            authentication=self.authentication,
        )


@dataclass(frozen=True)
class FoundSettings:
    """A complete set from one source: IMAP and SMTP, ManageSieve when it was published."""

    imap: FoundServer
    smtp: FoundServer
    sieve: FoundServer | None = None

    @property
    def servers(self) -> tuple[FoundServer, ...]:
        return (self.imap, self.smtp) + ((self.sieve,) if self.sieve else ())

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.hostname for s in self.servers))

    def distrusted(self, why: str) -> FoundSettings:
        """The same settings marked untrusted, for the reason given."""

        def mark(server: FoundServer) -> FoundServer:
            return replace(server, origin=replace(server.origin, trusted=False, why=why))

        return FoundSettings(
            mark(self.imap), mark(self.smtp), mark(self.sieve) if self.sieve else None
        )


@dataclass(frozen=True)
class Lookup:
    """One look-up: what was asked, where, how it ended, and what it found (if anything).

    ``rank`` orders sources (lower is better, see :mod:`wizard.discovery.race`); ``trusted``
    and ``why`` say whether the answer may be used without asking the person, and why.
    """

    kind: OriginKind
    where: str
    outcome: Outcome
    rank: int
    trusted: bool = False
    why: str = ""
    detail: str = ""
    ms: float = 0.0
    settings: FoundSettings | None = None
    # Raw facts for the audit: HTTP status, redirect chain, DNS records, DNSSEC...
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.outcome is Outcome.FOUND and self.settings is not None

    def distrusted(self, why: str) -> Lookup:
        """The same answer marked untrusted, for the reason given."""
        settings = self.settings.distrusted(why) if self.settings else None
        return replace(self, trusted=False, why=why, settings=settings)

    def as_json(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "where": visible(self.where),
            "outcome": str(self.outcome),
            "trusted": self.trusted,
            "detail": visible(self.detail or self.why),
            "ms": round(self.ms),
        }


@dataclass(frozen=True)
class DiscoveryResult:
    """A whole run: the chosen settings (or none), and every look-up made."""

    address: str
    domain: str
    settings: FoundSettings | None
    lookups: tuple[Lookup, ...]
    elapsed_ms: float
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.settings is not None

    @property
    def trusted(self) -> bool:
        return self.settings is not None and all(s.origin.trusted for s in self.settings.servers)

    @property
    def origin(self) -> SettingsOrigin | None:
        return self.settings.imap.origin if self.settings else None

    @property
    def server_domains(self) -> tuple[str, ...]:
        """The registrable domains the servers are in, each once, in full: what the person
        confirms before a password goes to untrusted settings."""
        if self.settings is None:
            return ()
        return tuple(dict.fromkeys(registrable_domain(h) for h in self.settings.hosts))

    def as_json(self) -> dict[str, object]:
        settings: dict[str, object] = {"imap": None, "smtp": None, "sieve": None}
        if self.settings is not None:
            for server in self.settings.servers:
                settings[server.service.value] = server.as_json()
        return {
            "address": self.address,
            "domain": self.domain,
            "ok": self.ok,
            "trusted": self.trusted,
            "elapsed_ms": round(self.elapsed_ms),
            "settings": settings,
            "lookups": [lookup.as_json() for lookup in self.lookups],
        }

    def to_provider(self) -> Provider:
        """The found settings as a Provider, so every check, writer and handout works as is."""
        if self.settings is None:
            raise ValueError("no settings were found")
        s = self.settings
        return Provider(
            id=self.domain,
            domains=(self.domain,),
            display_name=self.domain,
            short_name=self.domain,
            imap=s.imap.server_settings(),
            smtp=s.smtp.server_settings(),
            sieve=s.sieve.server_settings() if s.sieve else None,
            branding=Branding(organization=self.domain),
        )
