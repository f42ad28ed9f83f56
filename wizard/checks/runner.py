"""Runs the IMAP, SMTP and ManageSieve login checks side by side and collects their results.

A result carries its cause and the server's own words; the plain words for the person are
added above the checks (:func:`wizard.diagnosis.explain_result`, called by the pipeline).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime

from wizard.checks.context import RunContext
from wizard.checks.errors import Cause, CheckCancelled, CheckFailure
from wizard.checks.imap import check_imap
from wizard.checks.model import CheckResult, Step, StepListener
from wizard.checks.refusals import settle_bare_refusals
from wizard.checks.session import CheckSession
from wizard.checks.sieve import check_sieve
from wizard.checks.smtp import check_smtp
from wizard.checks.verdict import verdict
from wizard.provider import Provider, ServerSettings
from wizard.services import Service

__all__ = ["run_check", "run_logins"]

# Each runs its dialogue up to the login's answer and returns how to say goodbye.
_PROTOCOLS: dict[Service, Callable[[CheckSession, socket.socket, str], Callable[[], None]]] = {
    Service.IMAP: check_imap,
    Service.SMTP: check_smtp,
    Service.SIEVE: check_sieve,
}


def run_check(server: ServerSettings, address: str, password: str, ctx: RunContext) -> CheckResult:
    """One service, start to finish; never raises for a network or server problem.

    It ends within the bounds of :mod:`wizard.checks.deadline`: the timeout to look the name
    up and connect, then twice that for everything else. The address the server says it sees
    is handed to the run's blocklist look-ups as soon as a step learns it, so the look-up runs
    while this and the other checks go on.
    """
    cancel = ctx.cancel
    result = CheckResult(
        service=server.service,
        host=server.hostname,
        port=server.port,
        security=server.security,
        username=ctx.options.username or server.username_for(address),
    )
    session = CheckSession(result, password, ctx.timeout, cancel, ctx.trust, _offering(result, ctx))
    try:
        sock = session.open(ctx.resolver)
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
            cause, detail = found.cause, found.detail
            result.endless = found.endless
            if isinstance(exc, CheckFailure):
                result.server_text = exc.server_text
            if cancel.cancelled:  # Stop pressed while a probe ran
                cause, result.cancelled = Cause.CANCELLED, True
            result.cause = cause
            session.note(f"failed: {detail}")
            # Both parts were masked where their server text came in (per field).
            if result.steps and not result.steps[-1].detail:
                result.steps[-1].detail = detail
            elif result.steps:
                result.steps[-1].detail = f"{result.steps[-1].detail} — {detail}"
    finally:
        session.close()
        result.finished_at = result.finished_at or datetime.now(UTC)
    return result


def _offering(result: CheckResult, ctx: RunContext) -> StepListener:
    listener = ctx.listener

    def relay(service: Service, step: Step) -> None:
        if result.server_seen_ip:
            ctx.lookups.offer(result.server_seen_ip)
        if listener is not None:
            listener(service, step)

    return relay


def run_logins(
    provider: Provider, address: str, password: str, ctx: RunContext
) -> list[CheckResult]:
    """Every configured service the options ask for, side by side (``ctx.each``).

    When a server states our public address, it is looked up on the provider's blocklists;
    each result carries the answers for the address its server stated.
    """
    only = ctx.options.only
    servers = [s for s in provider.servers if only is None or s.service in only]
    results = ctx.each(lambda server: run_check(server, address, password, ctx), servers)
    settle_bare_refusals(results)
    if not ctx.cancel.cancelled:
        found = ctx.lookups.collect()
        for r in results:
            r.blocklists = list(found.get(r.server_seen_ip or "", []))
    return results
