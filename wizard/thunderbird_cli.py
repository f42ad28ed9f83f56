"""``thunderbird ADDRESS [--name "Full Name"] [--profile DIR] [--provider FILE]
[--forget-saved-password]``.

Without ``--forget-saved-password`` it writes the account: an account Thunderbird already has for
the address is brought to the provider's settings in place (the diagnosis' "Fix it"), otherwise
a new one is added. ``--name`` may be left out when the account exists (its name is kept).
With ``--forget-saved-password`` it only removes Thunderbird's saved logins for the provider's
servers (and the account's own), so Thunderbird asks for the password again.

Exit status follows wizard.cli: 0 written (or already in place / nothing to forget), 1 refused
(Thunderbird running, no profile, damaged or read-only profile), 2 bad input (address, name or
provider file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.address import check_address, check_display_name
from wizard.clients.found import ProgramAccount
from wizard.clients.thunderbird.logins import forget_saved_passwords, server_origins
from wizard.clients.thunderbird.profiles import find_profiles
from wizard.clients.thunderbird.reader import accounts_for, read_prefs
from wizard.clients.thunderbird.result import Cause
from wizard.clients.thunderbird.writer import write_account
from wizard.provider import Provider, ProviderError
from wizard.provider_source import locate_provider
from wizard.ui_text.trust import cli_refusal

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "thunderbird",
        help="add or repair the account in Thunderbird's profile (Thunderbird must be closed)",
        description=(
            "Write the IMAP and SMTP account for ADDRESS into Thunderbird's settings, or bring "
            "the account Thunderbird already has for it to the provider's settings. "
            "Thunderbird must be closed. No password is asked or stored: Thunderbird asks "
            "for it on first use."
        ),
    )
    parser.add_argument("address", help="the full email address")
    parser.add_argument("--name", help="your name as others see it (needed only for a new account)")
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
    parser.add_argument(
        "--forget-saved-password",
        action="store_true",
        help="remove the login Thunderbird saved for this account's servers (with a backup) "
        "so it asks again; nothing is decrypted or read",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    checked = check_address(args.address)
    if not checked.ok:
        return _bad_input(checked.message)
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

    existing = _existing(profile, checked.address, provider)
    if args.forget_saved_password:
        return _forget(profile, provider, existing)
    name = args.name or (existing.full_name if existing else "")
    if not name:
        return _bad_input(
            "Thunderbird has no account for this address yet: give your name with --name"
        )
    name_ok, name_message = check_display_name(name)
    if not name_ok:
        return _bad_input(name_message)

    account_key = existing.account.account if existing and existing.repairable else None
    result = write_account(
        profile, provider, checked.address, name_message, account_key=account_key
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.ok:
        print(result.message)
        return EXIT_OK
    print(f"error: {result.message}", file=sys.stderr)
    return EXIT_BAD_INPUT if result.cause is Cause.BAD_INPUT else EXIT_REFUSED


class _Existing:
    def __init__(self, account: ProgramAccount, full_name: str) -> None:
        self.account = account
        self.full_name = full_name

    @property
    def repairable(self) -> bool:
        """IMAP accounts are updated in place; a POP one is left and an IMAP one added."""
        return self.account.incoming is not None and self.account.incoming.protocol == "imap"


def _existing(profile: Path, address: str, provider: Provider) -> _Existing | None:
    """The first account Thunderbird has for the address (IMAP preferred), with its name."""
    values = read_prefs(profile).values
    found = accounts_for(values, address, provider, profile=str(profile))
    if not found:
        return None
    found.sort(key=lambda a: a.incoming is None or a.incoming.protocol != "imap")
    full = values.get(f"mail.identity.{found[0].identity}.fullName")
    return _Existing(found[0], full if isinstance(full, str) else "")


def _forget(profile: Path, provider: Provider, existing: _Existing | None) -> int:
    origins = set(server_origins("imap", provider.imap.hostname))
    origins |= set(server_origins("smtp", provider.smtp.hostname))
    if existing is not None:
        for server in (existing.account.incoming, existing.account.outgoing):
            if server is not None and server.hostname:
                origins |= set(server_origins(server.protocol, server.hostname))
    result = forget_saved_passwords(profile, tuple(sorted(origins)))
    if result.ok:
        print(result.message)
        return EXIT_OK
    print(f"error: {result.message}", file=sys.stderr)
    return EXIT_REFUSED


def _bad_input(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
