"""What the audit found and concluded: findings, each program's verdict, and the whole result.

The JSON shape is the issue's: ``{"domain", "elapsed_ms", "findings": [{"id", "ok", "what",
"found", "why"}], "programs": [{"program", "will_use", "how", "ok"}]}``. ``ok`` is ``None`` for
a finding that is neither right nor wrong (a source the domain does not use, a port not meant
to be open).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.provider import ServerSettings
from wizard.services import Security, Service

SECURITY_WORD = {Security.TLS: "SSL", Security.STARTTLS: "STARTTLS", Security.PLAIN: "plain"}


@dataclass(frozen=True)
class Settings:
    """A set of server settings as one source gives them (IMAP and SMTP; ManageSieve if any)."""

    imap: ServerSettings
    smtp: ServerSettings
    sieve: ServerSettings | None = None

    @property
    def servers(self) -> tuple[ServerSettings, ...]:
        return (self.imap, self.smtp) + ((self.sieve,) if self.sieve else ())

    def server(self, service: Service) -> ServerSettings | None:
        return {Service.IMAP: self.imap, Service.SMTP: self.smtp, Service.SIEVE: self.sieve}.get(
            service
        )

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for server in self.servers:
            out[server.service.value] = {
                "hostname": server.hostname,
                "port": server.port,
                "security": SECURITY_WORD[server.security],
                "username": server.username_template,
            }
        return out

    def describe(self) -> str:
        return ", ".join(
            f"{s.service.value} {s.hostname}:{s.port} {SECURITY_WORD[s.security]}"
            for s in self.servers
        )


def same_servers(a: Settings, b: Settings, *, with_sieve: bool = False) -> bool:
    """Whether two sets send a program to the same place in the same way (host, port, security).

    The login template is compared too: a wrong login is a failed login.
    """

    def key(s: ServerSettings | None) -> tuple[str, int, Security, str] | None:
        if s is None:
            return None
        return (s.hostname.lower().rstrip("."), s.port, s.security, s.username_template)

    pairs = [(a.imap, b.imap), (a.smtp, b.smtp)]
    if with_sieve:
        pairs.append((a.sieve, b.sieve))  # type: ignore[arg-type]
    return all(key(x) == key(y) for x, y in pairs)


@dataclass(frozen=True)
class SourceAnswer:
    """One place a mail program looks, as the audit saw it."""

    source: str  # the finding id's middle part: "autoconfig", "well-known", "ispdb"…
    where: str  # the URL or DNS name asked
    outcome: str  # "found", "none", "error", "skipped"
    trusted: bool = False
    detail: str = ""
    settings: Settings | None = None
    ms: float = 0.0
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.outcome == "found" and self.settings is not None


@dataclass(frozen=True)
class Finding:
    id: str
    ok: bool | None
    what: str
    found: str
    why: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ok": self.ok,
            "what": self.what,
            "found": self.found,
            "why": self.why,
        }


@dataclass(frozen=True)
class ProgramVerdict:
    program: str
    will_use: Settings | None
    how: str
    # None: nothing the domain publishes changes what it does (Apple Mail): not counted.
    ok: bool | None

    def as_json(self) -> dict[str, object]:
        return {
            "program": self.program,
            "will_use": self.will_use.as_json() if self.will_use else None,
            "how": self.how,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class AuditResult:
    domain: str
    elapsed_ms: float
    findings: tuple[Finding, ...]
    programs: tuple[ProgramVerdict, ...]

    @property
    def ok(self) -> bool:
        """Every program will find the right settings (the exit status); ``None`` not counted."""
        return all(p.ok is not False for p in self.programs)

    def as_json(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "elapsed_ms": round(self.elapsed_ms),
            "findings": [f.as_json() for f in self.findings],
            "programs": [p.as_json() for p in self.programs],
        }


@dataclass(frozen=True)
class SrvAnswer:
    """One SRV name as the resolver answered it: (priority, weight, port, target) records."""

    name: str
    records: tuple[tuple[int, int, int, str], ...]
    dnssec: bool
    error: str = ""
