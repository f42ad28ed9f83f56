"""Every look-up at once; the documented ranking decides, and a settled winner ends the rest.

Ranking (lower wins; ``docs/discovery.md`` says the same):

0. IT's provider file (or the built-in settings) for its domains — no network at all
1. HTTPS autoconfig, ``autoconfig.<domain>``
2. HTTPS ``<domain>/.well-known/autoconfig/…``
3. Exchange Autodiscover over HTTPS in the address's domain (the two URLs, the HTTP redirect,
   ``_autodiscover._tcp``)
4. RFC 6186/8314 SRV (trusted when the targets are in the domain or the answer DNSSEC-validated)
5. the ISPDB
6. MX-derived (the MX's registrable domain: its autoconfig, its ISPDB entry)
7. the HTTP variants of autoconfig and .well-known (never trusted)
8. probing the usual names and ports

Probing starts once HTTPS autoconfig and .well-known have ended, or after ``PROBE_HEAD_START``
(0.5 s), whichever is first: the common answer is not kept waiting behind fifteen handshakes.
A trusted answer of rank *r* wins as soon as every look-up ranked above it has ended: look-ups
ranked below it are cancelled at that moment (Autodiscover is never waited for once autoconfig
answered), and one ranked above that is still running is waited for only until the run's
bound. A trusted answer beats any untrusted one; untrusted answers (plain HTTP, another
domain, MX without DNSSEC) are used, best rank first, only when nothing trusted came, and then
only after the person confirms. Settings that would send a password without TLS never count.

``policy="thunderbird"`` orders the same look-ups the way Thunderbird does (a winner waits for
every higher rank and for Autodiscover; guessing starts only after every look-up failed), for
the benchmark's side-by-side run.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from wizard.checks.errors import CheckCancelled
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.discovery import autoconfig as ac
from wizard.discovery.asks import Asks
from wizard.discovery.autodiscover import (
    PATH,
    lookup_autodiscover_redirect,
    lookup_autodiscover_srv,
)
from wizard.discovery.model import (
    DEFAULT_ISPDB_URL,
    OP_BOUND,
    RUN_BOUND,
    DiscoveryResult,
    FoundServer,
    FoundSettings,
    Lookup,
    Outcome,
)
from wizard.discovery.net import Network
from wizard.discovery.probe import lookup_probe, probe_hosts
from wizard.discovery.srv import lookup_srv
from wizard.provider import Provider, ServerSettings
from wizard.services import Security
from wizard.trust import OriginKind, SettingsOrigin

LookupListener = Callable[[Lookup], None]
# Probing starts at the latest this long after the run began (see _may_probe).
PROBE_HEAD_START = 0.5
Policy = Literal["first", "thunderbird"]


@dataclass(frozen=True)
class Spec:
    """One look-up to run: its kind, rank, where it asks, and the function that asks."""

    kind: OriginKind
    rank: int
    where: str
    run: Callable[[Network, CancelToken, float], Lookup]


def plan(address: str, ispdb_base: str = DEFAULT_ISPDB_URL) -> list[Spec]:
    """Every look-up for ``address``, in rank order (public: the audit runs them too)."""
    asks = Asks(address, ispdb_base)
    domain = asks.domain
    k = OriginKind

    def doc(kind: OriginKind, rank: int, url: str, send: bool) -> Spec:
        return Spec(kind, rank, url, asks.document(kind, rank, url, send))

    def post(url: str) -> Spec:
        return Spec(k.AUTODISCOVER, 3, url, asks.autodiscover_post(url))

    def common(fn: Callable[..., Lookup], kind: OriginKind, rank: int, where: str) -> Spec:
        return Spec(kind, rank, where, asks.common(fn, rank))

    return [
        doc(k.AUTOCONFIG, 1, ac.autoconfig_url(domain), True),
        doc(k.WELL_KNOWN, 2, ac.well_known_url(domain), True),
        post(f"https://{domain}{PATH}"),
        post(f"https://autodiscover.{domain}{PATH}"),
        common(
            lookup_autodiscover_redirect, k.AUTODISCOVER, 3, f"http://autodiscover.{domain}{PATH}"
        ),
        common(lookup_autodiscover_srv, k.AUTODISCOVER, 3, f"_autodiscover._tcp.{domain} SRV"),
        common(lookup_srv, k.SRV, 4, f"SRV records of {domain}"),
        Spec(k.ISPDB, 5, f"{ispdb_base.rstrip('/')}/{domain}", asks.ispdb()),
        Spec(k.MX, 6, f"{domain} MX", asks.mx()),
        doc(k.AUTOCONFIG, 7, ac.autoconfig_url(domain, https=False), False),
        doc(k.WELL_KNOWN, 7, ac.well_known_url(domain, https=False), False),
        common(lookup_probe, k.PROBE, 8, f"probing the usual servers of {domain}"),
    ]


def from_provider(address: str, provider: Provider) -> DiscoveryResult:
    """IT's settings for a domain the provider file covers: no look-up at all."""
    domain = address.rpartition("@")[2].lower()
    where = str(provider.source) if provider.source else "built-in settings"
    origin = SettingsOrigin(OriginKind.PROVIDER, where, True, "IT's provider file")

    def found(server: ServerSettings) -> FoundServer:
        return FoundServer(
            server.service,
            server.hostname,
            server.port,
            server.security,
            server.username_for(address),
            server.authentication,
            origin,
        )

    settings = FoundSettings(
        found(provider.imap),
        found(provider.smtp),
        found(provider.sieve) if provider.sieve else None,
    )
    lookup = Lookup(
        OriginKind.PROVIDER,
        where,
        Outcome.FOUND,
        0,
        True,
        origin.why,
        f"{provider.display_name} covers {domain}",
        0.0,
        settings,
    )
    return DiscoveryResult(address, domain, settings, (lookup,), 0.0)


