"""``python -m wizard audit DOMAIN``: what the domain tells mail programs, and the kit to fix it.

Exit status: 0 every program will find the right settings, 1 otherwise, 2 bad input.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path

from wizard.audit.domain import check_domain
from wizard.audit.model import AuditResult, Finding
from wizard.audit.text import shown
from wizard.checks.blocklist import parse_server
from wizard.checks.options import CheckOptions
from wizard.errors import WizardError
from wizard.mobileconfig import SigningIdentity
from wizard.provider import Provider, load_default_provider, load_provider

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class BadAuditInput(WizardError):
    """A one-line message for the user; exit status 2."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit",
        help="what a domain tells mail programs about its settings, and the kit to fix it",
    )
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--provider", metavar="FILE", help="IT's provider file: the right settings")
    p.add_argument(
        "--dns-server", metavar="IP:PORT", help="send every DNS query of the run to this resolver"
    )
    p.add_argument("--ca-file", metavar="PEM", help="trust these CA certificates as well")
    p.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=3.0,
        help="the longest any one step may wait (default 3; the whole audit ends within 10 s)",
    )
    p.add_argument("--kit", metavar="DIR", help="write the kit for the domain into DIR")
    p.add_argument("--sign-cert", metavar="PEM", help="sign the kit's profile: certificate")
    p.add_argument("--sign-key", metavar="PEM", help="its private key (PEM)")
    p.add_argument("--sign-chain", metavar="PEM", help="intermediate certificates (PEM)")
    p.add_argument(
        "--sign-passphrase-env",
        metavar="VAR",
        help="environment variable holding the key's passphrase (never the passphrase itself)",
    )
    p.add_argument(
        "--ispdb-url",
        metavar="URL",
        default=None,
        help="the ISPDB to ask (default Thunderbird's, https://autoconfig.thunderbird.net/v1.1/)",
    )
    p.set_defaults(func=run)


def _provider(path: str | None, domain: str) -> Provider | None:
    if path:
        provider = load_provider(path)
        if not provider.matches_domain(f"x@{domain}"):
            covered = ", ".join(provider.domains)
            raise BadAuditInput(f"{path} does not cover {domain} (it covers {covered})")
        return provider
    builtin = load_default_provider()
    return builtin if builtin.matches_domain(f"x@{domain}") else None


def options_from(args: argparse.Namespace) -> CheckOptions:
    if not 0.1 <= args.timeout <= 60:
        raise BadAuditInput("--timeout must be between 0.1 and 60 seconds")
    ca_file = Path(args.ca_file) if args.ca_file else None
    if ca_file is not None and not ca_file.is_file():
        raise BadAuditInput(f"--ca-file {args.ca_file}: no such file")
    try:
        dns_server = parse_server(args.dns_server) if args.dns_server else None
    except ValueError as exc:
        raise BadAuditInput(f"--dns-server: {exc}") from None
    return CheckOptions(timeout=args.timeout, ca_file=ca_file, dns_server=dns_server)


def run(args: argparse.Namespace) -> int:
    domain = check_domain(args.domain)
    options = options_from(args)
    provider = _provider(args.provider, domain)
    signing = signing_from(args)
    if args.kit:
        write_kit_for(domain, provider, Path(args.kit), signing)
    from wizard.audit.run import run_audit
    from wizard.audit.sources import gather

    ask = functools.partial(gather, ispdb_url=args.ispdb_url) if args.ispdb_url else gather
    result = run_audit(domain, options, ask, provider=provider)
    print(json.dumps(result.as_json(), indent=2) if args.json else render_text(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def signing_from(args: argparse.Namespace) -> SigningIdentity | None:
    """The identity that signs the kit's profile, or None (unsigned)."""
    if not (args.sign_cert or args.sign_key or args.sign_chain):
        return None
    if not (args.sign_cert and args.sign_key):
        raise BadAuditInput("signing needs both --sign-cert and --sign-key")
    if not args.kit:
        raise BadAuditInput("--sign-cert signs the kit's profile: give --kit DIR too")
    passphrase = None
    if args.sign_passphrase_env:
        passphrase = os.environ.get(args.sign_passphrase_env)
        if passphrase is None:
            raise BadAuditInput(f"--sign-passphrase-env: {args.sign_passphrase_env} is not set")
    identity = SigningIdentity(
        certificate=Path(args.sign_cert),
        key=Path(args.sign_key),
        chain=Path(args.sign_chain) if args.sign_chain else None,
        passphrase=passphrase,
    )
    missing = identity.missing_files()
    if missing:
        raise BadAuditInput(f"signing file not found: {missing[0]}")
    return identity


def write_kit_for(
    domain: str, provider: Provider | None, folder: Path, signing: SigningIdentity | None = None
) -> None:
    from wizard.kit.build import build_kit, write_kit
    from wizard.kit.model import KitTarget

    if provider is None:
        raise BadAuditInput(
            f"the kit is built from IT's provider file: give --provider for {domain}"
        )
    written = write_kit(folder, build_kit(KitTarget(provider, domain), signing))
    print(
        f"kit for {domain}: {len(written)} files in {folder} (start with README.txt)",
        file=sys.stderr,
    )


def _mark(ok: bool | None) -> str:
    return {True: "OK   ", False: "WRONG", None: "--   "}[ok]


def _finding_line(f: Finding) -> str:
    line = f"{_mark(f.ok)} {f.what}: {shown(f.found, 400)}"
    # Why it matters is said where something is wrong (all of it is in --json).
    return line + (f"\n      why it matters: {f.why}" if f.ok is False else "")


def render_text(result: AuditResult) -> str:
    lines = [f"Audit of {result.domain} ({result.elapsed_ms / 1000:.1f} s)", ""]
    lines += [_finding_line(f) for f in result.findings]
    lines += ["", "What each program will do:"]
    for p in result.programs:
        lines.append(f"{_mark(p.ok)} {p.program}: {p.how}")
    verdict = (
        "every program finds the right settings"
        if result.ok
        else "not every program finds the right settings"
    )
    lines += ["", verdict + "."]
    return "\n".join(lines)
