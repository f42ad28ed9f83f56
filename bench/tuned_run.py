"""The benchmarks' way into a run: the one entry point (``wizard.pipeline``) with a context whose
bench-only settings (one service after another; the test message's watch mode and polling)
are set by a subclass here, never by a production signature.

The drivers that also run a baseline commit's ``wizard`` (``bench.check_worker``, the hostile
bench's dead-address script) go through :func:`run_logins_any`, which speaks the older
keyword API when the tree measured predates the context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")


def tuned_context(
    provider: Any,
    options: Any,
    *,
    sequential: bool = False,
    watch: str = "auto",
    poll_interval: float | None = None,
    resolver: Callable[[str, int], list[tuple[str, int]]] | None = None,
    cancel: Any = None,
) -> Any:
    """A RunContext whose bench-only settings are fixed by a subclass made for this run."""
    from wizard.checks.context import RunContext

    class BenchRun(RunContext):
        def each(self, work: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
            if sequential:
                return [work(item) for item in items]
            return super().each(work, items)

    BenchRun.watch = watch
    BenchRun.poll_interval = poll_interval
    ctx = BenchRun.start(provider, options, cancel)
    return ctx.with_resolver(resolver) if resolver is not None else ctx


def run_logins_any(
    provider: Any,
    user: str,
    password: str,
    *,
    ca_file: Path | None,
    only: Sequence[Any] | None = None,
    sequential: bool = False,
    timeout: float | None = None,
    resolver: Callable[[str, int], list[tuple[str, int]]] | None = None,
) -> list[Any]:
    """The login checks with this tree's context, or a baseline's keywords."""
    if not _has_run_context():  # a baseline from before the one options object
        return _old_logins(provider, user, password, ca_file, only, sequential, timeout, resolver)
    from wizard.checks.options import CheckOptions
    from wizard.pipeline import run_with_context

    fields: dict[str, Any] = {"ca_file": ca_file}
    if only is not None:
        fields["only"] = frozenset(only)
    if timeout is not None:
        fields["timeout"] = timeout
    ctx = tuned_context(provider, CheckOptions(**fields), sequential=sequential, resolver=resolver)
    return run_with_context(ctx, provider, user, password)


def _has_run_context() -> bool:
    """Whether the ``wizard`` measured has the run context (by its files: an editable
    install's finder would otherwise lend a baseline this tree's new modules)."""
    import wizard

    return (Path(wizard.__file__).parent / "checks" / "context.py").is_file()


def _old_logins(
    provider: Any,
    user: str,
    password: str,
    ca_file: Path | None,
    only: Sequence[Any] | None,
    sequential: bool,
    timeout: float | None,
    resolver: Callable[[str, int], list[tuple[str, int]]] | None,
) -> list[Any]:
    from wizard.checks import runner

    kw: dict[str, Any] = {"ca_file": ca_file}
    if timeout is not None:
        kw["timeout"] = timeout
    if resolver is not None:  # one service, as the old run_check took a resolver
        server = next(s for s in provider.servers if only is None or s.service in only)
        return [runner.run_check(provider, server, user, password, resolver=resolver, **kw)]  # type: ignore[call-arg,arg-type]
    return runner.run_checks(provider, user, password, only=only, sequential=sequential, **kw)  # type: ignore[call-arg,arg-type]
