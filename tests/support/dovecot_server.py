"""A real Dovecot (IMAP, submission, ManageSieve, LMTP) on loopback for the test suite.

It runs as a private, non-system instance: its own config, base_dir, log and passwd-file in a
temporary folder, certificates from a trustme CA, free loopback ports. Nothing here touches the
machine's own Dovecot configuration or any address but 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import grp
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from tests.support.process import stop_process

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
MANAGESIEVE_LOGIN = Path("/usr/lib/dovecot/managesieve-login")
SUBMISSION_LOGIN = Path("/usr/lib/dovecot/submission-login")
IMAP_LOGIN = Path("/usr/lib/dovecot/imap-login")
LMTP = Path("/usr/lib/dovecot/lmtp")
SIEVE_PLUGIN = Path("/usr/lib/dovecot/modules/lib90_sieve_plugin.so")

# Test users. The passwords are deliberately awkward (quotes, backslash, non-ASCII) so that any
# escaping or encoding slip in the client shows up as a failed login.
GOOD_USER = "joe.bloggs@sepheo.co"
GOOD_PASSWORD = 'S3cret "pässwörd" \\ 42'
DISABLED_USER = "left.company@sepheo.co"
DISABLED_PASSWORD = "Disabled-but-correct-1"
OTHER_USER = "contact@sepheo.co"
OTHER_PASSWORD = "contact-pass-99"


def dovecot_available() -> str | None:
    """None when Dovecot with all three protocols is installed, else what is missing."""
    missing = [
        name
        for name, path in (
            ("dovecot-imapd", IMAP_LOGIN),
            ("dovecot-submissiond", SUBMISSION_LOGIN),
            ("dovecot-managesieved", MANAGESIEVE_LOGIN),
            ("dovecot-lmtpd", LMTP),
            ("dovecot-sieve", SIEVE_PLUGIN),
        )
        if not path.exists()
    ]
    if not Path(DOVECOT).exists():
        missing.insert(0, "dovecot-core")
    return ", ".join(missing) if missing else None


_HANDED_OUT: set[int] = set()
_HANDED_OUT_LOCK = threading.Lock()


def free_port() -> int:
    """A loopback port nothing listens on, never one this process handed out before.

    The kernel may give the same ephemeral port to two binds in a row once the first socket is
    closed, and a server is started only after all its ports are picked: without the memory two
    listeners of one Dovecot could get the same port ("duplicate listener").
    """
    with _HANDED_OUT_LOCK:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


@dataclass
class DovecotServer:
    """One running instance; ``write_provider`` points a provider file at it."""

    root: Path
    ca: trustme.CA
    cert_hosts: tuple[str, ...] = ("localhost",)
    cert_expired: bool = False
    broken_passdb: bool = False
    hostname: str = "localhost"
    # Dovecot's log_timestamp; None keeps its default ("%b %d %H:%M:%S ", no year).
    log_timestamp: str | None = None
    imap_port: int = 0
    imap_starttls_port: int = 0
    submission_port: int = 0
    submissions_port: int = 0  # implicit TLS, like port 465
    sieve_port: int = 0
    lmtp_port: int = 0
    # Where Dovecot's submission service relays accepted mail (an MTA such as the Haraka
    # fixture's inbound port); 0 picks a port nobody listens on.
    relay_port: int = 0
    # Replaces the IMAP capability list Dovecot advertises (e.g. without UIDPLUS, MOVE or
    # IDLE), so a client's fallbacks can be tested against the real server.
    imap_capability: str = ""
    # A mailbox with no room left but in Junk: LMTP refuses every delivery for good
    # (552 5.2.2 Quota exceeded) unless a delivery rule files the message into Junk.
    full_mailbox: bool = False
    # The junk folder's name, and whether it is marked \Junk (RFC 6154 SPECIAL-USE); servers
    # without it are found by the usual names ("Spam", "Junk E-mail"...).
    junk_folder: str = "Junk"
    junk_special_use: bool = True
    users: dict[str, str] = field(default_factory=dict)
    # A greeting that does not name the software, as some deployments configure.
    login_greeting: str = ""
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def ca_pem(self) -> Path:
        return self.root / "ca.pem"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def maildir(self, user: str) -> Path:
        return self.root / "mail" / user

    def sieve_rule_path(self, user: str) -> Path:
        return self.root / "sieve-rules" / f"{user}.sieve"

    def set_delivery_rule(self, user: str, script: str | None) -> None:
        """A Sieve script run at delivery (LMTP) for ``user`` before their own; None removes it.

        It stands in for the provider's spam filter or a mailbox that refuses mail. Written
        to a new file and renamed, so a delivery never reads half a script.
        """
        path = self.sieve_rule_path(user)
        if script is None:
            path.unlink(missing_ok=True)
            path.with_suffix(".svbin").unlink(missing_ok=True)
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(script, encoding="utf-8")
        tmp.chmod(0o644)
        tmp.replace(path)

    def start(self) -> DovecotServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self.ca.cert_pem.write_to_path(str(self.ca_pem))
        if self.cert_expired:
            now = dt.datetime.now(dt.UTC)
            cert = self.ca.issue_cert(
                *self.cert_hosts,
                not_before=now - dt.timedelta(days=60),
                not_after=now - dt.timedelta(days=1),
            )
        else:
            cert = self.ca.issue_cert(*self.cert_hosts)
        cert.private_key_pem.write_to_path(str(self.root / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(self.root / "server.pem"))
        self.users = {
            GOOD_USER: GOOD_PASSWORD,
            OTHER_USER: OTHER_PASSWORD,
            DISABLED_USER: DISABLED_PASSWORD,
            **self.users,  # a test's own users beside the usual ones
        }
        self.imap_port, self.imap_starttls_port = free_port(), free_port()
        self.submission_port, self.sieve_port = free_port(), free_port()
        self.submissions_port, self.lmtp_port = free_port(), free_port()
        self.relay_port = self.relay_port or free_port()
        self._write_config()
        self._proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "dovecot.stderr").open("wb"),
        )
        self._wait_ready()
        return self

    def _write_config(self) -> None:
        root = self.root
        for sub in ("run", "state", "mail", "sieve-rules"):
            (root / sub).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            # Root runs Dovecot's own unprivileged users; mail processes may not be root, so
            # they run as "dovecot" and need to reach the temp folder.
            internal, login = "dovecot", "dovenull"
            mail_uid = pwd.getpwnam("dovecot").pw_uid
            mail_gid = grp.getgrnam("dovecot").gr_gid
            # The folder (and its parent, made by the fixture) must be traversable by them.
            root.chmod(root.stat().st_mode | 0o711)
            shutil.chown(root / "mail", mail_uid, mail_gid)
            # Sieve compiles the delivery rules beside them.
            shutil.chown(root / "sieve-rules", mail_uid, mail_gid)
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            internal = login = me
            mail_uid, mail_gid = os.getuid(), os.getgid()

        passwd = root / "passwd"
        lines = []
        for user, password in self.users.items():
            extra = ""
            if user == DISABLED_USER:
                # What an admin's "disable mailbox" looks like to Dovecot: the password matches
                # but login is refused with a reason.
                extra = "nologin"
            lines.append(f"{user}:{{PLAIN}}{password}::::::{extra}")
        passwd.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if self.broken_passdb:
            # checkpassword's exit code 111 means "temporary problem": the login service is
            # up but cannot check passwords, as when its user database is unreachable.
            script = root / "checkpassword-down"
            script.write_text("#!/bin/sh\nexit 111\n")
            script.chmod(0o755)
            passdb = f"driver = checkpassword\n  args = {script}"
        else:
            passdb = f"driver = passwd-file\n  args = scheme=PLAIN username_format=%u {passwd}"

        stamp = f'log_timestamp = "{self.log_timestamp}"\n' if self.log_timestamp else ""
        capability = f"imap_capability = {self.imap_capability}\n" if self.imap_capability else ""
        quota = ""
        plugins = ""
        if self.full_mailbox:
            plugins = "mail_plugins = $mail_plugins quota\n"
            quota = (
                "  quota = count:User quota\n  quota_vsizes = yes\n"
                "  quota_rule = *:storage=1B\n"
                f"  quota_rule2 = {self.junk_folder}:ignore\n"
            )
        junk_use = "special_use = \\Junk\n    " if self.junk_special_use else ""
        dh = "/usr/share/dovecot/dh.pem"
        ssl_dh = f"ssl_dh = <{dh}\n" if Path(dh).exists() else ""
        conf = f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {self.log_path}
info_log_path = {self.log_path}
debug_log_path = {root}/debug.log
{stamp}instance_name = wizard-test-{os.getpid()}-{root.name}
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
protocols = imap submission sieve lmtp
listen = 127.0.0.1
hostname = {self.hostname}
ssl = required
ssl_cert = <{root}/server.pem
ssl_key = <{root}/server.key
ssl_min_protocol = TLSv1.2
{ssl_dh}disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0
login_trusted_networks =
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
{plugins}{capability}namespace inbox {{
  inbox = yes
  mailbox "{self.junk_folder}" {{
    {junk_use}auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
passdb {{
  {passdb}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
  postmaster_address = postmaster@sepheo.co
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imap_port}
    ssl = yes
  }}
}}
service submission-login {{
  inet_listener submission {{
    address = 127.0.0.1
    port = {self.submission_port}
  }}
  inet_listener submissions {{
    address = 127.0.0.1
    port = {self.submissions_port}
    ssl = yes
  }}
}}
service managesieve-login {{
  inet_listener sieve {{
    address = 127.0.0.1
    port = {self.sieve_port}
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed logins from 127.0.0.1: tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
service submission-login {{
  chroot =
}}
service managesieve-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
submission_relay_host = 127.0.0.1
submission_relay_port = {self.relay_port}
protocol sieve {{
  managesieve_logout_format = bytes=%i/%o
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_before = {root}/sieve-rules/%u.sieve
{quota}}}
"""
        if self.login_greeting:
            conf += f"login_greeting = {self.login_greeting}\n"
        (root / "dovecot.conf").write_text(conf, encoding="utf-8")

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        ports = (
            self.imap_port,
            self.imap_starttls_port,
            self.submission_port,
            self.submissions_port,
            self.sieve_port,
            self.lmtp_port,
        )
        pending = set(ports)
        while pending and time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    "Dovecot exited at start:\n"
                    + (self.root / "dovecot.stderr").read_text(errors="replace")
                    + self.log_text()
                )
            for port in list(pending):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                        s.settimeout(2)
                        if port not in (self.imap_port, self.submissions_port):
                            s.recv(64)  # plaintext listeners greet first
                    pending.discard(port)
                except OSError:
                    pass
            if pending:
                time.sleep(0.05)
        if pending:
            self.stop()
            raise RuntimeError(f"Dovecot did not open ports {sorted(pending)}:\n{self.log_text()}")

    def stop(self) -> None:
        stop_process(self._proc)
        self._proc = None

    def provider_xml(
        self,
        *,
        hostname: str | None = None,
        imap_port: int | None = None,
        imap_socket: str = "SSL",
        smtp_port: int | None = None,
        smtp_socket: str = "STARTTLS",
        sieve_port: int | None = None,
        username: str = "%EMAILADDRESS%",
        with_sieve: bool = True,
    ) -> str:
        host = hostname or self.hostname
        sieve = ""
        if with_sieve:
            sieve = f"""
    <manageSieveServer>
      <hostname>{host}</hostname>
      <port>{sieve_port or self.sieve_port}</port>
      <socketType>STARTTLS</socketType>
      <username>{username}</username>
      <authentication>password-cleartext</authentication>
    </manageSieveServer>"""
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="sepheo.co">
    <domain>sepheo.co</domain>
    <displayName>Sepheo Mail (test server)</displayName>
    <displayShortName>Sepheo</displayShortName>
    <incomingServer type="imap">
      <hostname>{host}</hostname>
      <port>{imap_port or self.imap_port}</port>
      <socketType>{imap_socket}</socketType>
      <username>{username}</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{host}</hostname>
      <port>{smtp_port or self.submission_port}</port>
      <socketType>{smtp_socket}</socketType>
      <username>{username}</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>{sieve}
    <branding>
      <organization>Sepheo</organization>
      <supportEmail>support@sepheo.co</supportEmail>
      <accountPage>https://my.sepheo.co</accountPage>
    </branding>
  </emailProvider>
</clientConfig>
"""

    def write_provider(self, path: Path, **kwargs: object) -> Path:
        path.write_text(self.provider_xml(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
        return path
