"""The whole check in order: the logins side by side, then, once IMAP and SMTP pass, the round
trip (a test message to oneself). Qt-free; the CLI and the GUI's worker both call this, so the
rule "only after the logins pass" lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from wizard.checks.model import CancelToken, CheckResult, StepListener
from wizard.checks.roundtrip import DEFAULT_ROUND_TRIP_TIMEOUT, RoundTripResult, round_trip
from wizard.checks.runner import DEFAULT_TIMEOUT, run_checks
from wizard.provider import Provider
from wizard.services import Service


def logins_allow_round_trip(results: Sequence[CheckResult]) -> bool:
    """Both logins the round trip needs were checked and passed."""
    by = {r.service: r for r in results}
    return all(s in by and by[s].ok for s in (Service.IMAP, Service.SMTP))


def run_round_trip_after(
    results: Sequence[CheckResult],
    provider: Provider,
    address: str,
    password: str,
    *,
    ca_file: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    round_trip_timeout: float = DEFAULT_ROUND_TRIP_TIMEOUT,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    username: str | None = None,
) -> RoundTripResult | None:
    """The round trip when the logins allow it (and nobody pressed Stop), else None."""
    cancel = cancel or CancelToken()
    if cancel.cancelled or not logins_allow_round_trip(results):
        return None
    return round_trip(
        provider,
        address,
        password,
        ca_file=ca_file,
        timeout=timeout,
        round_trip_timeout=round_trip_timeout,
        cancel=cancel,
        listener=listener,
        username=username,
    )


def run_all_checks(
    provider: Provider,
    address: str,
    password: str,
    *,
    ca_file: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    only: Iterable[Service] | None = None,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    username: str | None = None,
    with_round_trip: bool = False,
    round_trip_timeout: float = DEFAULT_ROUND_TRIP_TIMEOUT,
    dnsbl_server: tuple[str, int] | None = None,
) -> list[CheckResult]:
    """The logins, then the round trip when asked for and the logins passed.

    ``dnsbl_server``: the resolver for the blocklist look-ups (see ``run_checks``).
    """
    cancel = cancel or CancelToken()
    results = run_checks(
        provider,
        address,
        password,
        ca_file=ca_file,
        timeout=timeout,
        only=only,
        cancel=cancel,
        listener=listener,
        username=username,
        dnsbl_server=dnsbl_server,
    )
    if with_round_trip:
        trip = run_round_trip_after(
            results,
            provider,
            address,
            password,
            ca_file=ca_file,
            timeout=timeout,
            round_trip_timeout=round_trip_timeout,
            cancel=cancel,
            listener=listener,
            username=username,
        )
        if trip is not None:
            results.append(trip)
    return results
