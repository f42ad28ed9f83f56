"""A real validating resolver (Debian's unbound) on loopback, for the DNSSEC trust rule.

It serves one zone signed here (dnspython signs it with a fresh ECDSA P-256 key) as an
``auth-zone`` it validates against that key as its only trust anchor, so its answers for the
zone carry the AD bit exactly as a validating resolver's do. Every other name is forwarded to
the test suite's dnsmasq (no trust anchor there: answered without AD). Nothing leaves loopback:
no root hints are used, the only upstream is the loopback dnsmasq.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.dns_server import free_udp_and_tcp_port
from tests.support.process import stop_process, wait_for_listener

UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"


def unbound_available() -> bool:
    return Path(UNBOUND).exists()


def signed_zone_text(origin: str, records: Sequence[str]) -> tuple[str, str]:
    """The zone file, signed, and its trust anchor (the key-signing DNSKEY record)."""
    import dns.dnssec
    import dns.rdatatype
    import dns.zone
    from cryptography.hazmat.primitives.asymmetric import ec

    text = "\n".join(
        [
            f"$ORIGIN {origin}.",
            "$TTL 300",
            f"@ SOA ns.{origin}. hostmaster.{origin}. 1 7200 3600 1209600 300",
            f"@ NS ns.{origin}.",
            "ns A 127.0.0.1",
            *records,
        ]
    )
    zone = dns.zone.from_text(text, origin=f"{origin}.", relativize=False)
    key = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, 257)
    with zone.writer() as txn:
        dns.dnssec.sign_zone(zone, txn, keys=[(key, dnskey)], lifetime=86400)
    anchor = f"{origin}. 300 IN DNSKEY {dnskey.to_text()}"
    return zone.to_text(relativize=False), anchor


@dataclass
class UnboundServer:
    root: Path
    zone: str
    records: Sequence[str]
    # Where every other name is asked (the suite's dnsmasq).
    forward_to: tuple[str, int]
    port: int = 0
    auth_port: int = 0
    _proc: subprocess.Popen[bytes] | None = None
    _auth: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    @property
    def spec(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> UnboundServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        zone_text, anchor = signed_zone_text(self.zone, self.records)
        (self.root / "zone").write_text(zone_text)
        (self.root / "anchor").write_text(anchor + "\n")
        self.port, self.auth_port = free_udp_and_tcp_port(), free_udp_and_tcp_port()
        fwd_ip, fwd_port = self.forward_to
        common = f"""
  interface: 127.0.0.1
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{self.root}"
  use-syslog: no
  verbosity: 1
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  cache-max-ttl: 0
  cache-max-negative-ttl: 0
  # unbound answers NXDOMAIN for the special-use .test (RFC 6761) unless told otherwise.
  local-zone: "test." nodefault
"""
        # The zone's own name server: serves the signed zone, recurses for nobody.
        authority = f"""
server:{common}
  port: {self.auth_port}
  pidfile: "{self.root / "auth.pid"}"
  logfile: "{self.root / "auth.log"}"
  module-config: "iterator"
auth-zone:
  name: "{self.zone}"
  zonefile: "{self.root / "zone"}"
  for-downstream: yes
  for-upstream: no
"""
        # The validating resolver the app is pointed at: the zone through its name server,
        # validated against the key; everything else from the suite's dnsmasq, unvalidated.
        resolver = f"""
server:{common}
  port: {self.port}
  pidfile: "{self.root / "unbound.pid"}"
  logfile: "{self.root / "unbound.log"}"
  module-config: "validator iterator"
  trust-anchor-file: "{self.root / "anchor"}"
  domain-insecure: "example"
stub-zone:
  name: "{self.zone}"
  stub-addr: 127.0.0.1@{self.auth_port}
forward-zone:
  name: "."
  forward-addr: {fwd_ip}@{fwd_port}
"""
        (self.root / "auth.conf").write_text(authority)
        (self.root / "unbound.conf").write_text(resolver)
        self._auth = subprocess.Popen(
            [UNBOUND, "-d", "-c", str(self.root / "auth.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "auth-stderr.log").open("wb"),
        )
        self._proc = subprocess.Popen(
            [UNBOUND, "-d", "-c", str(self.root / "unbound.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("wb"),
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        assert self._proc is not None
        wait_for_listener(
            self._proc, self.address, name="unbound", log=self.root / "stderr.log", timeout=timeout
        )

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        stop_process(self._auth, grace=5)
        self._proc = self._auth = None
