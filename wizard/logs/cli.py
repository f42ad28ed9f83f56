"""``logs FILE... [--address A] [--ip IP] [--since T] [--until T] [--report FILE] [--json]``.

Exit status: 0 sessions found, 1 none matched, 2 bad input (a file that cannot be read, a
malformed time or address range) with one line on stderr naming it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

from wizard.errors import BadInput
from wizard.logs.model import Session
from wizard.logs.reader import Filters, Stats, read_sessions
from wizard.logs.render import write_json, write_text
from wizard.logs.report_match import ReportKeys, annotate, load_report
from wizard.logs.source import LogFileError
from wizard.safe_text import visible

EXIT_OK, EXIT_NONE, EXIT_BAD_INPUT = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "logs",
        help="for IT: explain what Dovecot's and Haraka's logs say about an address or a report",
        description=(
            "Group the server's log lines into sessions and say what happened in each: login "
            "worked or failed and why, blocklisted, message accepted, delivered, deferred "
            "(why, next retry) or bounced. FILE may be - (standard input) and gzip-compressed."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="log files (- for standard input)")
    p.add_argument("--address", metavar="A", help="an email address (also matches its local part)")
    p.add_argument("--ip", metavar="IP", help="the client's address, or a range like 192.0.2.0/24")
    p.add_argument("--since", metavar="T", help="from this time (ISO 8601; UTC unless given)")
    p.add_argument("--until", metavar="T", help="up to this time (ISO 8601; UTC unless given)")
    p.add_argument("--report", metavar="FILE", help="a saved report: find its login attempts")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _when(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{option} {text!r} is not a time like 2020-12-01T21:30:00Z") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def filters_from_args(args: argparse.Namespace, keys: ReportKeys | None) -> Filters:
    if args.ip:
        try:
            ipaddress.ip_network(args.ip, strict=False)
        except ValueError:
            raise BadInput(f"--ip {args.ip!r} is not an IP address or range") from None
    f = Filters(
        address=(args.address or "").strip(),
        ip=(args.ip or "").strip(),
        since=_when(args.since, "--since"),
        until=_when(args.until, "--until"),
    )
    if keys is not None:
        f.hints = keys.hints()
        f.window = keys.window
    return f


def _with_report(
    sessions: Iterator[Session], keys: ReportKeys, f: Filters, found: dict[int, list[Session]]
) -> Iterator[Session]:
    asked = bool(f.address or f.ip)
    for s in sessions:
        a = annotate(keys, s)
        if a is not None:
            found.setdefault(keys.attempts.index(a), []).append(s)
        if a is not None or asked:
            yield s


def run(args: argparse.Namespace) -> int:
    try:
        keys = load_report(args.report) if args.report else None
        f = filters_from_args(args, keys)
        domain = (f.address.partition("@")[2]) or (keys.address.partition("@")[2] if keys else "")
        stats = Stats()
        sessions: Iterator[Session] = read_sessions(args.files, f, stats=stats, domain_hint=domain)
        found: dict[int, list[Session]] = {}
        if keys is not None:
            sessions = _with_report(sessions, keys, f, found)
        writer = write_json if args.json else write_text
        counts = writer(sessions, stats, sys.stdout, keys, found if keys else None)
    except (LogFileError, BadInput) as exc:
        sys.stdout.flush()
        print(f"error: {visible(str(exc))}", file=sys.stderr)  # a file name, a report's text
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # "logs … | head": the reader of our output has gone; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return EXIT_OK if sum(counts.values()) else EXIT_NONE
