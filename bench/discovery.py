"""Time to settings: discovery at injected round-trip times, side by side with Thunderbird's order.

Three domains of the test suite's loopback world (dnsmasq, nginx with the test CA, automx2,
Dovecot; ``tests/support/discovery_world.py``):

- ``benchac.test``: HTTPS autoconfig, a web site without Autodiscover, no autodiscover host;
- ``auto.test``: the same, but ``autodiscover.auto.test`` drops packets (Thunderbird's order
  waits for it until the bound: here 3 s, Thunderbird's own is longer);
- ``srv.test``: SRV records only (in the domain, so trusted);
- ``probe.test``: nothing published, only the mail servers (probing).

Each is discovered with this tree's ranking (``policy="first"``: a trusted answer wins once
every higher rank has ended) and with the same look-ups ordered Thunderbird's way
(``policy="thunderbird"``: wait for every higher rank *and* for Autodiscover; guess only after
everything else failed), in alternation, at each RTT.

Where the RTT comes from: every TCP connection goes through ``bench.proxy.DelayProxy`` (each
flight delayed by RTT/2 each way); the proxy cannot delay TCP's handshake or the resolver's UDP,
so the benchmark's network adds them itself: one RTT before each connect and one per DNS query
(A and AAAA are asked at once, so a name costs one RTT). Nothing leaves loopback.

    .venv/bin/python -m bench.discovery [--runs 3] [--rtts 0,100]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import trustme

from bench.proxy import DelayProxy
from bench.stats import median, table
from tests.support import discovery_world as w
from wizard.discovery.net import DnsAnswer, Network
from wizard.discovery.race import Policy, discover

SCENARIOS = (
    ("HTTPS autoconfig", "joe@benchac.test", 5),
    ("HTTPS autoconfig, Autodiscover host silent", "joe@auto.test", 5),
    ("SRV only", "sam@srv.test", 6),
    ("probing", "pat@probe.test", 8),
)
POLICIES: tuple[Policy, ...] = ("first", "thunderbird")


@dataclass
class DelayedNetwork(Network):
    """The discovery network with the resolver's and TCP handshake's round trips added."""

    rtt_s: float = 0.0

    def query(self, name: str, rdtype: str, lifetime: float | None = None) -> DnsAnswer:
        time.sleep(self.rtt_s)
        return super().query(name, rdtype, lifetime)

    def route(self, ip: str, port: int) -> tuple[str, int]:
        time.sleep(self.rtt_s)  # the SYN / SYN-ACK the user-space proxy cannot delay
        return super().route(ip, port)


def _proxied(world: w.World, proxy: DelayProxy) -> dict[tuple[str, int], tuple[str, int]]:
    """The world's port map with every server that answers reached through the proxy."""
    routes = dict(world.ports)  # the silent and dropping ports stay as they are
    for key, (host, port) in world.ports.items():
        if host == w.LOOP and key[0] == w.LOOP:
            routes[key] = (w.LOOP, proxy.add_route(f"{key[1]}", port))
    return routes


def measure(world: w.World, routes: dict, rtt_ms: float, address: str, policy: Policy) -> float:
    net = DelayedNetwork(
        dns_server=world.dns.address,
        trust=world.trust,
        op_timeout=3.0,
        test_ports=routes,
        rtt_s=rtt_ms / 1000,
    )
    t0 = time.monotonic()
    result = discover(address, world.options(), network=net, ispdb_url=world.ispdb, policy=policy)
    elapsed = (time.monotonic() - t0) * 1000
    if not (result.ok and result.trusted):
        raise RuntimeError(f"{address} ({policy}): no trusted settings: {result.as_json()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rtts", default="0,100", help="comma list of RTTs in ms")
    args = parser.parse_args(argv)
    rtts = [float(x) for x in args.rtts.split(",")]
    worlds = w.running_world(trustme.CA())
    world = next(worlds)
    rows = []
    try:
        for rtt in rtts:
            with DelayProxy(rtt) as proxy:
                routes = _proxied(world, proxy)
                for name, address, goal in SCENARIOS:
                    samples: dict[str, list[float]] = {p: [] for p in POLICIES}
                    for _ in range(args.runs):
                        for policy in POLICIES:  # alternated: both see the same load
                            samples[policy].append(measure(world, routes, rtt, address, policy))
                    ours, theirs = (median(samples[p]) for p in POLICIES)

                    def rt(ms: float, rtt: float = rtt) -> str:
                        return f"{ms / rtt:.1f}" if rtt else "–"

                    rows.append(
                        [
                            name,
                            f"{rtt:g}",
                            f"{ours:.0f}",
                            rt(ours),
                            f"{theirs:.0f}",
                            rt(theirs),
                            f"≤ {goal}" if rtt else "",
                        ]
                    )
    finally:
        worlds.close()
    headers = [
        "domain publishes",
        "RTT ms",
        "ours ms",
        "ours RTT",
        "Thunderbird order ms",
        "TB order RTT",
        "goal RTT",
    ]
    print(f"Time to trusted settings, median of {args.runs} runs\n")
    print(table(headers, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
