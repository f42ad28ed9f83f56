"""Host names to addresses for the audit, through the run's resolver when one is given.

``--dns-server`` sends every DNS query of the run to that resolver (tests use dnsmasq on
loopback); without it the system's resolver answers, as for the checks.
"""

from __future__ import annotations

import ipaddress
import socket

import dns.exception
import dns.resolver

from wizard.checks.options import CheckOptions


def resolver_for(options: CheckOptions, lifetime: float) -> dns.resolver.Resolver:
    """A dnspython resolver bounded by ``lifetime``: the given server, or the system's."""
    if options.dns_server is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [options.dns_server[0]]
        resolver.port = options.dns_server[1]
    resolver.lifetime = lifetime
    resolver.timeout = lifetime
    return resolver


def addresses(
    host: str, port: int, options: CheckOptions, lifetime: float
) -> list[tuple[str, int]]:
    """Every address of ``host`` (IPv6 and IPv4), empty when the name does not resolve."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [(host, port)]
    if options.dns_server is None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return []
        return list(dict.fromkeys((str(info[4][0]), port) for info in infos))
    resolver = resolver_for(options, lifetime)
    found: list[tuple[str, int]] = []
    for rdtype in ("AAAA", "A"):
        try:
            answer = resolver.resolve(host, rdtype)
        except (dns.exception.DNSException, OSError):
            continue
        found += [(str(r), port) for r in answer]
    return found
