"""CLI subcommands for the handout, the per-client instructions and the macOS profile.

``register(subparsers)`` adds ``handout``, ``instructions`` and ``mobileconfig`` to the main
CLI's subparsers; each handler takes the parsed arguments and returns an exit status. Bad input
(address, name, provider file, client id, missing signing file) exits 2 with one line on stderr,
the same convention as the rest of the CLI.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from wizard.address import check_address, check_display_name
from wizard.clients.instructions import (
    all_clients,
    instructions_for,
    parse_client_list,
    render_text,
)

# BadInput: one line explaining what to fix, exit status 2. Handlers catch the whole
# WizardError family: a bad provider file or an unknown client id is bad input as well.
from wizard.errors import BadInput, WizardError
from wizard.handout import write_handout
from wizard.mobileconfig import SigningError, SigningIdentity, profile_filename, write_profile
from wizard.provider import Provider, load_default_provider, load_provider

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _fail(message: str, status: int = EXIT_BAD_INPUT) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _address(raw: str) -> str:
    result = check_address(raw)
    if not result.ok:
        raise BadInput(result.message)
    return result.address


def _name(raw: str | None, *, required: bool) -> str:
    if raw is None:
        if required:
            raise BadInput("give the person's name with --name")
        return ""
    ok, text = check_display_name(raw)
    if not ok:
        raise BadInput(text)
    return text


def _provider(path: str | None) -> Provider:
    return load_provider(path) if path else load_default_provider()


def _client_ids(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else parse_client_list(text)


def _add_provider_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provider",
        metavar="FILE",
        help="provider settings file (autoconfig XML); default: the built-in or IT's override",
    )


# --- handout -----------------------------------------------------------------------------------


def run_handout(args: argparse.Namespace) -> int:
    """Write the HTML and PDF handout and print both paths."""
    try:
        address = _address(args.address)
        name = _name(args.name, required=True)
        provider = _provider(args.provider)
        client_ids = _client_ids(args.clients)
    except WizardError as exc:
        return _fail(str(exc))
    out_dir = Path(args.out)
    try:
        files = write_handout(provider, address, name, out_dir, client_ids)
    except OSError as exc:
        return _fail(f"cannot write the handout in {out_dir}: {exc.strerror or exc}", EXIT_FAILED)
    print(files.html)
    print(files.pdf)
    return EXIT_OK


# --- instructions ------------------------------------------------------------------------------


def run_instructions(args: argparse.Namespace) -> int:
    """Print one client's steps, or every applicable client's, as plain text."""
    try:
        address = _address(args.address)
        name = _name(args.name, required=False)
        provider = _provider(args.provider)
        ids = (args.client,) if args.client else tuple(c.client_id for c in all_clients(provider))
        texts = [render_text(instructions_for(i, provider, address, name)) for i in ids]
    except WizardError as exc:
        return _fail(str(exc))
    print("\n\n".join(texts), end="")
    return EXIT_OK


# --- mobileconfig ------------------------------------------------------------------------------


def _passphrase(args: argparse.Namespace, key: Path) -> str | None:
    """The key's passphrase: from the named environment variable, else asked for if needed."""
    if args.sign_passphrase_env:
        value = os.environ.get(args.sign_passphrase_env)
        if value is None:
            raise BadInput(f"environment variable {args.sign_passphrase_env} is not set")
        return value
    try:
        encrypted = b"ENCRYPTED" in key.read_bytes()[:200]
    except OSError:
        return None  # reported as a missing file by the signer
    if encrypted and sys.stdin.isatty():
        return getpass.getpass(f"Passphrase for {key}: ")
    return None


def run_mobileconfig(args: argparse.Namespace) -> int:
    """Write the configuration profile, signed when a certificate and key are given."""
    try:
        address = _address(args.address)
        name = _name(args.name, required=True)
        provider = _provider(args.provider)
        if bool(args.sign_cert) != bool(args.sign_key):
            raise BadInput("signing needs both --sign-cert and --sign-key")
        if args.sign_chain and not args.sign_cert:
            raise BadInput("--sign-chain only makes sense with --sign-cert and --sign-key")
        signing = None
        if args.sign_cert:
            key = Path(args.sign_key)
            signing = SigningIdentity(
                certificate=Path(args.sign_cert),
                key=key,
                chain=Path(args.sign_chain) if args.sign_chain else None,
                passphrase=_passphrase(args, key),
            )
            missing = signing.missing_files()
            if missing:
                raise BadInput(f"signing file not found: {missing[0]}")
    except WizardError as exc:
        return _fail(str(exc))
    out = (
        Path(args.out)
        if args.out
        else Path(profile_filename(address, provider.branding.organization))
    )
    try:
        write_profile(out, provider, address, name, signing)
    except SigningError as exc:
        return _fail(str(exc), EXIT_FAILED)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_FAILED)
    print(out)
    return EXIT_OK


# --- wiring ------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the handout, instructions and mobileconfig subcommands.

    ``subparsers`` is what ``ArgumentParser.add_subparsers()`` returned; each subcommand sets
    ``func`` to its handler, which takes the parsed arguments and returns the exit status.
    """
    ids = ", ".join(c.client_id for c in all_clients())

    handout = subparsers.add_parser(
        "handout",
        help="write a printable settings sheet (PDF and HTML) for one person",
        description="Write a printable settings sheet (PDF and HTML) for one person. It never "
        "contains a password.",
    )
    handout.add_argument("address", metavar="ADDRESS", help="the person's email address")
    handout.add_argument("--name", required=True, help="the person's name as others see it")
    _add_provider_option(handout)
    handout.add_argument(
        "--clients", metavar="A,B", help=f"only these guides, comma-separated ({ids})"
    )
    handout.add_argument(
        "--out", metavar="DIR", default=".", help="folder to write into (default: current)"
    )
    handout.set_defaults(func=run_handout)

    instructions = subparsers.add_parser(
        "instructions",
        help="print the set-up steps for a mail app",
        description="Print the set-up steps for one mail app, or for all of them.",
    )
    instructions.add_argument("address", metavar="ADDRESS", help="the person's email address")
    instructions.add_argument("--client", metavar="ID", help=f"one of: {ids} (default: all)")
    instructions.add_argument("--name", help="the person's name, for 'Your name' boxes")
    _add_provider_option(instructions)
    instructions.set_defaults(func=run_instructions)

    profile = subparsers.add_parser(
        "mobileconfig",
        help="write a macOS configuration profile that adds the mail account",
        description="Write a .mobileconfig profile that adds the account to Apple Mail. It "
        "contains no password. Optionally sign it with IT's certificate (needs openssl).",
    )
    profile.add_argument("address", metavar="ADDRESS", help="the person's email address")
    profile.add_argument("--name", required=True, help="the person's name as others see it")
    _add_provider_option(profile)
    profile.add_argument(
        "--out",
        metavar="FILE",
        help="where to write (default: a name "
        "made from the organisation and address, in the current folder)",
    )
    profile.add_argument("--sign-cert", metavar="PEM", help="signing certificate (PEM)")
    profile.add_argument("--sign-key", metavar="PEM", help="its private key (PEM)")
    profile.add_argument("--sign-chain", metavar="PEM", help="intermediate certificates (PEM)")
    profile.add_argument(
        "--sign-passphrase-env",
        metavar="VAR",
        help="environment variable holding the key's passphrase (otherwise you are asked "
        "when the key is encrypted); never put the passphrase itself on the command line",
    )
    profile.set_defaults(func=run_mobileconfig)
