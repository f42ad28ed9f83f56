"""The ``diagnose`` command's part for mail programs: its two options and its report section.

Kept here so ``wizard/cli.py`` only calls two functions: ``add_arguments`` when it builds the
parser and ``report_section`` once the checks are done.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wizard.checks.model import CheckResult
from wizard.errors import WizardError
from wizard.mail_programs.look import look_at_mail_programs
from wizard.mail_programs.render import text_lines, to_json
from wizard.provider import Provider


class BadProfile(WizardError):
    """--profile names no folder."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="look only at this Thunderbird profile (default: every profile on this computer)",
    )
    parser.add_argument(
        "--no-mail-programs",
        action="store_true",
        help="do not look at the mail programs' own settings",
    )


def check_arguments(args: argparse.Namespace) -> None:
    """Bad input is refused before any check runs (exit 2)."""
    if getattr(args, "profile", None) and not Path(args.profile).expanduser().is_dir():
        raise BadProfile(f"--profile {args.profile} is not a folder")


def report_section(
    args: argparse.Namespace,
    provider: Provider,
    address: str,
    results: Sequence[CheckResult],
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """(text lines, JSON entries) for the report; empty with ``--no-mail-programs``."""
    if getattr(args, "no_mail_programs", False):
        return (), {}
    profile = Path(args.profile).expanduser() if getattr(args, "profile", None) else None
    look = look_at_mail_programs(provider, address, results=results, profile=profile)
    return tuple(text_lines(look)), {"mail_programs": to_json(look)}
