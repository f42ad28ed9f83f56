"""Runs the IMAP, SMTP and ManageSieve checks side by side and collects their results."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from pathlib import Path

from wizard.checks.blocklist import BackgroundLookups
from wizard.checks.errors import Cause, CheckCancelled, CheckFailure
from wizard.checks.imap import check_imap
from wizard.checks.model import DEFAULT_TIMEOUT, CancelToken, CheckResult, Step, StepListener
from wizard.checks.refusals import settle_bare_refusals
from wizard.checks.session import Session
from wizard.checks.sieve import check_sieve
from wizard.checks.smtp import check_smtp
from wizard.checks.tls import RunTrust
from wizard.checks.verdict import verdict
from wizard.diagnosis import explain
from wizard.provider import Provider, ServerSettings
from wizard.services import Security, Service

__all__ = ["DEFAULT_TIMEOUT", "SharedResolver", "run_check", "run_checks"]

# Each runs its dialogue up to the login's answer and returns how to say goodbye.
_PROTOCOLS: dict[Service, Callable[[Session, socket.socket, str], Callable[[], None]]] = {
    Service.IMAP: check_imap,
    Service.SMTP: check_smtp,
    Service.SIEVE: check_sieve,
}


class SharedResolver:
    """Looks each host name up once for all checks, however many run at the same time.

    Both address families are asked for (AF_UNSPEC), for Happy Eyeballs. The lookup runs on a
    thread of its own so that a resolver that hangs costs at most ``timeout``: getaddrinfo()
    itself cannot be interrupted.
    """

    def __init__(self, timeout: float | None = None) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._pending: dict[str, Future[list[str]]] = {}

    def __call__(self, host: str, port: int) -> list[tuple[str, int]]:
        with self._lock:
            fut = self._pending.get(host)
            if fut is None:
                fut = Future()
                self._pending[host] = fut
                threading.Thread(
                    target=_lookup, args=(host, fut), name="resolve", daemon=True
                ).start()
        try:
            ips = fut.result(self._timeout)
        except FutureTimeout:
            raise TimeoutError(
                f"the name lookup did not finish within {self._timeout:g} s"
            ) from None
        return [(ip, port) for ip in ips]


def _lookup(host: str, fut: Future[list[str]]) -> None:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        fut.set_result(list(dict.fromkeys(str(info[4][0]) for info in infos)))
    except BaseException as exc:
        fut.set_exception(exc)


def run_check(
    provider: Provider,
    server: ServerSettings,
    address: str,
    password: str,
    *,
    ca_file: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    resolver: Callable[[str, int], list[tuple[str, int]]] | None = None,
    username: str | None = None,
    lookups: BackgroundLookups | None = None,
    trust: RunTrust | None = None,
) -> CheckResult:
    """One service, start to finish; never raises for a network or server problem.

    It ends within the bounds of :mod:`wizard.checks.deadline`: ``timeout`` to look the name up
    and connect, then twice that for everything else.

    ``lookups`` is handed the address the server says it sees as soon as a step learns it, so
    the blocklist look-up runs while this and the other checks go on. ``trust`` is the run's
    (shared with the other checks); alone, the check makes its own.
    """
    cancel = cancel or CancelToken()
    result = CheckResult(
        service=server.service,
        host=server.hostname,
        port=server.port,
        security=server.security,
        username=username or server.username_for(address),
    )
    if lookups is not None:
        listener = _offering(result, lookups, listener)
    trust = trust or RunTrust(ca_file)
    session = Session(result, password, timeout, cancel, trust, listener)
    server_text = ""
    endless = False
    try:
        addrs = session.resolve(resolver or SharedResolver(timeout))
        sock = session.connect(addrs)
        if server.security is Security.TLS:
            sock = session.start_tls(sock)
        goodbye = _PROTOCOLS[server.service](session, sock, password)
        # Settled as soon as the login answered; the goodbye below cannot change it.
        result.ok = True
        result.finished_at = datetime.now(UTC)
        session.farewell(goodbye)
    except CheckCancelled:
        result.cancelled = True
        result.cause = Cause.CANCELLED
    except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnosis
        if cancel.cancelled:
            result.cancelled = True
            result.cause = Cause.CANCELLED
        else:
            found = verdict(exc, session)
            cause, detail, endless = found.cause, found.detail, found.endless
            if isinstance(exc, CheckFailure):
                server_text = exc.server_text
            if cancel.cancelled:  # Stop pressed while a probe ran
                cause, result.cancelled = Cause.CANCELLED, True
            result.cause = cause
            session.note(f"failed: {detail}")
            if result.steps and not result.steps[-1].detail:
                result.steps[-1].detail = session.redact(detail)
            elif result.steps:
                result.steps[-1].detail = session.redact(f"{result.steps[-1].detail} — {detail}")
    finally:
        session.close()
        result.finished_at = result.finished_at or datetime.now(UTC)
    if result.cause:
        d = explain(
            result.cause, server, provider, result.username, address, server_text, endless=endless
        )
        result.cause, result.message, result.advice = d.cause, d.message, d.advice
    else:
        result.message = f"{server.service.label}: working."
    return result


def _offering(
    result: CheckResult, lookups: BackgroundLookups, listener: StepListener | None
) -> StepListener:
    def relay(service: Service, step: Step) -> None:
        if result.server_seen_ip:
            lookups.offer(result.server_seen_ip)
        if listener is not None:
            listener(service, step)

    return relay


def run_checks(
    provider: Provider,
    address: str,
    password: str,
    *,
    ca_file: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    only: Iterable[Service] | None = None,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    sequential: bool = False,
    username: str | None = None,
    dnsbl_server: tuple[str, int] | None = None,
    blocklist_zones: Sequence[str] | None = None,
) -> list[CheckResult]:
    """All configured services, concurrently so the wait is the slowest one, not the sum.

    ``sequential`` runs them one after another; it exists only so the benchmark can compare.
    When a server states our public address, it is looked up on the provider's blocklists
    (``blocklist_zones`` overrides them) through ``dnsbl_server`` or the system's resolver;
    each result carries the answers for the address its server stated.
    """
    cancel = cancel or CancelToken()
    wanted = set(only) if only is not None else set(Service)
    servers = [s for s in provider.servers if s.service in wanted]
    resolver = SharedResolver(timeout)
    zones = provider.blocklist_zones if blocklist_zones is None else tuple(blocklist_zones)
    lookups = BackgroundLookups(zones, dnsbl_server)
    # The system's trust is read once for this run's checks, and afresh at the next run.
    trust = RunTrust(ca_file)

    def one(server: ServerSettings) -> CheckResult:
        return run_check(
            provider,
            server,
            address,
            password,
            ca_file=ca_file,
            timeout=timeout,
            cancel=cancel,
            listener=listener,
            resolver=resolver,
            username=username,
            lookups=lookups,
            trust=trust,
        )

    if sequential:
        results = [one(s) for s in servers]
    else:
        with ThreadPoolExecutor(max_workers=max(1, len(servers)), thread_name_prefix="check") as p:
            results = list(p.map(one, servers))
    settle_bare_refusals(results, provider, address)
    if not cancel.cancelled:
        found = lookups.collect()
        for r in results:
            r.blocklists = list(found.get(r.server_seen_ip or "", []))
    return results
