"""``python -m wizard discover ADDRESS``: find the settings for an address and say where from.

Exit status: 0 settings found and trusted (or untrusted and accepted with
``--accept-untrusted``), 1 nothing found or only untrusted settings, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import FrameType

from wizard.address import check_address
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.discovery.model import (
    DEFAULT_ISPDB_URL,
    OP_BOUND,
    SECURITY_WORD,
    DiscoveryResult,
    Lookup,
    Outcome,
    visible,
)
from wizard.errors import WizardError
from wizard.provider import Provider, load_default_provider, load_provider
from wizard.trust import SettingsOrigin

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
_MARK = {
    Outcome.FOUND: "✓",
    Outcome.NONE: "·",
    Outcome.ERROR: "✗",
    Outcome.SKIPPED: "-",
    Outcome.CANCELLED: "-",
}


class BadDiscoverInput(WizardError):
    """A one-line message; exit status 2."""


def add_discovery_options(p: argparse.ArgumentParser) -> None:
    """The options ``discover`` and ``diagnose`` share (ca-file and provider are already there
    on ``diagnose``)."""
    p.add_argument(
        "--dns-server",
        metavar="IP:PORT",
        help="send every DNS query of the run to this resolver (default: the system's)",
    )
    p.add_argument(
        "--ispdb-url",
        metavar="URL",
        default=DEFAULT_ISPDB_URL,
        help=f"the ISPDB to ask (default {DEFAULT_ISPDB_URL})",
    )
    p.add_argument(
        "--accept-untrusted",
        action="store_true",
        help="use settings from an untrusted source (plain HTTP, another domain) without asking",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("discover", help="find the mail settings for an address")
    p.add_argument("address", help="the full email address")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--timeout",
        type=float,
        default=OP_BOUND,
        metavar="S",
        help=f"the longest wait for any one answer (default {OP_BOUND:g}; the run ends by 7.5 s)",
    )
    p.add_argument("--ca-file", metavar="PEM", help="also trust this CA certificate")
    p.add_argument("--provider", metavar="FILE", help="provider file; its domains need no look-up")
    add_discovery_options(p)
    p.set_defaults(func=run_discover)


def parse_dns_server(text: str | None) -> tuple[str, int] | None:
    from wizard.checks.blocklist import parse_server

    try:
        return parse_server(text) if text else None
    except ValueError as exc:
        raise BadDiscoverInput(f"--dns-server {exc}") from None


def check_ispdb_url(text: str) -> str:
    if not text.startswith(("https://", "http://")):
        raise BadDiscoverInput(f"--ispdb-url takes a web address, not {text!r}")
    return text


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    ca_file = Path(args.ca_file) if args.ca_file else None
    if ca_file is not None and not ca_file.is_file():
        raise BadDiscoverInput(f"--ca-file {ca_file} is not a readable file")
    if args.timeout <= 0:
        raise BadDiscoverInput("--timeout must be a positive number of seconds")
    return CheckOptions(
        timeout=args.timeout, ca_file=ca_file, dns_server=parse_dns_server(args.dns_server)
    )


def run_discovery(
    address: str,
    options: CheckOptions,
    provider: Provider | None,
    ispdb_url: str,
    listener: Callable[[Lookup], None] | None = None,
) -> DiscoveryResult:
    """Discovery with Ctrl-C as Stop (the CLI's cancel)."""
    from wizard.discovery.race import discover  # the network stack only when it is used

    cancel = CancelToken()
    previous = signal.getsignal(signal.SIGINT)
    main = threading.current_thread() is threading.main_thread()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        cancel.cancel()

    if main:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        return discover(address, options, cancel, listener, provider=provider, ispdb_url=ispdb_url)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


def run_discover(args: argparse.Namespace) -> int:
    checked = check_address(args.address)
    if not checked.ok:
        raise BadDiscoverInput(checked.message)
    options = options_from_args(args)
    ispdb = check_ispdb_url(args.ispdb_url)
    provider = load_provider(args.provider) if args.provider else load_default_provider()
    live = None if args.json or not sys.stderr.isatty() else _live
    result = run_discovery(checked.address, options, provider, ispdb, live)
    if args.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        print(render_text(result, args.accept_untrusted))
    if result.ok and (result.trusted or args.accept_untrusted):
        return EXIT_OK
    return EXIT_FAILED


def provider_for_diagnose(
    args: argparse.Namespace, address: str
) -> tuple[Provider, SettingsOrigin] | None:
    """The discovered settings as a Provider for ``diagnose``, and where they came from (for
    the report's ``settings_origin``); None (reason printed) if none.

    An untrusted result is used only with ``--accept-untrusted``: the password is sent next.
    """
    options = CheckOptions(
        timeout=min(args.timeout, OP_BOUND),
        ca_file=Path(args.ca_file) if args.ca_file else None,
        dns_server=parse_dns_server(args.dns_server),
    )
    live = None if args.json or not sys.stderr.isatty() else _live
    result = run_discovery(address, options, None, check_ispdb_url(args.ispdb_url), live)
    if result.ok and (result.trusted or args.accept_untrusted):
        origin = result.origin
        assert origin is not None
        trust = "trusted" if result.trusted else "NOT trusted, accepted with --accept-untrusted"
        print(f"Settings from {visible(origin.where)} ({origin.kind}, {trust})", file=sys.stderr)
        return result.to_provider(), replace(origin, trusted=result.trusted)
    print(render_text(result, args.accept_untrusted), file=sys.stderr)
    if result.ok:
        print("Not checked: the settings are not trusted (no password was sent).", file=sys.stderr)
    return None


def _live(lookup: Lookup) -> None:
    print(f"  {_MARK[lookup.outcome]} {visible(lookup.where)}", file=sys.stderr)


def render_text(result: DiscoveryResult, accepted: bool = False) -> str:
    out = [f"Settings for {result.address} ({result.elapsed_ms / 1000:.1f} s)", ""]
    for lookup in result.lookups:
        detail = visible(lookup.detail or lookup.why)
        trust = " (trusted)" if lookup.found and lookup.trusted else ""
        trust = " (NOT trusted)" if lookup.found and not lookup.trusted else trust
        out.append(f"{_MARK[lookup.outcome]} {visible(lookup.where)}: {lookup.outcome}{trust}")
        if detail:
            out.append(f"    {detail}")
    out.append("")
    if result.settings is None:
        out.append("No settings found." if not result.cancelled else "Stopped.")
        return "\n".join(out)
    for server in result.settings.servers:
        out.append(
            f"{server.service.label}: {server.hostname} port {server.port} "
            f"({SECURITY_WORD[server.security]}), login {server.username}"
        )
    origin = result.settings.imap.origin
    out.append(f"From: {visible(origin.where)} ({origin.kind})")
    if not result.trusted:
        hosts = ", ".join(result.server_domains)
        out.append(
            f"Not trusted: {visible(origin.why)}. The servers are in {hosts}. "
            + (
                "Accepted with --accept-untrusted."
                if accepted
                else "Check them with IT; --accept-untrusted uses them."
            )
        )
    return "\n".join(out)
