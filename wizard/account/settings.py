"""The settings an account was set up with, kept with the remembered account (issue 28 item 4).

Remembering a path to a provider file and re-reading it on every start trusted whatever file
lay there later (a USB drive letter, a shared folder), and filled the stored password in for
it. Instead the account keeps the servers themselves; the next start compares them with the
settings in use, and a difference makes the account a new one: nothing is filled in from the
keychain, whose entry is named after these servers (:attr:`SettingsSnapshot.keychain_label`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wizard.provider import Provider
from wizard.services import Security, Service

_SERVICES = (Service.IMAP, Service.SMTP, Service.SIEVE)
_MAX_SERVERS = len(_SERVICES)


class SnapshotError(ValueError):
    """A stored snapshot is malformed (the message says which part)."""


@dataclass(frozen=True, slots=True)
class ServerSnapshot:
    service: Service
    hostname: str
    port: int
    security: Security
    username_template: str

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service.value,
            "hostname": self.hostname,
            "port": self.port,
            "security": self.security.value,
            "username_template": self.username_template,
        }


@dataclass(frozen=True, slots=True)
class SettingsSnapshot:
    """Hosts, ports, security and login templates, and where they came from."""

    servers: tuple[ServerSnapshot, ...]
    origin_kind: str  # wizard.trust.OriginKind / PlaceKind value at set-up time
    origin_where: str
    origin_trusted: bool

    @classmethod
    def of(
        cls, provider: Provider, *, origin_kind: str, origin_where: str, origin_trusted: bool
    ) -> SettingsSnapshot:
        servers = tuple(
            ServerSnapshot(s.service, s.hostname.lower(), s.port, s.security, s.username_template)
            for s in provider.servers
        )
        return cls(servers, origin_kind, origin_where, origin_trusted)

    @property
    def fingerprint(self) -> str:
        """Short, stable digest of the servers (not the origin): same servers, same value."""
        # Imported here: hashlib loads OpenSSL's libcrypto (~4 MB), which the first page, shown
        # before any fingerprint is needed, does without (bench/startup.py).
        import hashlib

        canonical = json.dumps([s.as_json() for s in self.servers], sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    @property
    def keychain_label(self) -> str:
        """What ties a keychain entry to these servers, readable in the keychain's list."""
        hosts = list(dict.fromkeys(s.hostname for s in self.servers[:2]))
        return f"{', '.join(hosts)}; {self.fingerprint}"

    def same_servers(self, provider: Provider) -> bool:
        """Whether ``provider`` names exactly these servers (compared field by field, which
        is what the fingerprint digests, without loading hashlib on the first page)."""
        current = SettingsSnapshot.of(
            provider, origin_kind="", origin_where="", origin_trusted=False
        )
        return current.servers == self.servers

    def as_json(self) -> dict[str, Any]:
        return {
            "servers": [s.as_json() for s in self.servers],
            "origin": {
                "kind": self.origin_kind,
                "where": self.origin_where,
                "trusted": self.origin_trusted,
            },
        }

    @classmethod
    def from_json(cls, doc: Any) -> SettingsSnapshot:
        if not isinstance(doc, dict):
            raise SnapshotError("'settings' is not an object")
        servers_doc, origin = doc.get("servers"), doc.get("origin")
        if not isinstance(servers_doc, list) or not 0 < len(servers_doc) <= _MAX_SERVERS:
            raise SnapshotError("'settings' has no valid 'servers'")
        if not isinstance(origin, dict):
            raise SnapshotError("'settings' has no valid 'origin'")
        kind, where, trusted = origin.get("kind"), origin.get("where"), origin.get("trusted")
        if not (isinstance(kind, str) and isinstance(where, str) and type(trusted) is bool):
            raise SnapshotError("'settings' has an invalid 'origin'")
        return cls(tuple(_server(s) for s in servers_doc), kind, where, trusted)


def _server(doc: Any) -> ServerSnapshot:
    try:
        if not isinstance(doc, dict):
            raise TypeError
        port = doc["port"]
        host, template = doc["hostname"], doc["username_template"]
        if type(port) is not int or not 0 < port < 65536:
            raise ValueError
        if not isinstance(host, str) or not host or not isinstance(template, str):
            raise TypeError
        service = Service(doc["service"])
        if service not in _SERVICES:
            raise ValueError
        return ServerSnapshot(service, host, port, Security(doc["security"]), template)
    except (KeyError, TypeError, ValueError):
        raise SnapshotError("'settings' has an invalid server") from None


def servers_fingerprint(provider: Provider) -> str:
    return SettingsSnapshot.of(
        provider, origin_kind="", origin_where="", origin_trusted=False
    ).fingerprint


def keychain_label(provider: Provider) -> str:
    """The keychain label for ``provider``'s servers (:attr:`SettingsSnapshot.keychain_label`)."""
    return SettingsSnapshot.of(
        provider, origin_kind="", origin_where="", origin_trusted=False
    ).keychain_label
