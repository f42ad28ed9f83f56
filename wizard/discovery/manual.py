"""Settings typed by the person (the manual settings page): checked before anything is tried.

Like Thunderbird's manual configuration: host, port and security per service. Bad input gets
one clear message naming the field and changes nothing. Plain text and port 25 are refused
unless the person explicitly allows them, and then each comes with a warning to show: a
password would cross the network readable, or port 25 is for servers, not for sending as a
person (RFC 8314 section 3, RFC 6409).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from wizard.discovery.model import FoundServer, FoundSettings
from wizard.errors import WizardError
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin, normalise_host

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SECURITY_WORDS = {
    "ssl": Security.TLS,
    "tls": Security.TLS,
    "ssl/tls": Security.TLS,
    "starttls": Security.STARTTLS,
    "plain": Security.PLAIN,
    "none": Security.PLAIN,
}
ORIGIN = SettingsOrigin(OriginKind.MANUAL, "typed in", True, "entered by the person")


class ManualSettingsError(WizardError, ValueError):
    """One field is not usable; ``field`` names it for the page to focus."""

    def __init__(self, service: Service, field: str, message: str) -> None:
        super().__init__(message)
        self.service = service
        self.field = field


@dataclass(frozen=True)
class ManualEntry:
    """What the person typed for one service (text as typed; checked by :func:`manual_settings`)."""

    service: Service
    hostname: str
    port: str
    security: str
    username: str = ""


@dataclass(frozen=True)
class ManualResult:
    settings: FoundSettings
    warnings: tuple[str, ...] = ()


def check_hostname(text: str, service: Service) -> str:
    host = normalise_host(text)
    label = service.label
    if not host:
        raise ManualSettingsError(service, "hostname", f"{label}: enter the server's name.")
    if "://" in text or "/" in host or any(c.isspace() for c in host):
        raise ManualSettingsError(
            service, "hostname", f"{label}: enter only the server's name, like mail.example.org."
        )
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.strip("[]")
    except ValueError:
        pass
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(x) for x in labels):
        raise ManualSettingsError(
            service, "hostname", f"{label}: “{text.strip()}” is not a server name."
        )
    return host


def check_port(text: str, service: Service) -> int:
    value = text.strip()
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ManualSettingsError(
            service, "port", f"{service.label}: the port is a number from 1 to 65535."
        )
    return int(value)


def check_security(text: str, service: Service) -> Security:
    try:
        return _SECURITY_WORDS[text.strip().lower()]
    except KeyError:
        raise ManualSettingsError(
            service, "security", f"{service.label}: choose SSL/TLS, STARTTLS or none."
        ) from None


def manual_settings(
    address: str,
    entries: list[ManualEntry],
    *,
    allow_insecure: bool = False,
) -> ManualResult:
    """The typed settings as FoundSettings (IMAP and SMTP required, ManageSieve optional)."""
    found: dict[Service, FoundServer] = {}
    warnings: list[str] = []
    for entry in entries:
        service = entry.service
        host = check_hostname(entry.hostname, service)
        port = check_port(entry.port, service)
        security = check_security(entry.security, service)
        if security is Security.PLAIN:
            if not allow_insecure:
                raise ManualSettingsError(
                    service,
                    "security",
                    f"{service.label}: without encryption the password crosses the network "
                    "readable; choose SSL/TLS or STARTTLS, or allow it explicitly.",
                )
            warnings.append(f"{service.label}: no encryption; the password can be read on the way.")
        if service is Service.SMTP and port == 25:
            if not allow_insecure:
                raise ManualSettingsError(
                    service,
                    "port",
                    f"{service.label}: port 25 is for servers passing mail on; people send on "
                    "465 or 587. Allow it explicitly to try anyway.",
                )
            warnings.append(f"{service.label}: port 25 is often blocked and meant for servers.")
        found[service] = FoundServer(
            service=service,
            hostname=host,
            port=port,
            security=security,
            username=entry.username.strip() or address,
            authentication="password-cleartext",
            origin=ORIGIN,
        )
    for required in (Service.IMAP, Service.SMTP):
        if required not in found:
            raise ManualSettingsError(required, "hostname", f"{required.label}: enter a server.")
    return ManualResult(
        FoundSettings(found[Service.IMAP], found[Service.SMTP], found.get(Service.SIEVE)),
        tuple(warnings),
    )
