"""One audit run: gather what the domain publishes, look at the mail ports, conclude.

Bounded as a whole (:data:`AUDIT_BUDGET`): the web and DNS look-ups and the provider's ports
start together, ports of hosts only the look-ups named follow with the time left, and no single
wait is longer than the per-step bound. What the domain publishes is gathered by ``gather``
(discovery's own look-ups, :mod:`wizard.audit.sources`), so the audit sees exactly what
discovery sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from wizard.audit.findings import (
    agreement_findings,
    authentication_findings,
    encryption_findings,
    outside_findings,
    port_findings,
    source_findings,
    srv_findings,
)
from wizard.audit.model import AuditResult, Settings, SourceAnswer, SrvAnswer, same_servers
from wizard.audit.ports import MAIL_PORTS, POP_PORTS, PortReport, Route, probe_ports
from wizard.audit.programs import all_programs
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.checks.tls import RunTrust
from wizard.provider import Provider
from wizard.services import Security
from wizard.trust import registrable_domain

AUDIT_BUDGET = 10.0  # seconds, the bound for the whole report
STEP_BOUND = 3.0  # the longest any one connect, read or look-up may wait
MAX_HOSTS = 4  # mail hosts whose ports are looked at


@dataclass(frozen=True)
class Gathered:
    sources: Mapping[str, SourceAnswer]
    srv: tuple[SrvAnswer, ...] = ()
    # Registrable domains the look-ups may lead to besides the domain (the MX's).
    other_domains: tuple[str, ...] = field(default=())
    # Source id -> the <authentication> words of its document, as written.
    authentication: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Source id -> each Autodiscover Protocol as written: (Type, Port, SSL, Encryption).
    autodiscover: Mapping[str, tuple[tuple[str, int, str, str], ...]] = field(default_factory=dict)
    # POP3 servers the documents publish (host, port, security): their ports are looked at.
    pop: tuple[tuple[str, int, Security], ...] = ()


Gather = Callable[[str, CheckOptions, CancelToken, float], Gathered]
Progress = Callable[[str], None]


def settings_of(provider: Provider) -> Settings:
    return Settings(provider.imap, provider.smtp, provider.sieve)


def _targets(
    hosts: list[str], published: dict[tuple[str, int], tuple[str, Security]]
) -> list[tuple[str, str, int, Security]]:
    """The usual mail ports of each host (and POP's where POP is published), and the
    published ports as published."""
    out: list[tuple[str, str, int, Security]] = []
    pop_hosts = {h for (h, _), (p, _) in published.items() if p == "pop3"}
    for host in hosts:
        usual = MAIL_PORTS + (POP_PORTS if host in pop_hosts else ())
        out += [(p, host, port, s) for p, port, s in usual if (host, port) not in published]
    out += [(p, h, port, s) for (h, port), (p, s) in published.items() if h in hosts]
    return out


def _published(settings: list[Settings]) -> dict[tuple[str, int], tuple[str, Security]]:
    out: dict[tuple[str, int], tuple[str, Security]] = {}
    for s in settings:
        for server in s.servers:
            key = (server.hostname.lower().rstrip("."), server.port)
            out.setdefault(key, (server.service.value, server.security))
    return out


def run_audit(
    domain: str,
    options: CheckOptions,
    gather: Gather,
    *,
    provider: Provider | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
    route: Route | None = None,
) -> AuditResult:
    """The whole audit of ``domain``; ``provider`` is IT's truth when given."""
    cancel = cancel or CancelToken()
    say = progress or (lambda _text: None)
    t0 = time.monotonic()
    end = t0 + AUDIT_BUDGET - 0.5
    step = min(options.timeout, STEP_BOUND)
    port_options = options.with_changes(timeout=step)
    trust = RunTrust(options.ca_file)
    truth = settings_of(provider) if provider is not None else None
    first = _published([truth]) if truth else {}
    home = registrable_domain(domain)
    # Only hosts inside the domain now; the MX's domain is known after the look-ups.
    first_hosts = [h for h in dict.fromkeys(h for h, _ in first) if registrable_domain(h) == home]
    first_hosts = first_hosts[:MAX_HOSTS]
    say("looking up what the domain publishes")
    with ThreadPoolExecutor(max_workers=2) as pool:
        early = pool.submit(
            probe_ports, _targets(first_hosts, first), port_options, cancel, trust, route
        )
        gathered = gather(domain, options.with_changes(timeout=step), cancel, end)
        say("looking at the mail ports")
        reports = early.result()
    found = [a.settings for a in gathered.sources.values() if a.found and a.settings]
    everything = _published(([truth] if truth else []) + found)
    for host, port, security in gathered.pop:
        everything.setdefault((host, port), ("pop3", security))
    allowed = {home, *gathered.other_domains}
    named = list(dict.fromkeys([*first_hosts, *(h for h, _ in everything)]))
    hosts = [h for h in named if registrable_domain(h) in allowed][:MAX_HOSTS]
    outside = [h for h in named if registrable_domain(h) not in allowed]
    probed = {(r.host, r.port) for r in reports}
    more = [t for t in _targets(hosts, everything) if (t[1], t[2]) not in probed]
    left = end - time.monotonic()
    if more and left > 1.0 and not cancel.cancelled:
        later = port_options.with_changes(timeout=min(step, left / 3))
        reports += probe_ports(more, later, cancel, trust, route)
    judge = _judge(truth, reports)
    truth_label = "the provider file" if truth else "the live servers"
    findings = [
        *source_findings(gathered.sources, judge),
        *authentication_findings(gathered.authentication),
        *srv_findings(gathered.srv, domain, truth),
        *encryption_findings(gathered.sources, reports, gathered.autodiscover),
        *port_findings(reports, set(everything)),
        *outside_findings(outside, home),
        *agreement_findings(gathered.sources, truth, truth_label, judge),
    ]
    programs = all_programs(gathered.sources, judge, truth)
    say("done")
    return AuditResult(domain, (time.monotonic() - t0) * 1000, tuple(findings), programs)


def _judge(truth: Settings | None, reports: list[PortReport]) -> Callable[[Settings], bool]:
    if truth is not None:
        return lambda settings: same_servers(settings, truth)
    live = {(r.host.lower(), r.port): r for r in reports}

    def works(settings: Settings) -> bool:
        for server in (settings.imap, settings.smtp):
            report = live.get((server.hostname.lower().rstrip("."), server.port))
            if report is None or not report.ok or report.offered is not server.security:
                return False
        return True

    return works
