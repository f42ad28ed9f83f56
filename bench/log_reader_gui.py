"""The log reader window while it reads a big log: how long the window stops answering.

A 20 ms timer runs in the GUI thread while the window reads a generated log with no address
(every line parsed, every session listed); the gaps between its ticks are the times the event
loop could not run, which is what a person feels as a frozen window. Each tree runs in a fresh
offscreen process, this tree and ``--baseline REV`` alternately, on the same file.

    .venv/bin/python -m bench.log_reader_gui [--size-mb 40] [--runs 3] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.baseline import WORKING_TREE, Tree, checkout
from bench.stats import median, spread, table

_TICK_MS = 20


def _child(log: str) -> None:
    """In the measured process: read ``log`` to the end and print the gaps as JSON."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from wizard.ui.log_reader_window import LogReaderWindow
    from wizard.ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()  # as the app does first (PySide6 6.12's reference leaks)
    app = QApplication([])
    window = LogReaderWindow()
    window.resize(980, 700)
    window.show()
    window.set_files([log])
    gaps: list[int] = []
    clock, total = QElapsedTimer(), QElapsedTimer()
    timer = QTimer()
    timer.setInterval(_TICK_MS)
    timer.timeout.connect(lambda: gaps.append(clock.restart()))
    window.finished_reading.connect(app.quit)
    clock.start()
    total.start()
    timer.start()
    window.read_button.click()
    app.exec()
    timer.stop()
    result = {"gaps": gaps, "total_ms": total.elapsed(), "rows": window.table.topLevelItemCount()}
    print(json.dumps(result))


def _measure(tree: Tree, log: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.log_reader_gui", "--child", str(log)],
        cwd=tree.cwd,
        env=tree.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"{tree.label}: the window's process ended with {proc.returncode}:\n"
            + proc.stderr[-3000:]
        )
    out = proc.stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=40)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="also measure this commit's window")
    parser.add_argument("--child", metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0

    from bench.logs import generate

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wizard-bench-")))
        log = folder / "app.log"
        generate(log, args.size_mb, users=args.users)
        trees = [WORKING_TREE]
        if args.baseline:
            trees.append(stack.enter_context(checkout(args.baseline)))
        worst: dict[str, list[float]] = {t.label: [] for t in trees}
        p95: dict[str, list[float]] = {t.label: [] for t in trees}
        over: dict[str, list[float]] = {t.label: [] for t in trees}
        total: dict[str, list[float]] = {t.label: [] for t in trees}
        rows: dict[str, object] = {}
        for _ in range(args.runs):
            for tree in trees:
                r = _measure(tree, log)
                gaps = sorted(int(g) for g in r["gaps"])  # type: ignore[attr-defined]
                worst[tree.label].append(gaps[-1])
                p95[tree.label].append(gaps[int(0.95 * (len(gaps) - 1))])
                over[tree.label].append(sum(1 for g in gaps if g > 100))
                total[tree.label].append(int(r["total_ms"]) / 1000)  # type: ignore[call-overload]
                rows[tree.label] = r["rows"]
        print(
            f"{args.size_mb} MB log, {args.users} addresses, no address filter; "
            f"{args.runs} runs each, median (min–max)"
        )
        print(
            table(
                ["window", "longest stall ms", "95th pct ms", "stalls > 100 ms", "read s", "rows"],
                [
                    [
                        t.label,
                        spread(worst[t.label]),
                        spread(p95[t.label]),
                        spread(over[t.label]),
                        spread(total[t.label], "{:.1f}"),
                        str(rows[t.label]),
                    ]
                    for t in trees
                ],
            )
        )
        if len(trees) == 2:
            a, b = (median(worst[t.label]) for t in trees)
            print(f"longest stall: {a:.0f} ms against {b:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
