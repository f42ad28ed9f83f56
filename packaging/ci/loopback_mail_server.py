"""A stand-in mail server on 127.0.0.1 for smoke-testing a finished bundle's ``diagnose``
on hosted Windows and macOS runners, where the test suite's real Dovecot is not available.

    python packaging/ci/loopback_mail_server.py --dir DIR [--lifetime 900]

Reads the test account's password from the environment variable ``LOOPBACK_MAIL_PASSWORD``
(never from an argument), makes a throwaway CA with trustme, listens on three free ports and
writes into DIR: ``ca.pem``, ``provider.xml`` (IMAP implicit TLS, submission STARTTLS,
ManageSieve STARTTLS, all on 127.0.0.1) and, last, ``ready``. It stops after ``--lifetime``
seconds, so a forgotten server cannot hold a CI job.

What it proves, and what not: that the bundle's own TLS stack, trust handling (the CA via
``--ca-file``), imapclient, smtplib and ManageSieve code paths, and its certificate reader
work on that OS, logging in right and failing a wrong password as ``auth_failed``. It speaks
just enough of each protocol for the wizard's checks (greeting, capabilities, STARTTLS,
PLAIN/LOGIN, logout); whether the checks understand a real server is tested on Linux against
Dovecot (tests/test_checks_dovecot.py, tests/test_frozen_app.py). Hand-written because no
pure-Python server library speaks all three protocols; tests/test_packaging_loopback_server.py
runs the wizard against it.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

HOST = "127.0.0.1"
USER = "joe.bloggs@sepheo.co"
PASSWORD_ENV = "LOOPBACK_MAIL_PASSWORD"  # noqa: S105 - the variable's name, not a password
IO_TIMEOUT_S = 15.0  # each read and write; a stuck client is dropped
MAX_LINE = 8192
MAX_LITERAL = 8192


class Closed(Exception):
    """The client went away, sent too much, or asked to leave."""


class Conn:
    """One client connection, plain or TLS, read line by line with bounded reads."""

    def __init__(self, sock: socket.socket) -> None:
        sock.settimeout(IO_TIMEOUT_S)
        self.sock = sock
        self.file: BinaryIO = sock.makefile("rb")

    def line(self) -> bytes:
        raw = self.file.readline(MAX_LINE + 1)
        if not raw or len(raw) > MAX_LINE:
            raise Closed
        return raw.rstrip(b"\r\n")

    def read(self, n: int) -> bytes:
        data = self.file.read(n)
        if len(data) != n:
            raise Closed
        return data

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

    def start_tls(self, context: ssl.SSLContext) -> None:
        self.sock = context.wrap_socket(self.sock, server_side=True)
        self.file = self.sock.makefile("rb")


def plain_credentials(token: str) -> tuple[str, str] | None:
    """SASL PLAIN (RFC 4616): base64 of authzid NUL authcid NUL password."""
    try:
        parts = base64.b64decode(token, validate=True).decode("utf-8").split("\0")
    except (ValueError, UnicodeDecodeError):
        return None
    return (parts[1], parts[2]) if len(parts) == 3 else None


class Account:
    def __init__(self, user: str, password: str) -> None:
        self.user, self._password = user, password

    def accepts(self, user: str, password: str) -> bool:
        return user == self.user and password == self._password


# -- IMAP (RFC 9051 subset: CAPABILITY, LOGIN, AUTHENTICATE PLAIN, ID, NOOP, LOGOUT) ------------

_IMAP_CAPS = "IMAP4rev1 AUTH=PLAIN ID"
_ATOM = re.compile(rb'[^\s()"{\\]+')


def imap_arguments(conn: Conn, rest: bytes) -> list[bytes]:
    """Atoms, quoted strings and literals ({n} / {n+}) from the rest of a command line."""
    args: list[bytes] = []
    while True:
        rest = rest.lstrip(b" ")
        if not rest:
            return args
        if rest[:1] == b'"':
            out, i = bytearray(), 1
            while i < len(rest) and rest[i : i + 1] != b'"':
                if rest[i : i + 1] == b"\\":
                    i += 1
                out += rest[i : i + 1]
                i += 1
            args.append(bytes(out))
            rest = rest[i + 1 :]
        elif (literal := re.match(rb"\{(\d+)(\+?)\}$", rest)) is not None:
            size = int(literal.group(1))
            if size > MAX_LITERAL:
                raise Closed
            if not literal.group(2):
                conn.send("+ go ahead")
            args.append(conn.read(size))
            rest = conn.line()
        else:
            atom = _ATOM.match(rest)
            if atom is None:
                raise Closed
            args.append(atom.group(0))
            rest = rest[atom.end() :]


def serve_imap(conn: Conn, account: Account, tls: ssl.SSLContext) -> None:
    conn.start_tls(tls)  # implicit TLS (port 993 style)
    conn.send(f"* OK [CAPABILITY {_IMAP_CAPS}] loopback stand-in ready")
    while True:
        tag, _, rest = conn.line().partition(b" ")
        command, _, rest = rest.partition(b" ")
        t, verb = tag.decode("ascii", "replace"), command.upper()
        if verb == b"CAPABILITY":
            conn.send(f"* CAPABILITY {_IMAP_CAPS}", f"{t} OK CAPABILITY completed")
        elif verb == b"LOGIN":
            args = imap_arguments(conn, rest)
            ok = len(args) == 2 and account.accepts(*(a.decode("utf-8", "replace") for a in args))
            conn.send(f"{t} OK [CAPABILITY {_IMAP_CAPS}] Logged in" if ok else _imap_no(t))
        elif verb == b"AUTHENTICATE":
            mechanism, _, initial = rest.partition(b" ")
            if mechanism.upper() != b"PLAIN":
                conn.send(f"{t} NO Unsupported authentication mechanism")
                continue
            if not initial:
                conn.send("+ ")
                initial = conn.line()
            creds = plain_credentials(initial.decode("ascii", "replace"))
            ok = creds is not None and account.accepts(*creds)
            conn.send(f"{t} OK Logged in" if ok else _imap_no(t))
        elif verb == b"ID":
            conn.send('* ID ("name" "loopback stand-in")', f"{t} OK ID completed")
        elif verb == b"NOOP":
            conn.send(f"{t} OK NOOP completed")
        elif verb == b"LOGOUT":
            conn.send("* BYE Logging out", f"{t} OK Logout completed")
            raise Closed
        else:
            conn.send(f"{t} BAD Unknown command")


def _imap_no(tag: str) -> str:
    return f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed."


# -- SMTP submission (EHLO, STARTTLS, AUTH PLAIN/LOGIN, QUIT) ----------------------------------


def serve_smtp(conn: Conn, account: Account, tls: ssl.SSLContext) -> None:
    conn.send("220 localhost ESMTP loopback stand-in")
    secure = False
    while True:
        line = conn.line().decode("utf-8", "replace")
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        if verb in ("EHLO", "HELO"):
            extensions = ["PIPELINING", "ENHANCEDSTATUSCODES"]
            extensions.insert(0, "AUTH PLAIN LOGIN" if secure else "STARTTLS")
            conn.send(
                "250-localhost", *(f"250-{e}" for e in extensions[:-1]), f"250 {extensions[-1]}"
            )
        elif verb == "STARTTLS" and not secure:
            conn.send("220 2.0.0 Ready to start TLS")
            conn.start_tls(tls)
            secure = True
        elif verb == "AUTH" and secure:
            mechanism, _, initial = arg.partition(" ")
            creds: tuple[str, str] | None
            if mechanism.upper() == "PLAIN":
                if not initial:
                    conn.send("334 ")
                    initial = conn.line().decode("ascii", "replace")
                creds = plain_credentials(initial)
            elif mechanism.upper() == "LOGIN":
                conn.send("334 VXNlcm5hbWU6")
                user = _b64(conn.line())
                conn.send("334 UGFzc3dvcmQ6")
                creds = (user, _b64(conn.line()))
            else:
                conn.send("504 5.5.4 Unrecognized authentication type")
                continue
            if creds is not None and account.accepts(*creds):
                conn.send("235 2.7.0 Authentication successful")
            else:
                conn.send("535 5.7.8 Authentication credentials invalid")
        elif verb == "AUTH":
            conn.send("538 5.7.11 Encryption required for requested authentication mechanism")
        elif verb == "QUIT":
            conn.send("221 2.0.0 Bye")
            raise Closed
        elif verb in ("NOOP", "RSET"):
            conn.send("250 2.0.0 OK")
        else:
            conn.send("502 5.5.2 Command not implemented")


def _b64(line: bytes) -> str:
    try:
        return base64.b64decode(line, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""


# -- ManageSieve (RFC 5804: capabilities, STARTTLS, AUTHENTICATE "PLAIN", LOGOUT) --------------


def _sieve_capabilities(conn: Conn, secure: bool) -> None:
    lines = ['"IMPLEMENTATION" "loopback stand-in"', '"SIEVE" "fileinto"', '"VERSION" "1.0"']
    lines.append('"SASL" "PLAIN"' if secure else '"STARTTLS"')
    conn.send(*lines, 'OK "ready"')


def serve_sieve(conn: Conn, account: Account, tls: ssl.SSLContext) -> None:
    _sieve_capabilities(conn, secure=False)
    secure = False
    while True:
        line = conn.line().decode("utf-8", "replace")
        verb = line.split(" ", 1)[0].upper()
        if verb == "STARTTLS" and not secure:
            conn.send('OK "Begin TLS negotiation now"')
            conn.start_tls(tls)
            secure = True
            _sieve_capabilities(conn, secure=True)
        elif verb == "AUTHENTICATE" and secure:
            match = re.fullmatch(r'AUTHENTICATE "PLAIN"(?: "([^"]*)")?', line, re.IGNORECASE)
            token = match.group(1) if match else None
            creds = plain_credentials(token) if token else None
            if creds is not None and account.accepts(*creds):
                conn.send('OK "Logged in"')
            else:
                conn.send('NO "Authentication failed"')
        elif verb == "CAPABILITY":
            _sieve_capabilities(conn, secure)
        elif verb == "LOGOUT":
            conn.send('OK "Logout completed"')
            raise Closed
        else:
            conn.send('NO "Unknown command"')


# -- plumbing ----------------------------------------------------------------------------------

Handler = Callable[[Conn, Account, ssl.SSLContext], None]


class Listener:
    def __init__(self, handler: Handler, account: Account, tls: ssl.SSLContext) -> None:
        self.sock = socket.create_server((HOST, 0))
        self.port: int = self.sock.getsockname()[1]
        self._args = handler, account, tls
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        handler, account, tls = self._args
        conn = Conn(client)
        try:
            handler(conn, account, tls)
        except (Closed, OSError, ssl.SSLError):
            pass
        finally:
            conn.sock.close()


def provider_xml(imap: int, smtp: int, sieve: int) -> str:
    """The provider file the wizard reads, pointing at the three listeners."""

    def server(tag: str, attributes: str, port: int, socket_type: str) -> str:
        return (
            f"    <{tag}{attributes}>\n"
            f"      <hostname>{HOST}</hostname>\n      <port>{port}</port>\n"
            f"      <socketType>{socket_type}</socketType>\n"
            "      <username>%EMAILADDRESS%</username>\n"
            f"      <authentication>password-cleartext</authentication>\n    </{tag}>\n"
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">\n'
        '  <emailProvider id="sepheo.co">\n    <domain>sepheo.co</domain>\n'
        "    <displayName>Sepheo Mail (loopback stand-in)</displayName>\n"
        "    <displayShortName>Sepheo</displayShortName>\n"
        + server("incomingServer", ' type="imap"', imap, "SSL")
        + server("outgoingServer", ' type="smtp"', smtp, "STARTTLS")
        + server("manageSieveServer", "", sieve, "STARTTLS")
        + "    <branding>\n      <organization>Sepheo</organization>\n"
        "      <supportEmail>support@sepheo.co</supportEmail>\n"
        "      <accountPage>https://my.sepheo.co</accountPage>\n    </branding>\n"
        "  </emailProvider>\n</clientConfig>\n"
    )


def start(folder: Path, password: str) -> tuple[Listener, Listener, Listener]:
    """Listen, write ca.pem and provider.xml into ``folder``; the servers run in threads."""
    import trustme

    ca = trustme.CA(organization_name="Mail Setup Wizard loopback stand-in")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(HOST, "localhost").configure_cert(tls)
    account = Account(USER, password)
    imap, smtp, sieve = (Listener(h, account, tls) for h in (serve_imap, serve_smtp, serve_sieve))
    folder.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    (folder / "provider.xml").write_text(
        provider_xml(imap.port, smtp.port, sieve.port), encoding="utf-8"
    )
    return imap, smtp, sieve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--lifetime", type=float, default=900.0, help="seconds, then exit")
    args = parser.parse_args(argv)
    password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        print(f"set {PASSWORD_ENV} to the test account's password", file=sys.stderr)
        return 2
    servers = start(args.dir, password)
    ports = ", ".join(str(s.port) for s in servers)
    (args.dir / "ready").write_text(ports, encoding="utf-8")
    print(f"loopback mail server: {USER} on {HOST} ports {ports} (IMAP, SMTP, Sieve)", flush=True)
    time.sleep(args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
