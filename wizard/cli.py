"""Command line: ``python -m wizard diagnose …`` and the other tools IT scripts against.

Exit status: 0 all checks passed / done, 1 a check failed / refused, 2 bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import importlib
import importlib.util
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from wizard import APP_NAME, __version__
from wizard.address import check_address
from wizard.checks.blocklist import parse_server
from wizard.checks.model import (
    DEFAULT_TEST_MESSAGE_TIMEOUT,
    DEFAULT_TIMEOUT,
    CancelToken,
    Step,
    StepStatus,
)
from wizard.checks.options import CheckOptions
from wizard.errors import BadInput, WizardError
from wizard.mail_programs import cli as mail_programs_cli
from wizard.outgoing import Form, outgoing_report
from wizard.password_rules import has_control_characters
from wizard.pipeline import run_all_checks
from wizard.provider import Provider, load_default_provider, load_provider
from wizard.provider_source import LocatedProvider, locate_provider
from wizard.report import CROSS, TICK, make_report
from wizard.safe_text import visible
from wizard.services import Service
from wizard.ui_text.trust import cli_refusal

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def provider_from_args(path: str | None) -> Provider:
    # A ProviderError is one of the app's own errors: main() reports it like BadInput.
    return load_provider(path) if path else load_default_provider()


def _refuse_untrusted_file(
    args: argparse.Namespace, located: LocatedProvider, address: str
) -> None:
    """Refuse (before the password is even asked for) a provider file that is not IT's word
    when the caller did not say --accept-untrusted: nothing is sent."""
    origin = located.origin_for(address)
    if not origin.trusted and not args.accept_untrusted:
        raise BadInput(cli_refusal(located.provider, address, origin))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
    elif sys.stdin.isatty():
        try:
            password = getpass.getpass("Password: ")
        except (EOFError, KeyboardInterrupt):
            raise BadInput("no password entered") from None
    else:
        raise BadInput("no password: use --password-stdin to pipe it in, or run in a terminal")
    if not password:
        raise BadInput("the password is empty")
    if has_control_characters(password):
        # Never echoed back: the sentence names the kind of character, not the password.
        raise BadInput(
            "the password contains a line break or another control character; give it "
            "without them (one line on standard input, ended by the line break)"
        )
    return password


def _parse_only(text: str | None) -> set[Service] | None:
    if not text:
        return None
    try:
        services = {Service(part.strip().lower()) for part in text.split(",") if part.strip()}
    except ValueError:
        raise BadInput(f"--only takes imap, smtp and/or sieve, not {text!r}") from None
    if Service.ROUNDTRIP in services:
        raise BadInput("--only takes imap, smtp and/or sieve; the test message is --test-message")
    return services


def parse_dnsbl_server(text: str | None, option: str = "--dnsbl-server") -> tuple[str, int] | None:
    try:
        return parse_server(text) if text else None
    except ValueError as exc:
        raise BadInput(f"{option} {exc}") from None


def _cmd_diagnose(args: argparse.Namespace) -> int:
    checked = check_address(args.address)
    if not checked.ok:
        raise BadInput(checked.message)
    located = locate_provider(args.provider)
    provider = located.provider
    discover = args.discover or not provider.matches_domain(checked.address)
    if not discover:
        _refuse_untrusted_file(args, located, checked.address)
    origin = located.origin_for(checked.address)
    ca_file = Path(args.ca_file) if args.ca_file else None
    if ca_file is not None and not ca_file.is_file():
        raise BadInput(f"--ca-file {ca_file} is not a readable file")
    if args.timeout <= 0:
        raise BadInput("--timeout must be a positive number of seconds")
    only = _parse_only(args.only)
    if args.round_trip_timeout <= 0:
        raise BadInput("--test-message-timeout must be a positive number of seconds")
    if args.round_trip and only is not None and not {Service.IMAP, Service.SMTP} <= only:
        raise BadInput(
            "--round-trip needs the imap and smtp checks (leave them in --only; "
            "--test-message is its other name)"
        )
    dnsbl_server = parse_dnsbl_server(args.dnsbl_server)
    mail_programs_cli.check_arguments(args)
    from wizard.discovery.cli import parse_dns_server

    options = CheckOptions(
        timeout=args.timeout,
        dns_server=parse_dns_server(args.dns_server),
        test_message_timeout=args.round_trip_timeout,
        ca_file=ca_file,
        dnsbl_server=dnsbl_server,
        only=frozenset(only) if only is not None else None,
        send_test_message=args.round_trip,
        username=args.username,
    )
    password = _read_password(args.password_stdin)
    if discover:
        from wizard.discovery.cli import provider_for_diagnose

        found = provider_for_diagnose(args, checked.address)
        if found is None:
            return EXIT_FAILED
        provider, origin = found

    cancel = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        cancel.cancel()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_sigint)
    live = None if args.json or not sys.stderr.isatty() else _live_printer()
    try:
        results = run_all_checks(
            provider, checked.address, password, options, cancel=cancel, listener=live
        )
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)
    report = make_report(checked.address, provider, results, origin=origin)
    lines, extra = mail_programs_cli.report_section(args, provider, checked.address, results)
    report = dataclasses.replace(report, extra_text=lines, extra_json=extra)
    form = Form.JSON if args.json else Form.TEXT if args.report else Form.SHORT
    # The username the checks logged in with is masked too where it is part of an AUTH form.
    login = results[0].username if results else checked.address
    text = outgoing_report(report, form, password=password, username=login)
    del password
    print(text, end="")
    return EXIT_OK if report.ok else EXIT_FAILED


def _live_printer() -> Callable[[Service, Step], None]:
    lock = threading.Lock()

    def show(service: Service, step: Step) -> None:
        if step.status is StepStatus.RUNNING:
            return
        mark = TICK if step.ok else CROSS
        with lock:
            print(f"  {service.value:<5} {mark} {step.name.label}", file=sys.stderr)

    return show


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wizard",
        description=f"{APP_NAME}: set up mail and find out why a login fails.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("diagnose", help="check IMAP, SMTP and ManageSieve logins for an address")
    d.add_argument("address", help="the full email address")
    d.add_argument("--provider", metavar="FILE", help="provider file (autoconfig XML)")
    d.add_argument("--ca-file", metavar="PEM", help="also trust this CA certificate")
    d.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    d.add_argument("--json", action="store_true", help="machine-readable output")
    d.add_argument("--report", action="store_true", help="full report for IT, with transcript")
    d.add_argument("--only", metavar="LIST", help="comma list of imap,smtp,sieve")
    d.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=(
            f"seconds to look up and connect, and the longest wait for any answer; the rest "
            f"of a check gets twice that, so each ends within 3 x S (default {DEFAULT_TIMEOUT:g}"
            f": {3 * DEFAULT_TIMEOUT:g} s)"
        ),
    )
    d.add_argument(
        "--test-message",
        "--round-trip",  # its first name, kept for scripts
        dest="round_trip",
        action="store_true",
        help="once the logins pass, send a test message to yourself and wait for it "
        "(it is removed again)",
    )
    d.add_argument(
        "--test-message-timeout",
        "--round-trip-timeout",
        dest="round_trip_timeout",
        type=float,
        default=DEFAULT_TEST_MESSAGE_TIMEOUT,
        metavar="S",
        help=f"how long to wait for the test message (default {DEFAULT_TEST_MESSAGE_TIMEOUT:g})",
    )
    d.add_argument(
        "--username",
        metavar="LOGIN",
        help="try this login instead of the one the provider file gives (diagnosis only)",
    )
    d.add_argument(
        "--dnsbl-server",
        metavar="HOST:PORT",
        help="ask this DNS server for the blocklist look-ups (default: the --dns-server, "
        "else the system's resolver)",
    )
    d.add_argument(
        "--discover",
        action="store_true",
        help="find the settings from the address even when the provider file covers its domain",
    )
    from wizard.discovery.cli import add_discovery_options

    # Among them --accept-untrusted, which also covers a provider file found where anyone on
    # this computer can write (docs/provider-file.md).
    add_discovery_options(d)
    mail_programs_cli.add_arguments(d)
    d.set_defaults(func=_cmd_diagnose)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[
    Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]
]:
    """Sub-commands that live with their feature (Thunderbird writer, handout…)."""
    found = []
    for module in (
        "wizard.thunderbird_cli",
        "wizard.handout.cli",
        "wizard.logs.cli",
        "wizard.discovery.cli",
        "wizard.audit.cli",
    ):
        try:
            present = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # the feature's package itself is not there
            present = False
        if present:
            found.append(importlib.import_module(module).register)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse's own usage errors exit 2 already
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args))
    except WizardError as exc:
        # The app's own errors (bad input, an unusable provider file, an unknown client…)
        # carry a message fit to show; anything else is a bug and keeps its traceback.
        # A provider file or a server's words can be part of the message: shown escaped.
        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