def network_for(options: CheckOptions) -> Network:
    """The run's network from the options (the tests' port map is added by the tests)."""
    from wizard.checks.tls import RunTrust

    return Network(
        dns_server=options.dns_server,
        trust=RunTrust(options.ca_file),
        op_timeout=min(options.timeout, OP_BOUND),
    )


def discover(
    address: str,
    options: CheckOptions,
    cancel: CancelToken | None = None,
    listener: LookupListener | None = None,
    *,
    provider: Provider | None = None,
    ispdb_url: str = DEFAULT_ISPDB_URL,
    network: Network | None = None,
    policy: Policy = "first",
    bound: float = RUN_BOUND,
) -> DiscoveryResult:
    """Find settings for ``address``: the Qt worker's and the CLI's one call.

    ``listener`` is called (on this thread) as each look-up ends; ``cancel`` ends the run at
    once (every look-up's sockets are shut; the result says ``cancelled``). A provider that
    covers the domain answers without any network traffic.
    """
    if provider is not None and provider.matches_domain(address):
        result = from_provider(address, provider)
        if listener is not None:
            listener(result.lookups[0])
        return result
    cancel = cancel or CancelToken()
    net = network or network_for(options)
    domain = address.rpartition("@")[2].lower()
    t0 = time.monotonic()
    end = t0 + bound
    specs = plan(address, ispdb_url)
    done: queue.Queue[tuple[int, Lookup]] = queue.Queue()
    tokens = [CancelToken() for _ in specs]

    def cancel_all() -> None:
        for token in tokens:
            token.cancel()

    undo = cancel.on_cancel(cancel_all)
    started: set[int] = set()

    def start(i: int) -> None:
        started.add(i)

        def work() -> None:
            try:
                found = specs[i].run(net, tokens[i], end)
            except CheckCancelled:
                found = _ended(specs[i], Outcome.CANCELLED, "cancelled", t0)
            except Exception as exc:  # a bug in one look-up must not end the others
                found = _ended(specs[i], Outcome.ERROR, f"{exc.__class__.__name__}: {exc}", t0)
            done.put((i, _refuse_plain(found)))

        threading.Thread(target=work, daemon=True, name=f"discover-{specs[i].kind}").start()

    deferred = {i for i, s in enumerate(specs) if s.kind is OriginKind.PROBE}
    if policy == "first":  # the names now, the connections once probing may start
        net.prefetch(probe_hosts(domain))
    for i in range(len(specs)):
        if i not in deferred:
            start(i)
    finished: dict[int, Lookup] = {}
    winner: Lookup | None = None
    try:
        while len(finished) < len(specs):
            winner = _winner(specs, finished, policy)
            if winner is not None:
                break
            if deferred and _may_probe(specs, finished, policy, time.monotonic() - t0):
                for i in deferred:
                    start(i)
                deferred = set()
            left = end - time.monotonic()
            if left <= 0 or cancel.cancelled:
                break
            try:
                i, found = done.get(timeout=min(left, 0.05))
            except queue.Empty:
                continue
            if cancel.cancelled:
                break
            finished[i] = found
            if listener is not None:
                listener(found)
        if winner is None and not cancel.cancelled:
            winner = _winner(specs, finished, policy)
    finally:
        undo()
        for i, token in enumerate(tokens):
            if i not in finished:
                token.cancel()
    # What was still running is recorded as ended by the winner, the bound or Stop.
    why = "Stop" if cancel.cancelled else ("a better answer came" if winner else "out of time")
    for i, spec in enumerate(specs):
        if i not in finished:
            outcome = Outcome.CANCELLED if (winner or cancel.cancelled) else Outcome.ERROR
            if i not in started:
                outcome, why_here = Outcome.SKIPPED, "not needed"
            else:
                why_here = why
            finished[i] = _ended(spec, outcome, why_here, t0)
            if listener is not None and not cancel.cancelled:
                listener(finished[i])
    if winner is None and not cancel.cancelled:
        winner = _best_untrusted(finished.values())
    lookups = tuple(finished[i] for i in range(len(specs)))
    return DiscoveryResult(
        address=address,
        domain=domain,
        settings=winner.settings if winner and not cancel.cancelled else None,
        lookups=lookups,
        elapsed_ms=(time.monotonic() - t0) * 1000,
        cancelled=cancel.cancelled,
    )


