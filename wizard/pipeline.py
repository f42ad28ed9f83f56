"""One run, start to finish: the logins side by side, then (once IMAP and SMTP pass, and when
asked) the test message, then the plain words for each result.

The one entry point the CLI's ``diagnose``, the GUI's worker and the benchmarks call, so the
rule "the test message only after the logins pass" and the order "cause first, words after"
live in one place. It sits above :mod:`wizard.checks` (which never imports the words) and
:mod:`wizard.diagnosis`. Qt-free; the network stack is imported when a run starts, never
before the first page is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wizard.checks.model import CancelToken, CheckResult, StepListener
from wizard.checks.options import CheckOptions
from wizard.provider import Provider
from wizard.services import Service

if TYPE_CHECKING:
    from wizard.checks.context import RunContext

__all__ = ["logins_allow_test_message", "run_all_checks", "run_with_context"]

# Told the login verdicts as soon as they are known, before the test message's wait (the GUI
# shows them at once).
LoginsListener = Callable[[list[CheckResult]], None]


def logins_allow_test_message(results: Sequence[CheckResult]) -> bool:
    """Both logins the test message needs were checked and passed."""
    by = {r.service: r for r in results}
    return all(s in by and by[s].ok for s in (Service.IMAP, Service.SMTP))


def run_all_checks(
    provider: Provider,
    address: str,
    password: str,
    options: CheckOptions,
    *,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    logins_done: LoginsListener | None = None,
) -> list[CheckResult]:
    """The logins, then the test message when ``options`` ask for it and the logins passed.

    Never raises for a network or server problem: each result says what happened, in a cause
    and in plain words. A bad ``options.ca_file`` raises before anything is sent.
    """
    from wizard.checks.context import RunContext

    ctx = RunContext.start(provider, options, cancel, listener)
    return run_with_context(ctx, provider, address, password, logins_done=logins_done)


def run_with_context(
    ctx: RunContext,
    provider: Provider,
    address: str,
    password: str,
    *,
    logins_done: LoginsListener | None = None,
) -> list[CheckResult]:
    """:func:`run_all_checks` in a context made beforehand (a test's resolver, a benchmark's
    sequential or polling run: see ``bench/``)."""
    from wizard.checks.runner import run_logins
    from wizard.checks.test_message import send_test_message
    from wizard.diagnosis import explain_result

    results = run_logins(provider, address, password, ctx)
    for r in results:
        explain_result(r, provider, address)
    if ctx.options.send_test_message:
        if logins_done is not None:
            logins_done(list(results))
        if not ctx.cancel.cancelled and logins_allow_test_message(results):
            trip = send_test_message(provider, address, password, ctx)
            explain_result(trip, provider, address)
            results.append(trip)
    return results
