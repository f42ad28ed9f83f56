"""A real Haraka (from npm, pinned in tests/haraka/) on loopback, in front of the test Dovecot.

The reference deployment takes submission with Haraka and delivers to Dovecot over LMTP; this
is the same path on one machine: submission with STARTTLS (trustme certificate) and AUTH PLAIN
or LOGIN for the Dovecot fixture's users (Haraka's auth/flat_file), Haraka's outbound queue,
LMTP into the Dovecot mailbox. A second listener takes mail the way an MX does (no login, local
domains only): Dovecot's own submission service relays there, so mail sent through Dovecot's
submission arrives as well.

Haraka's own log goes to ``haraka.log`` in the fixture folder, in its usual format, so tests
can assert against the lines IT would read. ``tests/haraka/plugins/wizard_test.js`` holds the
knobs a test turns while Haraka runs (pause delivery, refuse a command, point LMTP elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme

from tests.support.dovecot_server import DovecotServer, free_port

REPO = Path(__file__).resolve().parents[2]
HARAKA_PACKAGE = REPO / "tests" / "haraka"
HARAKA_BIN = HARAKA_PACKAGE / "node_modules" / "Haraka" / "bin" / "haraka"
PLUGIN_SOURCE = HARAKA_PACKAGE / "plugins" / "wizard_test.js"
# Makes every DNS query of the Haraka process go to the given loopback server (see the file).
DNS_PRELOAD = HARAKA_PACKAGE / "dns_preload.js"
LOCAL_DOMAINS = ("sepheo.co",)

# Haraka's core plugins and ours; the order matters: ours answers get_mx before queue/lmtp,
# and refuses a command before anything else accepts it.
PLUGINS = ("wizard_test", "tls", "auth/flat_file", "rcpt_to.in_host_list", "queue/lmtp")


def haraka_available() -> str | None:
    """None when node and the npm-installed Haraka are there, else what is missing."""
    if shutil.which("node") is None:
        return "node (Debian package nodejs)"
    if not HARAKA_BIN.exists():
        return "Haraka (npm ci --omit=optional --prefix tests/haraka, done by tests/run_all.sh)"
    return None


def _ini_value(text: str) -> str:
    """A password as an INI value: haraka-config keeps the rest of the line as it is (quotes,
    backslashes and non-ASCII included, as the fixture's awkward passwords need), so only a
    line break could go wrong."""
    if "\n" in text or "\r" in text:
        raise ValueError("a password for the Haraka fixture must be one line")
    return text


@dataclass
class HarakaServer:
    """One running Haraka; ``knobs`` are re-read by the plugin at every hook."""

    root: Path
    ca: trustme.CA
    dovecot: DovecotServer
    hostname: str = "localhost"
    submission_port: int = 0
    inbound_port: int = 0
    knobs: dict[str, Any] = field(default_factory=dict)
    # Seen from a chosen address: Haraka takes a PROXY v1 header from these hosts (its
    # connection.ini [haproxy] hosts), as behind Cloudron's HAProxy; see proxy_front.py.
    proxy_hosts: tuple[str, ...] = ()
    # Every DNS query of this Haraka goes to this loopback server (rDNS, blocklists), never
    # the system's resolver; with dns_lists, its dns-list plugin checks those zones there.
    dns_server: tuple[str, int] | None = None
    dns_lists: tuple[str, ...] = ()
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.root / "haraka.log"

    @property
    def knobs_path(self) -> Path:
        return self.root / "knobs.json"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- knobs ------------------------------------------------------------------------------
    def _write_knobs(self) -> None:
        tmp = self.knobs_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.knobs), encoding="utf-8")
        tmp.replace(self.knobs_path)

    def pause_delivery(self) -> None:
        """Deliveries fail for now (connection refused): Haraka keeps the mail and retries."""
        self.knobs["paused"] = True
        self._write_knobs()

    def resume_delivery(self) -> None:
        self.knobs["paused"] = False
        self._write_knobs()

    def refuse(self, stage: str, code: int, status: str, text: str) -> None:
        """Refuse MAIL, RCPT or the end of DATA (``stage`` mail, rcpt, data) with this reply."""
        self.knobs.setdefault("refuse", {})[stage] = {"code": code, "status": status, "text": text}
        self._write_knobs()

    def stop_refusing(self) -> None:
        self.knobs["refuse"] = {}
        self._write_knobs()

    def deliver_to(self, dovecot: DovecotServer) -> None:
        """Send local mail to another Dovecot's LMTP listener from now on."""
        self.knobs["lmtp_port"] = dovecot.lmtp_port
        self._write_knobs()

    def reset(self) -> None:
        """Back to plain delivery into the session's Dovecot."""
        self.knobs.update(paused=False, refuse={}, lmtp_port=self.dovecot.lmtp_port)
        self._write_knobs()

    def queue_files(self) -> list[Path]:
        """Messages waiting in Haraka's outbound queue (not yet delivered or bounced)."""
        queue = self.root / "queue"
        return [p for p in queue.iterdir() if p.is_file() and not p.name.startswith(".")]

    # -- life -------------------------------------------------------------------------------
    def start(self) -> HarakaServer:
        config = self.root / "config"
        (self.root / "plugins").mkdir(parents=True, exist_ok=True)
        (self.root / "queue").mkdir(exist_ok=True)
        # Haraka's shipped defaults (connection.ini, the bounce template...) as "haraka -i"
        # would install them, then ours on top.
        shutil.copytree(HARAKA_BIN.parent.parent / "config", config, dirs_exist_ok=True)
        shutil.copy(PLUGIN_SOURCE, self.root / "plugins" / PLUGIN_SOURCE.name)

        cert = self.ca.issue_cert(self.hostname)
        cert.private_key_pem.write_to_path(str(config / "tls_key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(config / "tls_cert.pem"))

        self.submission_port = self.submission_port or free_port()
        self.inbound_port = self.inbound_port or self.dovecot.relay_port or free_port()
        self.knobs = {
            "local_domains": list(LOCAL_DOMAINS),
            "lmtp_port": self.dovecot.lmtp_port,
            "closed_port": free_port(),
            "submission_port": self.submission_port,
            "paused": False,
            "refuse": {},
        }
        self._write_knobs()
        self._write_config(config)

        env = dict(os.environ, WIZARD_TEST_KNOBS=str(self.knobs_path))
        if self.dns_server is not None:
            env["WIZARD_TEST_DNS"] = f"{self.dns_server[0]}:{self.dns_server[1]}"
            env["NODE_OPTIONS"] = f"--require {DNS_PRELOAD}"
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                ["node", str(HARAKA_BIN), "-c", str(self.root)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self._wait_ready()
        return self

    def _write_config(self, config: Path) -> None:
        files = {
            "me": f"{self.hostname}\n",
            "host_list": "\n".join(LOCAL_DOMAINS) + "\n",
            "plugins": "\n".join(PLUGINS) + "\n",
            "smtp.ini": (
                "[main]\n"
                f"listen=127.0.0.1:{self.submission_port},127.0.0.1:{self.inbound_port}\n"
                "inactivity_timeout=60\n"
                "graceful_shutdown=false\n"
                "force_shutdown_timeout=1\n"
            ),
            "log.ini": "[main]\nlevel=info\ntimestamps=true\nformat=default\n",
            "tls.ini": "[main]\nkey=tls_key.pem\ncert=tls_cert.pem\n",
            # Retry a temporarily failed delivery every 5 s (Haraka's shortest), so a test
            # that paused delivery sees the message arrive soon after resuming.
            "outbound.ini": "[main]\ntemp_fail_intervals=5s*60\nenable_tls=false\n",
            "lmtp.ini": f"[main]\nhost=127.0.0.1\nport={self.dovecot.lmtp_port}\n",
            "auth_flat_file.ini": (
                "[core]\nmethods=PLAIN,LOGIN\nconstrain_sender=true\n\n[users]\n"
                + "".join(f"{u}={_ini_value(p)}\n" for u, p in self.dovecot.users.items())
            ),
        }
        if self.dns_lists:
            if self.dns_server is None:
                raise ValueError("dns_lists need a dns_server: the test Haraka asks loopback only")
            files["plugins"] = "dns-list\n" + files["plugins"]
            # No periodic self-test of the zones; IPv6 asked too (the IPv4 documentation
            # ranges count as private for Haraka and are never looked up).
            files["dns-list.ini"] = (
                "[main]\nperiodic_checks=0\nsearch=all\n"
                + f"zones={','.join(self.dns_lists)}\n"
                + "".join(f"\n[{z}]\nipv6=true\n" for z in self.dns_lists)
            )
        if self.proxy_hosts:
            shipped = (config / "connection.ini").read_text(encoding="utf-8")
            hosts = "".join(f"hosts[] = {h}\n" for h in self.proxy_hosts)
            assert "\nhosts[] =\n" in shipped, "Haraka's connection.ini changed its [haproxy]"
            files["connection.ini"] = shipped.replace("\nhosts[] =\n", "\n" + hosts, 1)
        for name, text in files.items():
            (config / name).write_text(text, encoding="utf-8")
        (config / "auth_flat_file.ini").chmod(0o600)

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        pending = {self.submission_port, self.inbound_port}
        while pending and time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"Haraka exited at start:\n{self.log_text()[-4000:]}")
            for port in list(pending):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                        s.settimeout(2)
                        if s.recv(64).startswith(b"220"):
                            pending.discard(port)
                except OSError:
                    pass
            if pending:
                time.sleep(0.1)
        if pending:
            self.stop()
            raise RuntimeError(f"Haraka did not open ports {sorted(pending)}:\n{self.log_text()}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def provider_xml(self, dovecot: DovecotServer | None = None, **kwargs: Any) -> str:
        """The Dovecot fixture's provider file with SMTP submission on this Haraka."""
        dovecot = dovecot or self.dovecot
        kwargs.setdefault("smtp_port", self.submission_port)
        return dovecot.provider_xml(**kwargs)

    def write_provider(
        self, path: Path, dovecot: DovecotServer | None = None, **kwargs: Any
    ) -> Path:
        path.write_text(self.provider_xml(dovecot, **kwargs), encoding="utf-8")
        return path
