"""A real DNS server (Debian's dnsmasq) on a loopback port, answering for test blocklist zones.

It never forwards anything: ``--no-resolv`` and no ``--server`` mean it knows only the records
given here, ``--local`` makes every other name in a zone an NXDOMAIN (as a blocklist answers
for an address it does not list), and it listens on 127.0.0.1 alone. Its query log shows what
was really asked.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.process import stop_process

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def dnsmasq_available() -> bool:
    return Path(DNSMASQ).exists()


def free_udp_and_tcp_port() -> int:
    """A loopback port free for both UDP and TCP (dnsmasq takes both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port for the DNS server")


@dataclass
class DnsServer:
    root: Path
    # name -> the A records it answers (several give several records, as Spamhaus does)
    records: Mapping[str, Sequence[str]] = field(default_factory=dict)
    local_zones: Sequence[str] = ("zen.spamhaus.org",)
    # Exact names only (unlike ``records``, which answers for every name under it too).
    hosts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # domain -> [(preference, exchanger)]
    mx: Mapping[str, Sequence[tuple[int, str]]] = field(default_factory=dict)
    # "_imaps._tcp.example.test" -> [(target, port, priority, weight)]
    srv: Mapping[str, Sequence[tuple[str, int, int, int]]] = field(default_factory=dict)
    port: int = 0
    _proc: subprocess.Popen[bytes] | None = None

    # Further dnsmasq options (--srv-host, --cname, --host-record…), e.g. from a zone file.
    options: Sequence[str] = ()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    @property
    def spec(self) -> str:
        """The ``--dnsbl-server`` argument for the CLI."""
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.root / "dnsmasq.log"

    def queries(self) -> list[str]:
        """Names asked so far, from dnsmasq's own log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [
            line.split("query[A] ", 1)[1].split(" from ", 1)[0]
            for line in text.splitlines()
            if "query[A] " in line
        ]

    def start(self) -> DnsServer:
        self.root.mkdir(parents=True, exist_ok=True)
        last = ""
        for _ in range(5):
            self.port = free_udp_and_tcp_port()
            args = [
                DNSMASQ,
                "--keep-in-foreground",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--conf-file=/dev/null",
                f"--port={self.port}",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--cache-size=0",
                "--log-queries",
                f"--log-facility={self.log_path}",
                f"--pid-file={self.root / 'dnsmasq.pid'}",
            ]
            args += list(self.options)
            args += [f"--local=/{zone}/" for zone in self.local_zones]
            for name, ips in self.records.items():
                args += [f"--address=/{name}/{ip}" for ip in ips]
            for name, ips in self.hosts.items():
                args += [f"--host-record={name},{ip}" for ip in ips]
            for name, exchangers in self.mx.items():
                args += [f"--mx-host={name},{host},{pref}" for pref, host in exchangers]
            for name, targets in self.srv.items():
                args += [f"--srv-host={name},{t},{port},{prio},{w}" for t, port, prio, w in targets]
            self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_ready():
                return self
            assert self._proc.stderr is not None
            last = self._proc.stderr.read().decode(errors="replace")
            self.stop()
        raise RuntimeError(f"dnsmasq did not start: {last}")

    def _wait_ready(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                return False
            try:
                with socket.create_connection(self.address, timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        if self._proc and self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None


def reversed_name(ip: str, zone: str) -> str:
    """The name a blocklist is asked by: octets reversed (IPv4), nibbles reversed (IPv6)."""
    if ":" in ip:
        nibbles = ipaddress.IPv6Address(ip).exploded.replace(":", "")
        return ".".join(reversed(nibbles)) + "." + zone
    return ".".join(reversed(ip.split("."))) + "." + zone
