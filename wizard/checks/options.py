"""What a run is asked to do: one frozen object built once by the CLI or the GUI and handed down.

Every check, the test message and discovery read their settings from here, so a new option is
one field and one reader instead of a keyword passed down through every layer. Qt-free and
network-free: the GUI builds it before the network stack is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from wizard.checks.model import DEFAULT_TEST_MESSAGE_TIMEOUT, DEFAULT_TIMEOUT
from wizard.services import Service


@dataclass(frozen=True)
class CheckOptions:
    """The options of one run (diagnose, set-up check, discovery, audit)."""

    # Each network step's bound in seconds; a check ends within a small multiple of it.
    timeout: float = DEFAULT_TIMEOUT
    # How long the test message to oneself is awaited.
    test_message_timeout: float = DEFAULT_TEST_MESSAGE_TIMEOUT
    # Extra CA certificates to trust (tests, a private CA); None: the system's trust only.
    ca_file: Path | None = None
    # The resolver every DNS query of the run goes to (host names, MX, SRV); None: the system's.
    dns_server: tuple[str, int] | None = None
    # The resolver for the DNS blocklist look-ups; None: the same as ``dns_server``.
    dnsbl_server: tuple[str, int] | None = None
    # The services to check; None: every service the settings name.
    only: frozenset[Service] | None = None
    # Send a test message to oneself once the IMAP and SMTP logins passed.
    send_test_message: bool = False
    # The login name to use instead of the one the settings give for the address.
    username: str | None = None

    def with_changes(self, **changes: object) -> CheckOptions:
        """A copy with some fields changed (the object itself never changes)."""
        return replace(self, **changes)  # type: ignore[arg-type]
