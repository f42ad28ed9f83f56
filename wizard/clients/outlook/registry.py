"""Outlook (classic, Windows) IMAP/POP/SMTP accounts, read from the registry; read-only.

Written for Outlook 2013, 2016, 2019, 2021, 2024 and Microsoft 365's classic Outlook, which keep
each mail profile under ``HKCU\\Software\\Microsoft\\Office\\<15.0|16.0>\\Outlook\\Profiles\\
<profile>\\9375CFF0413111d3B88A00104B2A6676\\<nnnnnnnn>``, one numbered subkey per account.
It has NOT been run against a real Outlook here (no Windows on this machine): the value names
and encodings below come from public sources, and the tests feed the reader values in exactly
that format through :class:`RegistrySource`.

Value names and encodings (sources: Thunderbird's Outlook importer, comm-central
``mailnews/import/outlook/src/nsOutlookSettings.cpp``; the OpaqueMail proxy's Outlook reader,
github.com/bertjohnson/OpaqueMail, ``OpaqueMail.Proxy.Settings``; Microsoft's "Which registry
keys determine the Outlook profile" answers for the 15.0/16.0 profile location):

* strings are ``REG_BINARY`` holding UTF-16-LE text with a terminating NUL:
  ``Account Name``, ``Email``, ``Display Name``, ``IMAP Server``, ``IMAP User``,
  ``POP3 Server``, ``POP3 User``, ``SMTP Server``, ``SMTP User``;
* numbers are ``REG_DWORD``: ``IMAP Port``, ``POP3 Port``, ``SMTP Port``; the encryption choice
  ``IMAP Use SSL`` / ``POP3 Use SSL`` / ``SMTP Use SSL`` (0 None, 1 SSL/TLS, 2 STARTTLS,
  3 Auto — Outlook 2013 and later; older versions only wrote 0/1); ``IMAP Use SPA`` /
  ``SMTP Use SPA`` (1: "Require logon using Secure Password Authentication", i.e. NTLM);
  ``SMTP Use Auth`` (1: "My outgoing server requires authentication");
* passwords (``IMAP Password``…) are DPAPI-encrypted blobs: never read here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from wizard.clients.found import ProgramAccount, ServerFound, shown
from wizard.services import Security, Service

ACCOUNTS_KEY = "9375CFF0413111d3B88A00104B2A6676"
OFFICE_VERSIONS = ("16.0", "15.0")
WRITTEN_FOR = "Outlook 2013, 2016, 2019, 2021, 2024 and Microsoft 365 (classic Outlook)"
NOT_RUN_NOTE = (
    f"The Outlook reader was written for {WRITTEN_FOR} from public descriptions of its "
    "registry; it has not been run against a real Outlook."
)
_ENCRYPTION = {0: Security.PLAIN, 1: Security.TLS, 2: Security.STARTTLS}  # 3 "Auto": unknown
# Bounds: a string value is a host name or an address, never kilobytes.
_MAX_STRING_BYTES = 2048
_MAX_ACCOUNTS = 500

RegistryValue = bytes | int | str


class RegistrySource(Protocol):
    """The little of the registry the reader needs; winreg on Windows, a dict in the tests."""

    def profiles(self) -> Iterator[tuple[str, str]]:
        """(Office version, profile name) for every Outlook profile."""
        ...

    def accounts(self, version: str, profile: str) -> Iterator[tuple[str, Mapping[str, object]]]:
        """(account subkey, its values) under the profile's 9375CFF0… key."""
        ...


@dataclass(frozen=True)
class OutlookAccount:
    version: str
    profile: str
    key: str
    account: ProgramAccount


def read_accounts(source: RegistrySource) -> list[OutlookAccount]:
    """Every IMAP/POP account in every Outlook profile (Exchange and others are skipped)."""
    found: list[OutlookAccount] = []
    for version, profile in source.profiles():
        for key, values in source.accounts(version, profile):
            account = _account(profile, key, values)
            if account is not None:
                found.append(OutlookAccount(version, profile, key, account))
            if len(found) >= _MAX_ACCOUNTS:
                return found
    return found


