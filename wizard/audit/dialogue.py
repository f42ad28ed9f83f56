"""The plain-text start of each mail protocol, up to STARTTLS: what the audit reads on a port.

Describe-only: the greeting, the capability list and the STARTTLS command, never a login.
Each answer is read through the checks' :class:`~wizard.checks.reader.BoundedReader`, so a
server that floods, drips or never ends its answer is stopped by the same limits and deadline.
Hand-written rather than imaplib/smtplib: those would also need the whole check machinery to
bound their reads, and only the capability lines are wanted here.
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


def imap(sock: socket.socket, reader: BoundedReader, upgrade: bool) -> PlainStart:
    greeting = _line(reader)
    if not greeting.upper().startswith(("* OK", "* PREAUTH")):
        raise NotThisProtocol(greeting)
    reader.end_reply()
    _send(sock, "a1 CAPABILITY")
    caps: list[str] = []
    while True:
        line = _line(reader)
        if line.upper().startswith("* CAPABILITY"):
            caps += line.upper().split()[2:]
        elif line.startswith("a1 "):
            break
    reader.end_reply()
    start = PlainStart(greeting=greeting, starttls="STARTTLS" in caps)
    start.plain_login = "LOGINDISABLED" not in caps or any(c.startswith("AUTH=") for c in caps)
    if upgrade and start.starttls:
        _send(sock, "a2 STARTTLS")
        while True:
            line = _line(reader)
            if line.startswith("a2 "):
                start.upgraded = line[3:].upper().startswith("OK")
                break
    return start


def _smtp_reply(reader: BoundedReader) -> tuple[int, list[str]]:
    lines = []
    while True:
        line = _line(reader)
        lines.append(line[4:])
        if len(line) < 4 or line[3] != "-":
            break
    reader.end_reply()
    try:
        return int(line[:3]), lines
    except ValueError:
        raise NotThisProtocol(line) from None


def smtp(sock: socket.socket, reader: BoundedReader, upgrade: bool) -> PlainStart:
    code, lines = _smtp_reply(reader)
    if code != 220:
        raise NotThisProtocol(lines[0] if lines else "")
    # A name that cannot exist (RFC 2606): the audit introduces no client of its own.
    _send(sock, "EHLO mail-setup-wizard-audit.invalid")
    code, ehlo = _smtp_reply(reader)
    keywords = [line.upper().split()[0] for line in ehlo[1:] if line.strip()]
    start = PlainStart(greeting=lines[0], starttls="STARTTLS" in keywords)
    start.plain_login = "AUTH" in keywords
    if upgrade and start.starttls:
        _send(sock, "STARTTLS")
        code, _ = _smtp_reply(reader)
        start.upgraded = code == 220
    return start


def sieve(sock: socket.socket, reader: BoundedReader, upgrade: bool) -> PlainStart:
    caps: dict[str, str] = {}
    first = ""
    while True:
        line = _line(reader)
        first = first or line
        upper = line.upper()
        if upper.startswith(("OK", "NO", "BYE")):
            break
        if not line.startswith('"'):
            raise NotThisProtocol(line)
        name, _, value = line.partition(" ")
        caps[name.strip('"').upper()] = value.strip().strip('"')
    reader.end_reply()
    start = PlainStart(greeting=caps.get("IMPLEMENTATION", first), starttls="STARTTLS" in caps)
    start.plain_login = bool(caps.get("SASL"))
    if upgrade and start.starttls:
        _send(sock, "STARTTLS")
        line = _line(reader)
        start.upgraded = line.upper().startswith("OK")
    return start


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


DIALOGUES = {"imap": imap, "smtp": smtp, "sieve": sieve, "pop3": pop3}
