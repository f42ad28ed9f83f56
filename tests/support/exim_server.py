"""A real Exim (SMTP submission with STARTTLS and AUTH PLAIN) on loopback for the tests.

Exim is the other SMTP server Debian packages (its default MTA). It runs from the unpacked
``exim4-daemon-light`` binary (tests/support/unpacked.py) with its own configuration (``-C``),
spool and log folders in a temporary folder, on a free loopback port, with a certificate from
the test CA; no system MTA is installed or started.

Logins use Exim's ``plaintext`` authenticator with a test-only condition: the password is
compared with a line of an ``lsearch`` file, the simplest user database Exim has. The broken
instance points that lookup at a file that is not there, so Exim cannot check any password, as
when a real user database is unreachable.

The binary looks up its compiled-in user ``Debian-exim`` at start; nss_wrapper (Samba's
LD_PRELOAD library, Debian libnss-wrapper) gives that name to the account the tests run it as,
so no system user is created.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import trustme

from tests.support import unpacked
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, free_port
from tests.support.process import stop_process

EXIM = unpacked.ROOT / "usr" / "sbin" / "exim4"

_CONFIG = r"""
exim_user = Debian-exim
exim_group = Debian-exim
never_users =
keep_environment =
spool_directory = @ROOT@/spool
log_file_path = @ROOT@/log/%slog
primary_hostname = @HOSTNAME@
daemon_smtp_ports = @PORT@
local_interfaces = 127.0.0.1
host_lookup =
rfc1413_hosts =
tls_advertise_hosts = *
tls_certificate = @ROOT@/server.pem
tls_privatekey = @ROOT@/server.key
# As a submission server should: no AUTH offered before STARTTLS.
auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  deny

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${if eq{$auth3}{${lookup{$auth2}lsearch{@USERS@}{$value}fail}}}
  server_set_id = $auth2
"""


def _nss_wrapper() -> Path | None:
    found = sorted(Path("/usr/lib").glob("*/libnss_wrapper.so"))
    return found[0] if found else None


def exim_available() -> str | None:
    """None when the unpacked Exim and nss_wrapper are there, else what is missing."""
    reason = unpacked.missing("usr/sbin/exim4")
    if reason:
        return reason
    if _nss_wrapper() is None:
        return "nss_wrapper is not installed (Debian libnss-wrapper)"
    return None


@dataclass
class EximServer:
    root: Path
    ca: trustme.CA
    # The user database cannot be read: every login is deferred.
    userdb_missing: bool = False
    hostname: str = "localhost"
    port: int = 0
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def ca_pem(self) -> Path:
        return self.root / "ca.pem"

    def log_text(self) -> str:
        try:
            return (self.root / "log" / "mainlog").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> EximServer:
        root = self.root
        user, uid, gid = unpacked.service_user()
        for sub in ("spool", "log"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.ca.cert_pem.write_to_path(str(self.ca_pem))
        cert = self.ca.issue_cert(self.hostname)
        cert.private_key_pem.write_to_path(str(root / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(root / "server.pem"))
        users = root / "users"
        users.write_text(f"{GOOD_USER}: {GOOD_PASSWORD}\n", encoding="utf-8")
        self.port = free_port()
        config = (
            _CONFIG.replace("@ROOT@", str(root))
            .replace("@HOSTNAME@", self.hostname)
            .replace("@PORT@", str(self.port))
            .replace("@USERS@", str(root / "no-such-users-file" if self.userdb_missing else users))
        )
        (root / "exim.conf").write_text(config, encoding="utf-8")
        # Exim's compiled-in user name, given to the account it runs as.
        passwd = root / "nss-passwd"
        group = root / "nss-group"
        home = pwd.getpwuid(uid).pw_dir
        passwd.write_text(
            Path("/etc/passwd").read_text() + f"Debian-exim:x:{uid}:{gid}::{home}:/bin/false\n"
        )
        group.write_text(Path("/etc/group").read_text() + f"Debian-exim:x:{gid}:{user}\n")
        for path in (root / "spool", root / "log", root / "server.key", users):
            os.chown(path, uid, gid)
        env = {
            **os.environ,
            "LD_PRELOAD": str(_nss_wrapper()),
            "NSS_WRAPPER_PASSWD": str(passwd),
            "NSS_WRAPPER_GROUP": str(group),
        }
        self._proc = subprocess.Popen(
            [str(EXIM), "-C", str(root / "exim.conf"), "-bdf", "-odq"],
            stdout=subprocess.DEVNULL,
            stderr=(root / "exim.stderr").open("wb"),
            env=env,
            # Its own process group: a server that signals its group on shutdown (Cyrus
            # master does) must not reach the test run.
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    "Exim exited at start:\n"
                    + (self.root / "exim.stderr").read_text(errors="replace")
                    + self.log_text()
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.settimeout(2)
                    if s.recv(4).startswith(b"220"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Exim did not open port {self.port}:\n{self.log_text()}")

    def stop(self) -> None:
        stop_process(self._proc)
        self._proc = None
