"""Time to a verdict and peak memory against hostile servers, side by side with a baseline.

Each behaviour is one ``python -m wizard diagnose --json --timeout T`` run (all three services
at once, each against its own misbehaving server on 127.0.0.1), measured through the launcher in
``tests/support/measure.py`` (wall time, the CLI's own peak RSS). The same run is made with the
baseline: an older commit checked out into a temporary ``git worktree`` by ``bench.baseline``
(the same helper as the latency bench) and put first on ``PYTHONPATH``. A run that does
not end within ``--limit`` seconds, or grows past ``--rss-cap`` MB, is stopped and shown
as such (the baseline floods itself into gigabytes and drips for ever).

The dead-first-address case runs the IMAP check alone against the real Dovecot with a resolver
that gives the name two addresses: a dead one (a full ``listen(0)`` queue drops SYNs) or a
refusing one, then Dovecot's own.

    .venv/bin/python -m bench.hostile [--timeout 3] [--limit 30] [--baseline REV | --no-baseline]

The default baseline is the commit before the per-check deadline and bounded reader came in.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme

from bench.baseline import Tree, checkout
from bench.fixture import GOOD_PASSWORD, GOOD_USER, REPO, DovecotServer, running_dovecot
from bench.stats import table
from tests.support.fake_servers import (
    HOSTILE_ADDRESS,
    HttpServer,
    blackhole_on,
    hostile_trio,
    write_hostile_provider,
)
from tests.support.measure import Measured, diagnose_json_argv, run_measured

PASSWORD = "hostile-bench-password-1"  # noqa: S105 - nothing checks it
SERVICES = ("imap", "smtp", "sieve")

# A case builds its servers in the stack and returns (provider file, CA file).
Case = Callable[[ExitStack, Path], tuple[Path, Path]]


@dataclass
class Outcome:
    measured: Measured
    checks: dict[str, dict[str, Any]]


def default_baseline() -> str:
    """The commit before wizard/checks/deadline.py was added (the previous behaviour)."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "wizard/checks/deadline.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not added:
        raise SystemExit("wizard/checks/deadline.py is not in the history: give --baseline")
    return f"{added[-1]}^"


def diagnose(tree: Tree, provider: Path, ca_pem: Path, args: argparse.Namespace) -> Outcome:
    m = run_measured(
        diagnose_json_argv(HOSTILE_ADDRESS, provider, ca_pem, args.timeout),
        stdin=PASSWORD + "\n",
        limit_s=args.limit,
        rss_cap_mb=args.rss_cap,
        cwd=tree.cwd,
        env=tree.env(),
    )
    checks: dict[str, dict[str, Any]] = {}
    if not m.stopped:
        try:
            checks = {c["service"]: c for c in json.loads(m.stdout)["checks"]}
        except (ValueError, KeyError):
            checks = {}
    return Outcome(m, checks)


# -- the cases ------------------------------------------------------------------------------


