"""``thunderbird ADDRESS --name "Full Name" [--profile DIR] [--provider FILE]``.

Exit status follows wizard.cli: 0 written (or already in place), 1 refused (Thunderbird running,
no profile, damaged or read-only profile), 2 bad input (address, name or provider file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.address import check_address, check_display_name
from wizard.clients.thunderbird.profiles import find_profiles
from wizard.clients.thunderbird.result import Cause
from wizard.clients.thunderbird.writer import write_account
from wizard.provider import Provider, ProviderError
from wizard.provider_source import locate_provider
from wizard.ui_text.trust import cli_refusal

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "thunderbird",
        help="add the account to Thunderbird's profile (Thunderbird must be closed)",
        description=(
            "Write the IMAP and SMTP account for ADDRESS into Thunderbird's settings. "
            "Thunderbird must be closed. No password is asked or stored: Thunderbird asks "
            "for it on first use."
        ),
    )
    parser.add_argument("address", help="the full email address")
    parser.add_argument("--name", required=True, help="your name as others see it")
    parser.add_argument(
        "--profile", metavar="DIR", help="the profile folder (default: the one Thunderbird opens)"
    )
    parser.add_argument("--provider", metavar="FILE", help="provider file (autoconfig XML)")
    parser.add_argument(
        "--accept-untrusted",
        action="store_true",
        help="write the account even for servers outside the address's domain named by "
        "settings found where anyone on this computer can write (not IT's places)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    checked = check_address(args.address)
    if not checked.ok:
        return _bad_input(checked.message)
    name_ok, name_message = check_display_name(args.name)
    if not name_ok:
        return _bad_input(name_message)
    try:
        located = locate_provider(args.provider)
    except ProviderError as exc:
        return _bad_input(str(exc))
    provider: Provider = located.provider
    # An account pointing at a planted file's server would send the password there at
    # Thunderbird's first login: the same rule as before a check (docs/provider-file.md).
    origin = located.origin_for(checked.address)
    if not origin.trusted and not args.accept_untrusted:
        refusal = cli_refusal(provider, checked.address, origin, outcome="nothing was written")
        return _bad_input(refusal)

    if args.profile:
        profile = Path(args.profile).expanduser()
    else:
        search = find_profiles()
        chosen = search.preferred
        if chosen is None:
            print(search.message, file=sys.stderr)
            return EXIT_REFUSED
        profile = chosen.path
        if len(search.profiles) > 1:
            print(f"Using the profile Thunderbird opens by default: {chosen.label}")
            for other in search.profiles[1:]:
                print(f"  also found: {other.label}")
            print("  (choose another with --profile DIR)")

    result = write_account(profile, provider, checked.address, name_message)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.ok:
        print(result.message)
        return EXIT_OK
    print(f"error: {result.message}", file=sys.stderr)
    return EXIT_BAD_INPUT if result.cause is Cause.BAD_INPUT else EXIT_REFUSED


def _bad_input(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
