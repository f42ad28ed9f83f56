"""A real Cyrus IMAP (imapd on implicit TLS, timsieved with STARTTLS) on loopback for the tests.

Cyrus is the other IMAP + ManageSieve implementation Debian packages. It runs from the unpacked
``.deb`` (tests/support/unpacked.py) as a private instance: its own imapd.conf and cyrus.conf,
state, spool and sasldb in a temporary folder, free loopback ports, certificates from the test
CA. Logins go through Cyrus SASL: passwords in a sasldb (``auxprop``), or, for the broken-backend
instance, through a saslauthd that is not running, as when that daemon is down.

Cyrus logs only to syslog; a failed start shows master's own output instead.
"""

from __future__ import annotations

import grp
import imaplib
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import trustme

from tests.support import unpacked
from tests.support.dovecot_server import (
    DISABLED_PASSWORD,
    DISABLED_USER,
    GOOD_PASSWORD,
    GOOD_USER,
    free_port,
)
from tests.support.process import stop_process

BIN = unpacked.ROOT / "usr" / "lib" / "cyrus" / "bin"
SASLPASSWD2 = shutil.which("saslpasswd2") or "/usr/sbin/saslpasswd2"
ADMIN = "cyrusadmin"


def cyrus_available() -> str | None:
    """None when the unpacked Cyrus and Cyrus SASL's tools are there, else what is missing."""
    reason = unpacked.missing(
        "usr/lib/cyrus/bin/master", "usr/lib/cyrus/bin/imapd", "usr/lib/cyrus/bin/timsieved"
    )
    if reason:
        return reason
    if not Path(SASLPASSWD2).exists():
        return "saslpasswd2 is not installed (Debian sasl2-bin)"
    if not list(Path("/usr/lib").glob("*/sasl2/libsasldb.so*")):
        return "Cyrus SASL's sasldb module is not installed (Debian libsasl2-modules-db)"
    return None


