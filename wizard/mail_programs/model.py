"""What the look at this computer's mail programs found: per account, how it differs.

The facts read from each program (``ProgramAccount``, ``Difference``) are in
``wizard.clients.found``, below the readers and this package alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.clients.found import Difference, ProgramAccount


@dataclass(frozen=True)
class Finding:
    """One account of one program and how it differs from the provider's settings."""

    account: ProgramAccount
    differences: tuple[Difference, ...]

    @property
    def right(self) -> bool:
        return not self.differences and not self.account.offline


@dataclass(frozen=True)
class Unchecked:
    """A program whose settings the app may not read here; the page shows where to look."""

    program: str  # "outlook_new" | "apple_mail"
    reason: str


@dataclass(frozen=True)
class MailProgramsLook:
    """Everything the look at this computer's mail programs found."""

    findings: tuple[Finding, ...] = ()
    looked_at: tuple[str, ...] = ()  # profiles read, for the report
    problems: tuple[str, ...] = ()  # unreadable profiles, named with the reason
    unchecked: tuple[Unchecked, ...] = field(default=())
    duration_ms: float = 0.0
    outlook_checked: bool = False  # the registry was read (Windows)

    @property
    def thunderbird(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.account.program == "thunderbird")
