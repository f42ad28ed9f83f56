"""POP3's plain-text start, up to STLS: what the audit reads on a POP3 port (RFC 2449, 2595).

The checks speak IMAP, SMTP and ManageSieve (the audit uses their public steps for those); POP3
they do not, and poplib would read without the bounds, so this short dialogue — greeting, CAPA,
STLS, never a login — is read through the checks'
:class:`~wizard.checks.reader.BoundedReader`, which stops a server that floods, drips or never
ends its answer within the same limits and deadline.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from wizard.checks.reader import BoundedReader


class NotThisProtocol(Exception):
    """The port answered, but not with this protocol's greeting."""


@dataclass
class PlainStart:
    """What a port said before TLS."""

    greeting: str = ""
    starttls: bool = False
    # A password could be sent before TLS (LOGIN not disabled, AUTH offered in clear).
    plain_login: bool = False
    upgraded: bool = False  # the server accepted STARTTLS


def _line(reader: BoundedReader) -> str:
    raw = reader.readline()
    if not raw:
        raise ConnectionError("the server closed the connection")
    return raw.decode("utf-8", "replace").rstrip("\r\n")


def _send(sock: socket.socket, text: str) -> None:
    sock.sendall(text.encode("ascii") + b"\r\n")


def pop3(sock: socket.socket, reader: BoundedReader, upgrade: bool) -> PlainStart:
    greeting = _line(reader)
    if not greeting.startswith("+OK"):
        raise NotThisProtocol(greeting)
    reader.end_reply()
    _send(sock, "CAPA")
    caps: list[str] = []
    if _line(reader).startswith("+OK"):
        while (line := _line(reader)) != ".":
            caps.append(line.upper())
    reader.end_reply()
    start = PlainStart(greeting=greeting, starttls="STLS" in caps)
    start.plain_login = any(c == "USER" or c.startswith("SASL ") for c in caps)
    if upgrade and start.starttls:
        _send(sock, "STLS")
        start.upgraded = _line(reader).startswith("+OK")
    return start
