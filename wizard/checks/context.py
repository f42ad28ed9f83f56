"""One run's shared machinery, made once and handed to every check and the test message.

The options say what was asked; the context holds what a run needs to do it: the cancel token,
who hears each step, the run's bounded resolver (honouring ``options.dns_server``), the trust
(the system's, read once for the run, plus ``options.ca_file``) and the blocklist look-ups.
A check takes the context instead of a list of keywords, so a new option is one field in
:class:`~wizard.checks.options.CheckOptions` and one reader where it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import ClassVar, TypeVar

from wizard.checks.blocklist import BackgroundLookups
from wizard.checks.model import CancelToken, StepListener
from wizard.checks.options import CheckOptions
from wizard.checks.resolve import Resolver, SharedResolver
from wizard.checks.tls import RunTrust
from wizard.provider import Provider

_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True)
class RunContext:
    """Everything one run shares; frozen: :meth:`with_resolver` makes a changed copy."""

    options: CheckOptions
    cancel: CancelToken
    resolver: Resolver
    trust: RunTrust
    lookups: BackgroundLookups
    listener: StepListener | None = None
    # The test message's mailbox watch ("auto": NOTIFY, else IDLE, else polling) and a fixed
    # polling interval (None: backoff). Class attributes, not options: only a benchmark's
    # subclass changes them (see bench/).
    watch: ClassVar[str] = "auto"
    poll_interval: ClassVar[float | None] = None

    @classmethod
    def start(
        cls,
        provider: Provider | None,
        options: CheckOptions,
        cancel: CancelToken | None = None,
        listener: StepListener | None = None,
    ) -> RunContext:
        """The context of a new run: a fresh resolver cache and the system's trust read anew.

        ``provider`` names the blocklists to ask; None (a probe of settings not yet chosen,
        such as discovery's) asks none. A bad ``options.ca_file`` raises here, before any
        check starts.
        """
        return cls(
            options=options,
            cancel=cancel or CancelToken(),
            resolver=SharedResolver(options.timeout, options.dns_server),
            trust=RunTrust(options.ca_file),
            lookups=BackgroundLookups(
                provider.blocklist_zones if provider is not None else (),
                options.dnsbl_server or options.dns_server,
            ),
            listener=listener,
        )

    @property
    def timeout(self) -> float:
        return self.options.timeout

    def with_resolver(self, resolver: Resolver) -> RunContext:
        """A copy resolving through ``resolver`` (a test's or a benchmark's)."""
        return replace(self, resolver=resolver)

    def each(self, work: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        """``work`` on every item side by side, so the wait is the slowest one, not the sum."""
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="check") as pool:
            return list(pool.map(work, items))