def _tls(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    ca = trustme.CA()
    ca_pem = tmp / "hostile-ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    return ctx, ca_pem


def _trio(phase: str, behaviour: str) -> Case:
    def build(stack: ExitStack, tmp: Path) -> tuple[Path, Path]:
        ctx, ca_pem = _tls(tmp)
        settings = hostile_trio(stack, ctx, phase, behaviour)
        return write_hostile_provider(tmp, "127.0.0.1", **settings), ca_pem

    return build


def _http(stack: ExitStack, tmp: Path) -> tuple[Path, Path]:
    _, ca_pem = _tls(tmp)
    web = [stack.enter_context(HttpServer()) for _ in SERVICES]
    provider = write_hostile_provider(
        tmp,
        "127.0.0.1",
        imap=(web[0].port, "SSL"),
        smtp=(web[1].port, "STARTTLS"),
        sieve=(web[2].port, "STARTTLS"),
    )
    return provider, ca_pem


def _wrong_security(dovecot: DovecotServer, starttls_on_tls: bool) -> Case:
    def build(stack: ExitStack, tmp: Path) -> tuple[Path, Path]:
        if starttls_on_tls:
            ports = {
                "imap": (dovecot.imap_port, "STARTTLS"),
                "smtp": (dovecot.submissions_port, "STARTTLS"),
                "sieve": (dovecot.imap_port, "STARTTLS"),
            }
        else:
            ports = {
                "imap": (dovecot.imap_starttls_port, "SSL"),
                "smtp": (dovecot.submission_port, "SSL"),
                "sieve": (dovecot.sieve_port, "SSL"),
            }
        return write_hostile_provider(tmp, dovecot.hostname, **ports), dovecot.ca_pem

    return build


def cases(dovecot: DovecotServer | None) -> list[tuple[str, Case]]:
    out: list[tuple[str, Case]] = [
        ("drip at the greeting", _trio("greeting", "drip")),
        ("drip at capabilities / EHLO", _trio("capabilities", "drip")),
        ("drip after TLS", _trio("after_tls", "drip")),
        ("flood of lines (250- / * OK / capabilities)", _trio("capabilities", "flood")),
        ("one huge line", _trio("greeting", "huge_line")),
        ("accepts, then silent", _trio("greeting", "silence")),
        ("silent after TLS", _trio("after_tls", "silence")),
        ("garbage bytes", _trio("greeting", "garbage")),
        ("closes at once", _trio("greeting", "close")),
        ("an HTTP server", _http),
    ]
    if dovecot is not None:
        out += [
            ("STARTTLS set, port speaks TLS (Dovecot)", _wrong_security(dovecot, True)),
            ("SSL set, port speaks plain text (Dovecot)", _wrong_security(dovecot, False)),
        ]
    return out


# -- dead first address ---------------------------------------------------------------------

_TWO_ADDRESSES = r"""
import json, sys, time
from pathlib import Path
from bench.tuned_run import run_logins_any
from wizard.provider import load_provider
provider, ca, user, first, port, timeout = sys.argv[1:7]
password = sys.stdin.readline().rstrip("\n")
addrs = [(first, int(port)), ("127.0.0.1", int(port))]
p = load_provider(provider)
r = run_logins_any(p, user, password, ca_file=Path(ca), only=[p.imap.service],
                   timeout=float(timeout), resolver=lambda host, q: addrs)[0]
connect = next(s.duration_ms for s in r.steps if s.name.value == "connect")
print(json.dumps({"ok": r.ok, "cause": r.cause, "total_ms": r.duration_ms, "connect_ms": connect}))
"""


def _other_loopback() -> str:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return "::1"
    except OSError:
        return "127.0.0.2"


def two_addresses(
    tree: Tree, dovecot: DovecotServer, tmp: Path, dead: bool, args: argparse.Namespace
) -> tuple[Measured, dict[str, Any]]:
    provider = dovecot.write_provider(tmp / "dovecot.xml")
    first = _other_loopback()
    with ExitStack() as stack:
        if dead:
            stack.enter_context(blackhole_on(first, dovecot.imap_port))
        m = run_measured(
            [
                sys.executable,
                "-c",
                _TWO_ADDRESSES,
                str(provider),
                str(dovecot.ca_pem),
                GOOD_USER,
                first,
                str(dovecot.imap_port),
                f"{args.timeout:g}",
            ],
            stdin=GOOD_PASSWORD + "\n",
            limit_s=args.limit,
            rss_cap_mb=args.rss_cap,
            cwd=tree.cwd,
            env=tree.env(),
        )
    data = json.loads(m.stdout) if not m.stopped and m.stdout.strip() else {}
    return m, data


# -- report ---------------------------------------------------------------------------------


def _when(o: Outcome, service: str) -> str:
    if o.measured.stopped:
        return f"> {o.measured.wall_s:.0f} (stopped: {o.measured.stopped})"
    check = o.checks.get(service)
    return f"{check['duration_ms'] / 1000:.2f}" if check else "–"


def _cause(o: Outcome, service: str) -> str:
    check = o.checks.get(service)
    return str(check["cause"]) if check else "–"


def _process(o: Outcome) -> tuple[str, str]:
    m = o.measured
    wall = f"{m.wall_s:.1f}" + (f" (stopped: {m.stopped})" if m.stopped else "")
    return wall, f"{m.peak_mb:.0f}"


def run(args: argparse.Namespace) -> str:
    trees = [Tree("now", REPO)]  # the working tree: the venv imports its wizard anyway
    with ExitStack() as outer:
        if not args.no_baseline:
            trees.append(outer.enter_context(checkout(args.baseline or default_baseline())))
        dovecot: DovecotServer | None = None
        tmp_root = Path(outer.enter_context(tempfile.TemporaryDirectory(prefix="wizard-bench-")))
        if not args.no_dovecot:
            dovecot, _ = outer.enter_context(running_dovecot())
        per_service: list[list[str]] = []
        per_run: list[list[str]] = []
        for label, build in cases(dovecot):
            outcomes: list[Outcome] = []
            for tree in trees:
                with ExitStack() as stack:
                    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=tmp_root)))
                    provider, ca_pem = build(stack, tmp)
                    outcomes.append(diagnose(tree, provider, ca_pem, args))
                print(f"  {label}: done", file=sys.stderr, flush=True)
            for service in SERVICES:
                row = [label, service]
                for o in outcomes:
                    row += [_cause(o, service), _when(o, service)]
                per_service.append(row)
            run_row = [label]
            for o in outcomes:
                run_row += list(_process(o))
            per_run.append(run_row)
        eyeballs: list[list[str]] = []
        if dovecot is not None:
            for dead in (False, True):
                row = ["dead first address" if dead else "refusing first address", "imap"]
                for tree in trees:
                    m, data = two_addresses(tree, dovecot, tmp_root, dead, args)
                    if data:
                        row += [
                            str(data["cause"] or "ok"),
                            f"{data['connect_ms'] / 1000:.2f}",
                            f"{data['total_ms'] / 1000:.2f}",
                            f"{m.peak_mb:.0f}",
                        ]
                    else:
                        row += ["–", f"> {m.wall_s:.0f}", f"> {m.wall_s:.0f}", f"{m.peak_mb:.0f}"]
                eyeballs.append(row)
                print(f"  two addresses ({'dead' if dead else 'refusing'}): done", file=sys.stderr)

    names = [t.label for t in trees]
    head = ["behaviour", "service"]
    for n in names:
        head += [f"cause ({n})", f"verdict after s ({n})"]
    run_head = ["behaviour"]
    for n in names:
        run_head += [f"CLI wall s ({n})", f"CLI peak MB ({n})"]
    out = [
        f"### Hostile servers: time to a verdict (`diagnose --timeout {args.timeout:g}`; "
        f"documented bound {3 * args.timeout:g} s per check)\n",
        table(head, per_service),
        "",
        "### Hostile servers: the whole CLI run\n",
        table(run_head, per_run),
    ]
    if eyeballs:
        eye_head = ["first of two addresses", "service"]
        for n in names:
            eye_head += [f"result ({n})", f"connect s ({n})", f"check s ({n})", f"peak MB ({n})"]
        out += [
            "",
            f"### Two addresses, the second one Dovecot's (`--timeout {args.timeout:g}`)\n",
            table(eye_head, eyeballs),
        ]
    out += [
        "",
        f"- stopped: the run was still going after {args.limit:g} s (time) or had grown past "
        f"{args.rss_cap:g} MB (memory) and was killed.",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hostile servers: time to verdict, memory.")
    parser.add_argument("--timeout", type=float, default=3.0, help="diagnose --timeout")
    parser.add_argument("--limit", type=float, default=30.0, help="stop a run after S seconds")
    parser.add_argument("--rss-cap", type=float, default=800.0, help="stop a run past MB")
    parser.add_argument("--baseline", metavar="REV", help="commit to compare with")
    parser.add_argument("--no-baseline", action="store_true", help="measure this tree only")
    parser.add_argument("--no-dovecot", action="store_true", help="skip the Dovecot cases")
    args = parser.parse_args(argv)
    print(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