def _may_probe(specs: list[Spec], finished: dict[int, Lookup], policy: Policy, age: float) -> bool:
    """Whether probing may start now.

    Fifteen TLS connections cost the servers log lines and this machine CPU that the answer
    most domains publish (HTTPS autoconfig) would be waiting behind, so probing waits until
    autoconfig and .well-known have ended, or ``PROBE_HEAD_START`` has passed, whichever is
    first. Thunderbird guesses only once every other look-up has ended.
    """
    waited_for = [
        i
        for i, s in enumerate(specs)
        if s.kind is not OriginKind.PROBE and (policy == "thunderbird" or s.rank <= 2)
    ]
    if all(i in finished for i in waited_for):
        return True
    return policy == "first" and age >= PROBE_HEAD_START


def _winner(specs: list[Spec], finished: dict[int, Lookup], policy: Policy) -> Lookup | None:
    """The best trusted answer, once nothing ranked above it is still running; else None.

    Only the best one needs asking: whatever is above a worse answer is above the best too.
    """
    trusted = [f for f in finished.values() if f.found and f.trusted]
    if not trusted:
        return None
    best = min(trusted, key=lambda f: f.rank)
    above = [
        i
        for i, s in enumerate(specs)
        if s.rank < best.rank or (policy == "thunderbird" and s.kind is OriginKind.AUTODISCOVER)
    ]
    return best if all(i in finished for i in above) else None


def _best_untrusted(lookups: Iterable[Lookup]) -> Lookup | None:
    found = [f for f in lookups if f.found]
    return min(found, key=lambda f: f.rank) if found else None


def _refuse_plain(found: Lookup) -> Lookup:
    """Settings without TLS for IMAP or SMTP never count (RFC 8314: no silent plain text)."""
    if not found.found or found.settings is None:
        return found
    plain = [s for s in (found.settings.imap, found.settings.smtp) if s.security is Security.PLAIN]
    if not plain:
        return found
    names = ", ".join(f"{s.service.value} {s.hostname}:{s.port}" for s in plain)
    detail = f"offers only unencrypted connections ({names}); never used without TLS"
    return replace(found, outcome=Outcome.NONE, detail=detail, settings=None)


def _ended(spec: Spec, outcome: Outcome, detail: str, t0: float) -> Lookup:
    return Lookup(
        spec.kind, spec.where, outcome, spec.rank, detail=detail, ms=(time.monotonic() - t0) * 1000
    )
