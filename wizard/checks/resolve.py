"""Looking a server's name up once per run, bounded in time, through the run's resolver.

Both address families are asked for (for Happy Eyeballs). With no ``dns_server`` the system's
resolver answers (getaddrinfo, so /etc/hosts and the OS's own settings count, as for a mail
program); with one, dnspython asks that server alone, each query bounded by the run's timeout.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

# What every check and the test message resolve through: (host, port) → [(ip, port), ...].
Resolver = Callable[[str, int], list[tuple[str, int]]]


class SharedResolver:
    """Looks each host name up once for all checks, however many run at the same time.

    The lookup runs on a thread of its own so that a resolver that hangs costs at most
    ``timeout``: getaddrinfo() itself cannot be interrupted.
    """

    def __init__(
        self, timeout: float | None = None, dns_server: tuple[str, int] | None = None
    ) -> None:
        self._timeout = timeout
        self._dns_server = dns_server
        self._lock = threading.Lock()
        self._pending: dict[str, Future[list[str]]] = {}

    def __call__(self, host: str, port: int) -> list[tuple[str, int]]:
        with self._lock:
            fut = self._pending.get(host)
            if fut is None:
                fut = Future()
                self._pending[host] = fut
                threading.Thread(
                    target=_lookup,
                    args=(host, fut, self._dns_server, self._timeout),
                    name="resolve",
                    daemon=True,
                ).start()
        try:
            ips = fut.result(self._timeout)
        except FutureTimeout:
            raise TimeoutError(
                f"the name lookup did not finish within {self._timeout:g} s"
            ) from None
        return [(ip, port) for ip in ips]


def _lookup(
    host: str,
    fut: Future[list[str]],
    dns_server: tuple[str, int] | None,
    timeout: float | None,
) -> None:
    try:
        if dns_server is None:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            fut.set_result(list(dict.fromkeys(str(info[4][0]) for info in infos)))
        else:
            fut.set_result(_ask_server(host, dns_server, timeout))
    except BaseException as exc:
        fut.set_exception(exc)


def _ask_server(host: str, dns_server: tuple[str, int], timeout: float | None) -> list[str]:
    """AAAA and A from the named server; a name with neither is a lookup failure.

    An address literal needs no lookup, and ``localhost`` names are this computer's own,
    never asked of a DNS server (RFC 6761 6.3).
    """
    import dns.exception
    import dns.resolver

    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return [host]
    except OSError:
        pass
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        infos = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns_server[0]]
    resolver.port = dns_server[1]
    lifetime = timeout if timeout is not None else 10.0
    ips: list[str] = []
    failure: OSError | None = None
    # Both families asked at the same time would need threads of their own; one after the
    # other within the one lifetime keeps the bound, and a server that refuses or fails one
    # family (dnsmasq refuses AAAA for a name it has only an A record for) still answers.
    for rdtype in ("AAAA", "A"):
        try:
            answer = resolver.resolve(host, rdtype, lifetime=lifetime, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            continue
        except dns.exception.Timeout:
            failure = TimeoutError(f"the name lookup did not finish within {lifetime:g} s")
            continue
        except dns.exception.DNSException as exc:
            failure = failure or socket.gaierror(socket.EAI_FAIL, f"{dns_server[0]} said: {exc}")
            continue
        ips.extend(rr.to_text() for rr in answer)
    if ips:
        return ips
    raise failure or socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
