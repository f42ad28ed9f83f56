"""Second, describe-only connections that tell a wrong security setting from a dead server.

Two mistakes in a provider file look like something else from the first connection alone:

- STARTTLS (or plain) configured on a port that speaks TLS from the start (993, 465): the
  server waits for a TLS ClientHello and says nothing, which looks like a hung server;
- SSL/TLS configured on a port that speaks plain text first (143, 587, 4190): the server's
  greeting breaks the TLS handshake, which looks like a network problem.

So after such a failure one more connection goes to the same address: a TLS handshake (the
certificate is not checked, nothing is sent over it) or a plain read of the first bytes. No
credential ever goes over a probe.
"""

from __future__ import annotations

import enum
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

# How each protocol's plain-text greeting begins (RFC 3501 7.1, RFC 5321 4.2, RFC 5804 1.7).
_GREETINGS = {
    "IMAP": (b"* OK", b"* PREAUTH", b"* BYE"),
    "SMTP": (b"220 ", b"220-"),
    "ManageSieve": (b'"IMPLEMENTATION"', b'"SIEVE"', b'"SASL"', b'"STARTTLS"', b'"VERSION"'),
}


class Seen(enum.Enum):
    MAIL_GREETING = "a plain-text mail greeting"
    OTHER_BYTES = "bytes that are neither TLS nor a mail greeting"
    CLOSED = "the connection closed at once"
    SILENT = "nothing"
    UNREACHABLE = "no connection"


@dataclass(frozen=True)
class PlainProbe:
    seen: Seen
    protocol: str = ""
    sample: str = ""


def tls_from_the_start(
    addr: tuple[str, int],
    server_hostname: str,
    timeout: float,
    adopt: Callable[[socket.socket], None],
) -> str | None:
    """The TLS version if a handshake on a new connection succeeds, else None."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # allowed: describe-only, the connection carries no data
    ctx.verify_mode = ssl.CERT_NONE  # allowed: describe-only, the connection carries no data
    try:
        with socket.create_connection(addr, timeout=timeout) as raw:
            adopt(raw)
            with ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
                return tls.version() or "TLS"
    except (OSError, ValueError):
        return None


def first_bytes(
    addr: tuple[str, int], timeout: float, adopt: Callable[[socket.socket], None]
) -> PlainProbe:
    """What the port says first on a plain connection, within ``timeout``."""
    try:
        raw = socket.create_connection(addr, timeout=timeout)
    except OSError:
        return PlainProbe(Seen.UNREACHABLE)
    data = b""
    closed = False
    with raw:
        adopt(raw)
        try:
            while len(data) < 512 and b"\n" not in data:
                chunk = raw.recv(512 - len(data))
                if not chunk:
                    closed = True
                    break
                data += chunk
        except TimeoutError:
            pass
        except OSError:
            closed = True
    if not data:
        return PlainProbe(Seen.CLOSED if closed else Seen.SILENT)
    head = data.lstrip()
    for protocol, starts in _GREETINGS.items():
        if head.upper().startswith(tuple(s.upper() for s in starts)):
            return PlainProbe(Seen.MAIL_GREETING, protocol, _text(data))
    return PlainProbe(Seen.OTHER_BYTES, sample=_text(data))


def _text(data: bytes) -> str:
    line = data.split(b"\n", 1)[0][:120]
    return line.decode("utf-8", "replace").rstrip("\r")
