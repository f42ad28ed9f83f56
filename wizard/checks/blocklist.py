"""DNS blocklist look-ups for the address a mail server said it sees us as.

A blocklist (DNSBL) is asked by name: 1.2.3.4 on zen.spamhaus.org is the A record of
``4.3.2.1.zen.spamhaus.org``; no answer (NXDOMAIN) means not listed, an answer in 127.0.0.0/8 is
a listing whose last octet says which list. dnspython does the asking, so a resolver can be
named (``--dnsbl-server``) and every query is bounded; the module itself is only imported on the
checking thread, so the wizard's start-up does not pay for it.

A listing is a warning for the report, never a failed check by itself: the server decides
whether to refuse (``connection_blocked``), and Spamhaus's PBL in particular lists ordinary home
connections, which may still send mail after logging in.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The whole look-up, all zones together, ends within this many seconds.
LOOKUP_BOUND = 3.0

# Ranges a server on the Internet never sees as a client's address: behind them is a local
# network, and a blocklist has nothing to say about it. The documentation ranges (192.0.2.0/24,
# 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are deliberately not here: no real server
# states them, and the test suite's PROXY front uses them as the "public" address.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
        "::/127",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)

_SPAMHAUS_LISTS = {
    2: (
        "SBL",
        "Spamhaus SBL: the address is listed as a source of spam or a spam operation; "
        "servers that check it refuse mail from it",
    ),
    3: (
        "CSS",
        "Spamhaus CSS: spam was sent from this address recently (often an infected or "
        "misconfigured device on the same connection)",
    ),
    9: (
        "DROP",
        "Spamhaus DROP: the whole network is run by or hijacked for spammers",
    ),
    10: (
        "PBL",
        "Spamhaus PBL: a home or dynamic connection, which should not deliver mail straight "
        "to other servers. Normal for home connections; it does not stop sending mail "
        "through your own server after logging in",
    ),
}
for _code in (4, 5, 6, 7):
    _SPAMHAUS_LISTS[_code] = (
        "XBL",
        "Spamhaus XBL: a device using this address appears infected (botnet or malware) or "
        "is an open proxy",
    )
_SPAMHAUS_LISTS[11] = _SPAMHAUS_LISTS[10]

# Spamhaus answers these for queries it will not serve; they are no listing at all.
_SPAMHAUS_ERRORS = {
    "127.255.255.252": "the blocklist name is misspelt in the query",
    "127.255.255.254": "asked through a public or open resolver, which Spamhaus does not answer",
    "127.255.255.255": "the resolver asked too often (query limit reached)",
}


@dataclass(frozen=True)
class BlocklistResult:
    zone: str
    ip: str
    # True listed, False not listed, None no usable answer (timeout, error, refused query).
    listed: bool | None
    codes: tuple[str, ...] = ()
    meaning: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "ip": self.ip,
            "listed": self.listed,
            "codes": list(self.codes),
            "meaning": self.meaning,
        }


def parse_server(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[v6]:PORT`` or a bare address (port 53); the host an IP address.

    An address, not a name: the resolver that answers for blocklists is not itself looked up.
    """
    host, port_text = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"takes HOST:PORT, not {text!r}")
            port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    try:
        ipaddress.ip_address(host)
        port = int(port_text)
    except ValueError:
        raise ValueError(f"takes an IP address and port (127.0.0.1:5353), not {text!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    return host, port


def worth_looking_up(ip: str) -> bool:
    """Only addresses a server on the Internet could have seen; never loopback or a LAN."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not any(addr in net for net in _NOT_PUBLIC if net.version == addr.version)


def query_name(ip: str, zone: str) -> str:
    """``4.3.2.1.zone.`` for IPv4, reversed nibbles for IPv6 (as for reverse DNS)."""
    addr = ipaddress.ip_address(ip)
    pointer = addr.reverse_pointer  # 4.3.2.1.in-addr.arpa / nibbles.ip6.arpa
    stem = pointer.rsplit(".", 2)[0]
    return f"{stem}.{zone.strip('.')}."


def interpret(zone: str, ip: str, codes: Sequence[str]) -> BlocklistResult:
    """What an answer means, in words for the report."""
    codes = tuple(sorted(set(codes), key=_sort_key))
    spamhaus = zone.lower().rstrip(".").endswith("spamhaus.org")
    if spamhaus:
        errors = [c for c in codes if c in _SPAMHAUS_ERRORS]
        real = [c for c in codes if c not in _SPAMHAUS_ERRORS]
        if not real:
            why = "; ".join(_SPAMHAUS_ERRORS[c] for c in errors)
            return BlocklistResult(
                zone, ip, None, codes, f"not checked: {why} ({', '.join(codes)})"
            )
        by_meaning: dict[str, list[str]] = {}
        for code in real:
            last = int(code.rsplit(".", 1)[1]) if code.startswith("127.0.0.") else -1
            _, meaning = _SPAMHAUS_LISTS.get(last, ("?", "listed"))
            by_meaning.setdefault(meaning, []).append(code)
        words = [f"{meaning} ({', '.join(c)})" for meaning, c in by_meaning.items()]
        return BlocklistResult(zone, ip, True, codes, "; ".join(words))
    return BlocklistResult(zone, ip, True, codes, f"listed on {zone} (answer {', '.join(codes)})")


def list_names(result: BlocklistResult) -> tuple[str, ...]:
    """Short names of the lists (SBL, XBL, PBL…) a Spamhaus answer names, for headlines."""
    names: list[str] = []
    for code in result.codes:
        if code.startswith("127.0.0."):
            entry = _SPAMHAUS_LISTS.get(int(code.rsplit(".", 1)[1]))
            if entry and entry[0] not in names:
                names.append(entry[0])
    return tuple(names)


def only_pbl(result: BlocklistResult) -> bool:
    return bool(result.listed) and set(list_names(result)) == {"PBL"}


def _unanswered(zone: str, ip: str, seconds: float) -> BlocklistResult:
    return BlocklistResult(zone, ip, None, (), f"not checked: no answer within {seconds:.0f} s")


def _sort_key(code: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in code.split("."))
    except ValueError:
        return (999,)


def lookup(
    ip: str,
    zones: Sequence[str],
    *,
    nameserver: tuple[str, int] | None = None,
    bound: float = LOOKUP_BOUND,
) -> list[BlocklistResult]:
    """Ask every zone at the same time; the whole thing ends within ``bound`` seconds."""
    deadline = time.monotonic() + bound
    found: dict[str, BlocklistResult] = {}
    lock = threading.Lock()

    def ask(zone: str) -> None:
        result = _ask_one(ip, zone, nameserver, max(0.1, deadline - time.monotonic()))
        with lock:
            found[zone] = result

    # Threads, not a pool: a resolver stuck past its lifetime must not hold up the report, and
    # a daemon thread cannot keep the program from ending.
    threads = [threading.Thread(target=ask, args=(z,), daemon=True) for z in zones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return [found.get(z) or _unanswered(z, ip, bound) for z in zones]


def _ask_one(
    ip: str, zone: str, nameserver: tuple[str, int] | None, lifetime: float
) -> BlocklistResult:
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=nameserver is None)
    if nameserver is not None:
        resolver.nameservers = [nameserver[0]]
        resolver.port = nameserver[1]
    try:
        answer = resolver.resolve(query_name(ip, zone), "A", lifetime=lifetime, search=False)
    except dns.resolver.NXDOMAIN:
        return BlocklistResult(zone, ip, False, (), "not listed")
    except dns.resolver.NoAnswer:
        return BlocklistResult(zone, ip, False, (), "not listed")
    except dns.exception.Timeout:
        return BlocklistResult(
            zone, ip, None, (), f"not checked: no answer within {lifetime:.0f} s"
        )
    except dns.exception.DNSException as exc:
        return BlocklistResult(zone, ip, None, (), f"not checked: {exc}")
    return interpret(zone, ip, [rr.to_text() for rr in answer])


class BackgroundLookups:
    """Starts a look-up as soon as a check learns a public address; collects them at the end.

    The checks go on meanwhile, so the look-up costs nothing unless it outlasts them, and then
    at most LOOKUP_BOUND seconds from when it started.
    """

    def __init__(
        self,
        zones: Sequence[str],
        nameserver: tuple[str, int] | None = None,
        bound: float = LOOKUP_BOUND,
    ) -> None:
        self.zones = tuple(zones)
        self.nameserver = nameserver
        self.bound = bound
        self._lock = threading.Lock()
        self._started: dict[str, tuple[float, threading.Thread, list[list[BlocklistResult]]]] = {}

    def offer(self, ip: str | None) -> None:
        if not ip or not self.zones or not worth_looking_up(ip):
            return
        with self._lock:
            if ip in self._started:
                return
            box: list[list[BlocklistResult]] = []

            def run() -> None:
                box.append(lookup(ip, self.zones, nameserver=self.nameserver, bound=self.bound))

            thread = threading.Thread(target=run, name=f"dnsbl-{ip}", daemon=True)
            self._started[ip] = (time.monotonic() + self.bound + 0.2, thread, box)
            thread.start()

    def collect(self) -> dict[str, list[BlocklistResult]]:
        with self._lock:
            started = dict(self._started)
        out: dict[str, list[BlocklistResult]] = {}
        for ip, (deadline, thread, box) in started.items():
            thread.join(max(0.0, deadline - time.monotonic()))
            out[ip] = box[0] if box else [_unanswered(z, ip, self.bound) for z in self.zones]
        return out
