"""Provider files pointing at test servers that are not all one Dovecot."""

from __future__ import annotations

from pathlib import Path

# (hostname, port, socketType) of one server entry.
Endpoint = tuple[str, int, str]


def _server(tag: str, attrs: str, endpoint: Endpoint, username: str) -> str:
    host, port, socket_type = endpoint
    return f"""
    <{tag}{attrs}>
      <hostname>{host}</hostname>
      <port>{port}</port>
      <socketType>{socket_type}</socketType>
      <username>{username}</username>
      <authentication>password-cleartext</authentication>
    </{tag}>"""


def provider_xml(
    *, imap: Endpoint, smtp: Endpoint, sieve: Endpoint | None, username: str = "%EMAILADDRESS%"
) -> str:
    servers = _server("incomingServer", ' type="imap"', imap, username)
    servers += _server("outgoingServer", ' type="smtp"', smtp, username)
    if sieve is not None:
        servers += _server("manageSieveServer", "", sieve, username)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="sepheo.co">
    <domain>sepheo.co</domain>
    <displayName>Sepheo Mail (test servers)</displayName>{servers}
    <branding>
      <organization>Sepheo</organization>
      <supportEmail>support@sepheo.co</supportEmail>
      <accountPage>https://my.sepheo.co</accountPage>
    </branding>
  </emailProvider>
</clientConfig>
"""


def write_provider(path: Path, **kwargs: object) -> Path:
    path.write_text(provider_xml(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path
