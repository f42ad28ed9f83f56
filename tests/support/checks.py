"""Running checks in tests: the one entry point (wizard.pipeline) with the options as keywords.

Tests name only the options they care about; a test's own resolver, or the test message's
watch mode and polling, go through a run context made here, as the benchmarks do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wizard.checks.context import RunContext
from wizard.checks.model import CancelToken, CheckResult, StepListener
from wizard.checks.options import CheckOptions
from wizard.checks.resolve import Resolver
from wizard.checks.test_message import TestMessageResult, send_test_message
from wizard.diagnosis import explain_result
from wizard.pipeline import run_with_context
from wizard.provider import Provider, ServerSettings
from wizard.services import Service


def options(only: Iterable[Service] | None = None, **fields: Any) -> CheckOptions:
    return CheckOptions(only=frozenset(only) if only is not None else None, **fields)


def context(
    provider: Provider,
    opts: CheckOptions,
    *,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    resolver: Resolver | None = None,
    watch: str = "auto",
    poll_interval: float | None = None,
) -> RunContext:
    """A run's context; ``watch`` and ``poll_interval`` as a benchmark's subclass sets them."""
    cls: type[RunContext] = RunContext
    if watch != "auto" or poll_interval is not None:
        cls = type("TunedRun", (RunContext,), {"watch": watch, "poll_interval": poll_interval})
    ctx = cls.start(provider, opts, cancel, listener)
    return ctx.with_resolver(resolver) if resolver is not None else ctx


def check_all(
    provider: Provider,
    address: str,
    password: str,
    *,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    resolver: Resolver | None = None,
    **fields: Any,
) -> list[CheckResult]:
    """``run_all_checks`` with ``CheckOptions(**fields)`` (``only`` may be any iterable)."""
    ctx = context(provider, options(**fields), cancel=cancel, listener=listener, resolver=resolver)
    return run_with_context(ctx, provider, address, password)


def check_one(
    provider: Provider, server: ServerSettings, address: str, password: str, **kw: Any
) -> CheckResult:
    """One service's login check, through the same entry point."""
    return check_all(provider, address, password, only=[server.service], **kw)[0]


def message_to_self(
    provider: Provider,
    address: str,
    password: str,
    *,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    watch: str = "auto",
    poll_interval: float | None = None,
    **fields: Any,
) -> TestMessageResult:
    """The test message alone (its logins not checked first), with its plain words."""
    fields.setdefault("send_test_message", True)
    ctx = context(
        provider,
        options(**fields),
        cancel=cancel,
        listener=listener,
        watch=watch,
        poll_interval=poll_interval,
    )
    result = send_test_message(provider, address, password, ctx)
    explain_result(result, provider, address)
    return result
