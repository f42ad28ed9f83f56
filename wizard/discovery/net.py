"""The network as discovery sees it: one resolver for every name, bounded connects, TLS.

Every DNS query of a run (A/AAAA of web and mail servers, MX, SRV) goes to ``dns_server`` when
one is given, so nothing reaches the system's resolver; without it names are looked up the
system's way (``getaddrinfo`` on a helper thread, so the wait stays bounded) and MX/SRV through
dnspython's reading of the system configuration. DNSSEC: the queries ask for the AD bit and
report whether the resolver set it (a validating resolver vouches for the answer).

``test_ports`` exists only for the test suite and the benchmark: real look-ups use the
well-known ports (443, 993, 587...), servers on loopback listen on free ports, so a test maps
(address, port) to the loopback address and port that really listen. Production never sets it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.resolver

from wizard.checks.connect import ConnectFailed, happy_eyeballs
from wizard.checks.model import CancelToken
from wizard.checks.tls import RunTrust
from wizard.trust import normalise_host


class LookupTimeout(TimeoutError):
    """A look-up used up its time (a silent server or resolver)."""


class NameNotFound(OSError):
    """The name has no address (NXDOMAIN or no A/AAAA record)."""


@dataclass(frozen=True)
class DnsAnswer:
    """Records of one type for one name, and whether the resolver validated them (AD bit)."""

    name: str
    rdtype: str
    records: tuple[str, ...]
    dnssec: bool
    ms: float


@dataclass
class Network:
    """The resolver, trust and bounds of one discovery run; shared by every look-up."""

    dns_server: tuple[str, int] | None = None
    trust: RunTrust = field(default_factory=RunTrust)
    # The longest any one DNS query, connect or read may wait.
    op_timeout: float = 3.0
    # Test suite and benchmark only (see the module docstring): (ip, port) -> (ip, port).
    test_ports: Mapping[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    _resolver: dns.resolver.Resolver | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _addresses: dict[str, Future[list[str]]] = field(default_factory=dict)

    # -- DNS ---------------------------------------------------------------------------------
    def resolver(self) -> dns.resolver.Resolver:
        with self._lock:
            if self._resolver is None:
                if self.dns_server is None:
                    res = dns.resolver.Resolver()
                else:
                    res = dns.resolver.Resolver(configure=False)
                    res.nameservers = [self.dns_server[0]]
                    res.port = self.dns_server[1]
                # Ask for DNSSEC validation status: AD set in the reply means validated.
                res.use_edns(0, dns.flags.DO, 1232)
                res.flags = dns.flags.RD | dns.flags.AD
                res.cache = None
                self._resolver = res
            return self._resolver

    def query(self, name: str, rdtype: str, lifetime: float | None = None) -> DnsAnswer:
        """Records of ``rdtype`` for ``name``; an empty answer for NXDOMAIN or no records."""
        t0 = time.monotonic()
        bound = lifetime if lifetime is not None else self.op_timeout
        try:
            answer = self.resolver().resolve(
                name, rdtype, lifetime=bound, raise_on_no_answer=False, search=False
            )
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(name, rdtype, (), False, _ms(t0))
        except dns.exception.Timeout:
            raise LookupTimeout(f"no DNS answer for {name} {rdtype} within {bound:.2g} s") from None
        except dns.resolver.NoNameservers as exc:
            raise OSError(f"the DNS server failed to answer for {name} {rdtype}") from exc
        records = tuple(r.to_text() for r in answer) if answer.rrset is not None else ()
        validated = bool(answer.response.flags & dns.flags.AD)
        return DnsAnswer(name, rdtype, records, validated, _ms(t0))

    def addresses(self, host: str, port: int, lifetime: float | None = None) -> list[str]:
        """The IP addresses of ``host`` (IPv6 first when the resolver gives both).

        Each name is looked up once per run, however many look-ups and probes ask (imap.<d>
        serves 993, 143 and 4190): the first asker resolves, the others wait for its answer.
        """
        bound = lifetime if lifetime is not None else self.op_timeout
        key = normalise_host(host)
        with self._lock:
            pending = self._addresses.get(key)
            mine = pending is None
            if pending is None:
                pending = self._addresses[key] = Future()
        if not mine:
            try:
                return pending.result(timeout=bound)
            except FutureTimeout:
                raise LookupTimeout(f"no address for {host} within {bound:.2g} s") from None
        try:
            found = self._resolve(host, port, bound)
        except BaseException as exc:
            pending.set_exception(exc)
            with self._lock:  # a failure is not remembered: a later asker may try again
                self._addresses.pop(key, None)
            raise
        pending.set_result(found)
        return found

    def prefetch(self, hosts: list[str]) -> None:
        """Start looking ``hosts`` up now, on helper threads (probing will want them)."""

        def look_up(host: str) -> None:
            with contextlib.suppress(Exception):  # the real asker sees any failure itself
                self.addresses(host, 0)

        for host in hosts:
            threading.Thread(target=look_up, args=(host,), daemon=True, name="dns-prefetch").start()

    def _resolve(self, host: str, port: int, bound: float) -> list[str]:
        if self.dns_server is None:
            return _system_addresses(host, port, bound)
        # AAAA and A asked at once: one round trip to the resolver, not two.
        answers: dict[str, DnsAnswer | Exception] = {}

        def ask(rdtype: str) -> None:
            try:
                answers[rdtype] = self.query(host, rdtype, lifetime=bound)
            except (LookupTimeout, OSError) as exc:
                answers[rdtype] = exc

        other = threading.Thread(target=ask, args=("AAAA",), daemon=True, name="dns-aaaa")
        other.start()
        ask("A")
        other.join(bound)
        found: list[str] = []
        for rdtype in ("AAAA", "A"):
            answer = answers.get(rdtype)
            if isinstance(answer, DnsAnswer):
                found += answer.records
        if not found:
            errors = [a for a in answers.values() if isinstance(a, Exception)]
            if errors:
                raise errors[0]
            raise NameNotFound(f"{host} has no address")
        return found

    # -- TCP and TLS -------------------------------------------------------------------------
    def route(self, ip: str, port: int) -> tuple[str, int]:
        return self.test_ports.get((ip, port), (ip, port))

    def connect(
        self, host: str, port: int, cancel: CancelToken, bound: float | None = None
    ) -> socket.socket:
        """A connected socket to ``host`` on ``port`` (Happy Eyeballs), within ``bound``."""
        end = time.monotonic() + (bound if bound is not None else self.op_timeout)
        ips = self.addresses(host, port, lifetime=max(0.05, end - time.monotonic()))
        addrs = [self.route(ip, port) for ip in ips]
        try:
            sock, _ = happy_eyeballs(addrs, max(0.05, end - time.monotonic()), cancel)
        except ConnectFailed as failed:
            raise failed.cause from None
        return sock

    def tls(self, sock: socket.socket, host: str) -> ssl.SSLSocket:
        """A verified TLS session over ``sock`` for ``host`` (certificate valid for that name)."""
        return self.trust.context().wrap_socket(sock, server_hostname=host)


def _ms(t0: float) -> float:
    return (time.monotonic() - t0) * 1000


def _system_addresses(host: str, port: int, bound: float) -> list[str]:
    # getaddrinfo cannot be interrupted: it runs on a daemon thread and is waited for at most
    # ``bound``; a resolver that hangs leaves that thread behind, not the look-up.
    done: Future[list[str]] = Future()

    def work() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            done.set_result(list(dict.fromkeys(str(i[4][0]) for i in infos)))
        except BaseException as exc:
            done.set_exception(exc)

    threading.Thread(target=work, name="discovery-getaddrinfo", daemon=True).start()
    try:
        found = done.result(timeout=bound)
    except TimeoutError:
        raise LookupTimeout(f"no address for {host} within {bound:.2g} s") from None
    except socket.gaierror as exc:
        raise NameNotFound(f"{host} has no address ({exc.strerror})") from None
    if not found:
        raise NameNotFound(f"{host} has no address")
    return found


@contextlib.contextmanager
def guarded(sock: socket.socket, cancel: CancelToken, end: float) -> Iterator[None]:
    """Shut ``sock`` down when the run is cancelled or ``end`` (monotonic) passes.

    A per-read timeout alone lets a server drip one byte a second for ever; this bounds the
    whole exchange, as :mod:`wizard.checks.deadline` does for the checks.
    """

    def shut() -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, end - time.monotonic()), shut)
    timer.daemon = True
    timer.start()
    undo = cancel.on_cancel(shut)
    try:
        yield
    finally:
        timer.cancel()
        undo()


def time_left(end: float, op_timeout: float) -> float:
    """What the next wait may take: the op bound, or what is left if that is less."""
    left = end - time.monotonic()
    if left <= 0:
        raise LookupTimeout("the look-up's time was used up")
    return min(op_timeout, left)
