"""``python -m bench``: every benchmark, one after another, as Markdown on stdout.

    .venv/bin/python -m bench [--runs 5] [--quick]

``--quick`` runs each latency cell twice, skips the two-address blackhole case and measures the
hostile servers without the baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from bench import blackhole, discovery, hostile, roundtrip, startup, verify_latency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark.")
    parser.add_argument("--runs", type=int, default=5, help="runs per measured cell")
    parser.add_argument("--quick", action="store_true", help="2 runs, skip the slowest case")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else args.runs

    print(
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {platform.system()} "
        f"{platform.release()}, {os.cpu_count()} CPUs, Python {platform.python_version()}\n",
        flush=True,
    )
    print("## Verification at injected round-trip times\n", flush=True)
    verify_latency.main(["--runs", str(runs)])
    print("\n## Dead server\n", flush=True)
    blackhole.main(["--skip-two-addresses"] if args.quick else [])
    print("\n## Hostile servers\n", flush=True)
    hostile.main(["--no-baseline"] if args.quick else [])
    print("\n## The test message to oneself (round trip)\n", flush=True)
    roundtrip.main(["--runs", str(runs)])
    print("\n## Finding settings for an address (discovery)\n", flush=True)
    discovery.main(["--runs", str(runs)])
    print("\n## Start-up and memory\n", flush=True)
    startup.main(["--runs", str(runs)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
