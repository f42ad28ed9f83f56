"""What one self-test check found, and how a check says it failed."""

from __future__ import annotations

from dataclasses import dataclass

TLS_TIMEOUT = 10.0
KEYRING_TIMEOUT = 10.0


class SelftestError(Exception):
    """A check failed; the message says what is wrong."""


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str
    duration_ms: float

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.name}: {self.detail} ({self.duration_ms:.0f} ms)"