def _account(profile: str, key: str, values: Mapping[str, object]) -> ProgramAccount | None:
    incoming = _server(values, "IMAP", Service.IMAP, "imap") or _server(
        values, "POP3", Service.IMAP, "pop3"
    )
    if incoming is None:
        return None
    outgoing = _server(values, "SMTP", Service.SMTP, "smtp")
    if outgoing is not None and not outgoing.username and _dword(values, "SMTP Use Auth") != 1:
        outgoing = ServerFound(
            outgoing.service,
            outgoing.protocol,
            outgoing.hostname,
            outgoing.port,
            outgoing.security,
            "",
            "none",
        )
    elif outgoing is not None and not outgoing.username:
        # "Use same settings as my incoming mail server": Outlook logs in with the IMAP login.
        outgoing = ServerFound(
            outgoing.service,
            outgoing.protocol,
            outgoing.hostname,
            outgoing.port,
            outgoing.security,
            incoming.username,
            outgoing.authentication,
        )
    return ProgramAccount(
        program="outlook",
        profile=shown(profile),
        account=shown(key),
        address=_string(values, "Email"),
        incoming=incoming,
        outgoing=outgoing,
    )


def _server(
    values: Mapping[str, object], prefix: str, service: Service, protocol: str
) -> ServerFound | None:
    host = _string(values, f"{prefix} Server")
    if not host:
        return None
    encryption = _dword(values, f"{prefix} Use SSL")
    default_port = {"imap": 143, "pop3": 110, "smtp": 25}[protocol]
    if encryption == 1:
        default_port = {"imap": 993, "pop3": 995, "smtp": 465}[protocol]
    spa = _dword(values, f"{prefix} Use SPA") == 1
    return ServerFound(
        service=service,
        protocol=protocol,
        hostname=host,
        port=_dword(values, f"{prefix} Port") or default_port,
        security=_ENCRYPTION.get(encryption if encryption is not None else 0),
        username=_string(values, f"{prefix} User"),
        authentication="ntlm" if spa else "password-cleartext",
    )


def _string(values: Mapping[str, object], name: str) -> str:
    """A UTF-16-LE REG_BINARY string (REG_SZ accepted too), up to its NUL; bounded."""
    value = values.get(name)
    if isinstance(value, str):
        return shown(value[: _MAX_STRING_BYTES // 2].split("\0", 1)[0].strip())
    if not isinstance(value, bytes | bytearray):
        return ""
    raw = bytes(value[:_MAX_STRING_BYTES])
    raw = raw[: len(raw) - len(raw) % 2]
    return shown(raw.decode("utf-16-le", "replace").split("\0", 1)[0].strip())


def _dword(values: Mapping[str, object], name: str) -> int | None:
    value = values.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= 0xFFFFFFFF else None


class WinregSource:  # pragma: no cover - Windows only; the tests use a dict-backed source
    """The real registry, read-only (``KEY_READ``), under HKEY_CURRENT_USER."""

    def __init__(self) -> None:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        self._winreg = winreg

    def _subkeys(self, path: str) -> list[str]:
        winreg = self._winreg
        try:
            key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, path, 0, winreg.KEY_READ)
        except OSError:
            return []
        names = []
        with key:
            for index in range(_MAX_ACCOUNTS):
                try:
                    names.append(winreg.EnumKey(key, index))
                except OSError:
                    break
        return names

    def profiles(self) -> Iterator[tuple[str, str]]:
        for version in OFFICE_VERSIONS:
            base = f"Software\\Microsoft\\Office\\{version}\\Outlook\\Profiles"
            for profile in self._subkeys(base):
                yield version, profile

    def accounts(self, version: str, profile: str) -> Iterator[tuple[str, Mapping[str, object]]]:
        winreg = self._winreg
        profiles = f"Software\\Microsoft\\Office\\{version}\\Outlook\\Profiles"
        base = f"{profiles}\\{profile}\\{ACCOUNTS_KEY}"
        for name in self._subkeys(base):
            values: dict[str, object] = {}
            try:
                key = winreg.OpenKey(
                    winreg.HKEY_CURRENT_USER, f"{base}\\{name}", 0, winreg.KEY_READ
                )
            except OSError:
                continue
            with key:
                for index in range(200):
                    try:
                        value_name, data, _kind = winreg.EnumValue(key, index)
                    except OSError:
                        break
                    if "Password" not in value_name:  # never even load a password blob
                        values[value_name] = data
            yield name, values


def default_source() -> RegistrySource | None:
    """The real registry on Windows; None elsewhere."""
    if not sys.platform.startswith("win"):
        return None
    return WinregSource()  # pragma: no cover - Windows only
