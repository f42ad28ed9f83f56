"""What one port of one host showed the audit (shared by the port checks and the findings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from wizard.services import Security

EXPIRY_WARNING_DAYS = 21


def days_left(not_after: str) -> int | None:
    """Whole days until ``not_after`` (the checks' "YYYY-MM-DD HH:MM:SS" UTC), None if unread."""
    try:
        when = dt.datetime.strptime(not_after[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return (when - dt.datetime.now(dt.UTC)).days


@dataclass(frozen=True)
class Certificate:
    subject: str
    issuer: str
    not_after: str
    names: tuple[str, ...]
    days_left: int | None
    verified: bool  # chain and name verified for the host the settings use
    problem: str = ""  # why verification failed, in OpenSSL's words (escaped)

    @property
    def expires_soon(self) -> bool:
        return self.days_left is not None and self.days_left < EXPIRY_WARNING_DAYS


@dataclass(frozen=True)
class PortReport:
    """What one port of one host showed; ``offered`` is None when nothing mail-like answered."""

    protocol: str
    host: str
    port: int
    expected: Security
    reachable: bool
    offered: Security | None = None
    plain_login_without_tls: bool | None = None
    tls_version: str = ""
    certificate: Certificate | None = None
    greeting: str = ""
    detail: str = ""
    ms: float = 0.0
    addresses: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Speaks what the port is for, with a certificate verified for the host.

        A password accepted before TLS is its own finding (``plain_login_without_tls``): it
        depends on where the client connects from (Dovecot and Haraka allow it from their own
        or private addresses), while this is about what every client gets.
        """
        return (
            self.offered is self.expected
            and self.certificate is not None
            and self.certificate.verified
        )
