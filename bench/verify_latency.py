"""Full verification (IMAP + SMTP + ManageSieve, right password) at injected round-trip times.

Runs the real checks (``wizard.checks.runner.run_checks``) against the test suite's private
Dovecot through ``bench.proxy.DelayProxy``, side by side and one after another, and prints the
wall time in milliseconds and in multiples of the RTT, per protocol and in total, the time
each step took, and how many round trips each check really waited for.

    .venv/bin/python -m bench.verify_latency [--runs 5] [--rtts 0,50,100,200]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.fixture import (
    GOOD_PASSWORD,
    GOOD_USER,
    OTHER_PASSWORD,
    OTHER_USER,
    DovecotServer,
    running_dovecot,
)
from bench.proxy import ConnectionLog, DelayProxy
from bench.stats import in_rtt, median, spread, table
from wizard.checks.model import CheckResult
from wizard.checks.runner import run_checks
from wizard.provider import Provider, Service, load_provider

SERVICES = (Service.IMAP, Service.SMTP, Service.SIEVE)
MODES = ("concurrent", "sequential")

# The least a check can wait, in RTTs, with TLS 1.3, counting TCP's handshake and not waiting
# for the reply to LOGOUT/QUIT. The range's low end needs a step the protocol does not allow
# (or only allows with an extension the server has not advertised yet); see README.
FLOOR = {
    Service.IMAP: (3, 4, "TCP + TLS + greeting + LOGIN (3: LOGIN sent with the TLS Finished)"),
    Service.SMTP: (
        6,
        7,
        "TCP + greeting + EHLO + STARTTLS + TLS + EHLO + AUTH PLAIN "
        "(6: EHLO and STARTTLS pipelined)",
    ),
    Service.SIEVE: (
        5,
        6,
        "TCP + greeting + STARTTLS + TLS + restated capabilities + AUTHENTICATE "
        "(5: AUTHENTICATE sent without awaiting the restatement)",
    ),
}


@dataclass
class Sample:
    rtt_ms: float
    mode: str
    total_ms: float
    service_ms: dict[str, float] = field(default_factory=dict)
    steps_ms: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    round_trips: dict[str, int] = field(default_factory=dict)
    client_flights: dict[str, int] = field(default_factory=dict)


def _step_names(result: CheckResult) -> list[tuple[str, float]]:
    """Step name and duration; a name seen before gets a number (SMTP's second EHLO)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for step in result.steps:
        seen[step.name.value] += 1
        n = seen[step.name.value]
        out.append((step.name.value + (str(n) if n > 1 else ""), step.duration_ms))
    return out


def _one_run(
    proxy: DelayProxy,
    provider: Provider,
    ca: Path,
    routes: dict[str, Service],
    rtt_ms: float,
    mode: str,
    user: tuple[str, str],
    only: tuple[Service, ...] = SERVICES,
) -> Sample:
    proxy.rtt_ms = rtt_ms
    t0 = time.perf_counter()
    results = run_checks(
        provider, user[0], user[1], ca_file=ca, only=only, sequential=(mode == "sequential")
    )
    total = (time.perf_counter() - t0) * 1000
    proxy.wait_idle()
    logs: dict[Service, ConnectionLog] = {routes[log.route]: log for log in proxy.take_logs()}
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(
            "verification failed, the numbers would mean nothing: "
            + "; ".join(f"{r.service.value}: {r.cause} ({r.message})" for r in failed)
        )
    sample = Sample(rtt_ms, mode, total)
    for r in results:
        key = r.service.value
        sample.service_ms[key] = r.duration_ms
        sample.steps_ms[key] = _step_names(r)
        sample.round_trips[key] = logs[r.service].round_trips()
        sample.client_flights[key] = logs[r.service].client_flights()
    return sample


def _setup(
    proxy: DelayProxy, dovecot: DovecotServer, tmp: Path
) -> tuple[Provider, dict[str, Service]]:
    ports = {
        Service.IMAP: proxy.add_route("imap", dovecot.imap_port),
        Service.SMTP: proxy.add_route("smtp", dovecot.submission_port),
        Service.SIEVE: proxy.add_route("sieve", dovecot.sieve_port),
    }
    path = dovecot.write_provider(
        tmp / "provider.xml",
        hostname="localhost",
        imap_port=ports[Service.IMAP],
        smtp_port=ports[Service.SMTP],
        sieve_port=ports[Service.SIEVE],
    )
    return load_provider(path), {"imap": Service.IMAP, "smtp": Service.SMTP, "sieve": Service.SIEVE}


def measure(runs: int, rtts: list[float], user: tuple[str, str]) -> list[Sample]:
    samples: list[Sample] = []
    with running_dovecot() as (dovecot, tmp), DelayProxy() as proxy:
        provider, routes = _setup(proxy, dovecot, tmp)
        ca = dovecot.ca_pem
        for mode in MODES:  # warm-up: Dovecot starts its login and auth processes
            _one_run(proxy, provider, ca, routes, 0, mode, user)
        for rtt in rtts:
            for _ in range(runs):
                for mode in MODES:
                    samples.append(_one_run(proxy, provider, ca, routes, rtt, mode, user))
    return samples


def measure_imap_login_kinds(rtt: float, runs: int) -> dict[str, list[int]]:
    """IMAP round trips with an ASCII password (LOGIN) and a non-ASCII one (AUTHENTICATE)."""
    kinds = {
        "ASCII password (LOGIN)": (OTHER_USER, OTHER_PASSWORD),
        "non-ASCII password (AUTHENTICATE PLAIN)": (GOOD_USER, GOOD_PASSWORD),
    }
    out: dict[str, list[int]] = {}
    with running_dovecot() as (dovecot, tmp), DelayProxy() as proxy:
        provider, routes = _setup(proxy, dovecot, tmp)
        for label, user in kinds.items():
            out[label] = [
                _one_run(
                    proxy,
                    provider,
                    dovecot.ca_pem,
                    routes,
                    rtt,
                    "concurrent",
                    user,
                    only=(Service.IMAP,),
                ).round_trips["imap"]
                for _ in range(runs)
            ]
    return out


# -- report -----------------------------------------------------------------------------------
def _cells(samples: list[Sample], key: str | None) -> list[float]:
    return [s.total_ms if key is None else s.service_ms[key] for s in samples]


def report(samples: list[Sample], runs: int, detail_rtt: float) -> str:
    by_cell: dict[tuple[float, str], list[Sample]] = defaultdict(list)
    for s in samples:
        by_cell[(s.rtt_ms, s.mode)].append(s)
    keys = [svc.value for svc in SERVICES]
    out: list[str] = []

    out.append(f"### Wall time in ms, median (min–max) of {runs} runs\n")
    rows = []
    for (rtt, mode), cell in by_cell.items():
        rows.append(
            [
                f"{rtt:.0f}",
                mode,
                *(spread(_cells(cell, k)) for k in keys),
                spread(_cells(cell, None)),
            ]
        )
    out.append(table(["RTT ms", "mode", "IMAP", "SMTP", "Sieve", "total"], rows))

    out.append(
        "\n### In multiples of the RTT (median)\n\n"
        "The proxy cannot delay TCP's own handshake (the kernel answers the SYN), so each\n"
        "connection's connect() costs 0 here instead of 1 RTT; '+TCP' adds it back: 1 RTT for\n"
        "side-by-side checks, 3 for checks run one after another.\n"
    )
    rows = []
    for (rtt, mode), cell in by_cell.items():
        if rtt <= 0:
            continue
        total = median(_cells(cell, None))
        tcp = 1 if mode == "concurrent" else len(keys)
        rows.append(
            [
                f"{rtt:.0f}",
                mode,
                *(in_rtt(median(_cells(cell, k)), rtt) for k in keys),
                in_rtt(total, rtt),
                f"{total / rtt + tcp:.2f}",
            ]
        )
    out.append(table(["RTT ms", "mode", "IMAP", "SMTP", "Sieve", "total", "total +TCP"], rows))

    out.append(
        f"\n### Round trips per protocol (counted at the proxy, RTT > 0, {runs} runs each)\n"
    )
    delayed = [s for s in samples if s.rtt_ms > 0]
    detail = [s for s in samples if s.rtt_ms == detail_rtt and s.mode == "concurrent"]
    rows = []
    for svc in SERVICES:
        k = svc.value
        counted = sorted({s.round_trips[k] for s in delayed})
        flights = sorted({s.client_flights[k] for s in delayed})
        lo, hi, _ = FLOOR[svc]
        steps = _steps_in_rtt(detail, k, detail_rtt)
        rows.append(
            [
                k,
                "/".join(map(str, counted)),
                "/".join(str(c + 1) for c in counted),
                "/".join(map(str, flights)),
                f"{lo}–{hi}",
                steps,
            ]
        )
    out.append(
        table(
            [
                "protocol",
                "waits counted",
                "+TCP",
                "client flights",
                "floor",
                f"steps in RTT at {detail_rtt:.0f} ms (median)",
            ],
            rows,
        )
    )
    local = [s for s in samples if s.rtt_ms == 0 and s.mode == "concurrent"]
    if local:
        out.append("\n### Time per step with no added latency (RTT 0, concurrent, ms, median)\n")
        out.append(
            table(
                ["protocol", "steps"],
                [[svc.value, _steps_in_rtt(local, svc.value, 1.0, "{:.0f}")] for svc in SERVICES],
            )
        )
    out.append("")
    for svc in SERVICES:
        out.append(
            f"- floor {svc.value}: {FLOOR[svc][2]}; +1 when the LOGOUT/QUIT reply is awaited"
        )
    out.append("")
    out.append(_targets(by_cell, detail_rtt, len(keys)))
    return "\n".join(out)


def _steps_in_rtt(samples: list[Sample], key: str, rtt: float, fmt: str = "{:.1f}") -> str:
    """Each step's median duration divided by ``rtt`` (1.0 gives milliseconds)."""
    if not samples or rtt <= 0:
        return "–"
    names = [n for n, _ in samples[0].steps_ms[key]]
    per_step: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        for name, ms in s.steps_ms[key]:
            per_step[name].append(ms)
    return ", ".join(f"{n} {fmt.format(median(per_step[n]) / rtt)}" for n in names)


def _targets(by_cell: dict[tuple[float, str], list[Sample]], rtt: float, n: int) -> str:
    lo = max(f[0] for f in FLOOR.values())
    hi = max(f[1] for f in FLOOR.values())
    lines = [f"- floor for the whole verification (its slowest check): {lo}–{hi} RTT"]
    conc = by_cell.get((rtt, "concurrent"))
    seq = by_cell.get((rtt, "sequential"))
    if conc:
        m = median(_cells(conc, None)) / rtt
        verdict = "met" if m + 1 <= 8 else "NOT met"
        lines.append(
            f"- target: full verification ≤ 8 RTT at {rtt:.0f} ms: {m:.2f} measured + 1 TCP = "
            f"{m + 1:.2f} RTT ({verdict})"
        )
    if seq:
        m = median(_cells(seq, None)) / rtt
        lines.append(
            f"- one after another at {rtt:.0f} ms: {m:.2f} measured + {n} TCP = {m + n:.2f} RTT"
        )
    return "\n".join(lines)


def _login_kinds_report(kinds: dict[str, list[int]], rtt: float) -> str:
    rows = [
        [label, "/".join(map(str, sorted(set(v)))), "/".join(str(c + 1) for c in sorted(set(v)))]
        for label, v in kinds.items()
    ]
    return f"\n### IMAP round trips by login command (RTT {rtt:.0f} ms)\n\n" + table(
        ["IMAP login", "waits counted", "+TCP"], rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs per RTT and mode (default 5)")
    parser.add_argument("--rtts", default="0,50,100,200", help="RTTs in ms, comma-separated")
    parser.add_argument("--detail-rtt", type=float, default=100, help="RTT for the step table")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    args = parser.parse_args(argv)
    rtts = [float(x) for x in args.rtts.split(",") if x.strip()]
    detail_rtt = args.detail_rtt if args.detail_rtt in rtts else max(rtts)

    samples = measure(args.runs, rtts, (GOOD_USER, GOOD_PASSWORD))
    print(report(samples, args.runs, detail_rtt))
    if detail_rtt > 0:
        kinds = measure_imap_login_kinds(detail_rtt, min(args.runs, 3))
        print(_login_kinds_report(kinds, detail_rtt))
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in samples], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
