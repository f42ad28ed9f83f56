"""The mail services the app checks and configures, and how a connection to one is secured.

A leaf module: everything from the protocol checks to the Qt pages names these two, so they
import nothing of the app's own but the word tables (``wizard.words``, itself a leaf), and every
other module may import them.
"""

from __future__ import annotations

import enum

from wizard.words import service_label


class Security(enum.StrEnum):
    """How a connection is secured, in the wizard's own words (JSON uses these values)."""

    TLS = "tls"  # implicit TLS from the first byte (autoconfig "SSL")
    STARTTLS = "starttls"
    PLAIN = "plain"

    @classmethod
    def from_socket_type(cls, value: str) -> Security:
        mapping = {"SSL": cls.TLS, "STARTTLS": cls.STARTTLS, "PLAIN": cls.PLAIN}
        try:
            return mapping[value.strip().upper()]
        except KeyError:
            raise ValueError(value) from None

    @property
    def socket_type(self) -> str:
        return {Security.TLS: "SSL", Security.STARTTLS: "STARTTLS", Security.PLAIN: "plain"}[self]


class Service(enum.StrEnum):
    IMAP = "imap"
    SMTP = "smtp"
    SIEVE = "sieve"
    # Not a server of its own: a test message sent over SMTP and awaited over IMAP.
    ROUNDTRIP = "roundtrip"

    @property
    def label(self) -> str:
        """ "Receiving mail (IMAP)": the person's name with the protocol, for IT's texts."""
        return service_label(self.value)