@dataclass
class CyrusServer:
    root: Path
    ca: trustme.CA
    # Logins checked by a saslauthd that is not running: the login back end is down.
    saslauthd_down: bool = False
    hostname: str = "localhost"
    imap_port: int = 0
    sieve_port: int = 0
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def ca_pem(self) -> Path:
        return self.root / "ca.pem"

    @property
    def conf(self) -> Path:
        return self.root / "imapd.conf"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "LD_LIBRARY_PATH": unpacked.library_path()}

    def start(self) -> CyrusServer:
        user, uid, gid = unpacked.service_user()
        root = self.root
        for sub in ("conf", "spool", "sieve", "socket", "run"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.ca.cert_pem.write_to_path(str(self.ca_pem))
        cert = self.ca.issue_cert(self.hostname)
        cert.private_key_pem.write_to_path(str(root / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(root / "server.pem"))
        self.imap_port, self.sieve_port = free_port(), free_port()
        admin_password = secrets.token_urlsafe(18)
        self._write_config(user)
        for login, password in (
            (GOOD_USER, GOOD_PASSWORD),
            (DISABLED_USER, DISABLED_PASSWORD),
            (f"{ADMIN}@{self.hostname}", admin_password),
        ):
            self._set_password(login, password)
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, gid)
        root.chmod(0o711)
        self._proc = subprocess.Popen(
            [str(BIN / "master"), "-C", str(self.conf), "-M", str(root / "cyrus.conf")]
            + ["-p", str(root / "run" / "master.pid"), "-D"],
            stdout=subprocess.DEVNULL,
            stderr=(root / "master.stderr").open("wb"),
            env=self._env(),
            # Its own process group: a server that signals its group on shutdown (Cyrus
            # master does) must not reach the test run.
            start_new_session=True,
        )
        try:
            self._wait_ready()
            if not self.saslauthd_down:
                self._create_mailboxes(admin_password)
                self._deny(DISABLED_USER, uid, gid)
        except BaseException:
            self.stop()
            raise
        return self

    def _deny(self, user: str, uid: int, gid: int) -> None:
        """What an admin's "deny this user" is in Cyrus: the password still matches, but the
        user is refused every service (user_deny.db, written as the Cyrus user)."""
        as_root = os.geteuid() == 0
        subprocess.run(
            [str(BIN / "cyr_deny"), "-C", str(self.conf), user],
            check=True,
            env=self._env(),
            user=uid if as_root else None,
            group=gid if as_root else None,
            capture_output=True,
        )

    def _set_password(self, login: str, password: str) -> None:
        local, _, realm = login.partition("@")
        # -p reads the password from standard input: it never appears on a command line.
        subprocess.run(
            [SASLPASSWD2, "-f", str(self.root / "sasldb2"), "-p", "-c", "-u", realm, local],
            input=password.encode(),
            check=True,
            capture_output=True,
        )

    def _write_config(self, user: str) -> None:
        root = self.root
        group = grp.getgrgid(unpacked.service_user()[2]).gr_name
        if self.saslauthd_down:
            check = (
                f"sasl_pwcheck_method: saslauthd\nsasl_saslauthd_path: {root}/run/saslauthd/mux\n"
            )
        else:
            check = (
                "sasl_pwcheck_method: auxprop\nsasl_auxprop_plugin: sasldb\n"
                f"sasl_sasldb_path: {root}/sasldb2\n"
            )
        (root / "imapd.conf").write_text(
            f"""configdirectory: {root}/conf
partition-default: {root}/spool
sievedir: {root}/sieve
cyrus_user: {user}
cyrus_group: {group}
servername: {self.hostname}
virtdomains: userid
defaultdomain: {self.hostname}
unixhierarchysep: 1
admins: {ADMIN}
allowplaintext: 0
{check}sasl_mech_list: PLAIN LOGIN
tls_server_cert: {root}/server.pem
tls_server_key: {root}/server.key
lmtpsocket: {root}/socket/lmtp
idlesocket: {root}/socket/idle
notifysocket: {root}/socket/notify
mboxname_lockpath: {root}/run/lock
proc_path: {root}/run/proc
statuscache: 0
""",
            encoding="utf-8",
        )
        conf = self.conf
        (root / "cyrus.conf").write_text(
            f"""START {{
  recover cmd="{BIN}/ctl_cyrusdb -C {conf} -r"
}}
SERVICES {{
  imaps cmd="{BIN}/imapd -s -C {conf}" listen="127.0.0.1:{self.imap_port}" prefork=0
  sieve cmd="{BIN}/timsieved -C {conf}" listen="127.0.0.1:{self.sieve_port}" prefork=0
}}
EVENTS {{
}}
""",
            encoding="utf-8",
        )

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        pending = {self.imap_port, self.sieve_port}
        while pending and time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    "Cyrus master exited at start:\n"
                    + (self.root / "master.stderr").read_text(errors="replace")
                )
            for port in list(pending):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        pending.discard(port)
                except OSError:
                    pass
            if pending:
                time.sleep(0.05)
        if pending:
            self.stop()
            raise RuntimeError(f"Cyrus did not open ports {sorted(pending)}")

    def _create_mailboxes(self, admin_password: str) -> None:
        """Cyrus's ManageSieve refuses users without a mailbox, so create them as an admin."""
        context = ssl.create_default_context(cafile=str(self.ca_pem))
        with imaplib.IMAP4_SSL(
            self.hostname, self.imap_port, ssl_context=context, timeout=10
        ) as imap:
            imap.login(ADMIN, admin_password)
            for user in (GOOD_USER, DISABLED_USER):
                typ, data = imap.create(f"user/{user}")
                if typ != "OK":
                    raise RuntimeError(f"Cyrus refused to create a mailbox for {user}: {data!r}")
            imap.logout()

    def stop(self) -> None:
        stop_process(self._proc)
        self._proc = None
