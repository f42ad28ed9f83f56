"""Start-up time to the first wizard page, and peak memory, from source and frozen.

Each run starts a fresh process with ``QT_QPA_PLATFORM=offscreen`` and
``WIZARD_BENCH_EXIT_AFTER_FIRST_PAGE=1``; the app then prints ``WIZARD_FIRST_PAGE_SHOWN <ms>``
to stderr once the first page is on screen and quits. The time reported runs from ``fork`` to
that line being read, so it includes the interpreter's (or the bootloader's) own start; the
peak memory is the app's ``ru_maxrss``, taken through a tiny launcher (see ``_LAUNCHER``).

If the GUI does not have that hook yet, a clearly labelled stand-in is measured instead: the
same environment, importing ``wizard.ui.app`` and showing a window from its ``main()``.

    .venv/bin/python -m bench.startup [--runs 5] [--baseline-rev REV [--no-baseline-frozen]]

``--baseline-rev`` checks that commit out into a temporary git worktree (``bench.baseline``),
builds its bundle there (``packaging/build.py``, about a minute) and measures its start from
source and frozen in the same rounds as this tree's.
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.baseline import checkout, describe
from bench.stats import median, spread, table

REPO = Path(__file__).resolve().parent.parent
EXE = Path("mail-setup-wizard") / "mail-setup-wizard"
# Where packaging/build.py puts the bundle by default, then where the frozen-app test builds it.
FROZEN_CANDIDATES = [
    REPO / "dist" / EXE,
    *(
        [Path(os.environ["WIZARD_FROZEN_BUILD_DIR"]) / "dist" / EXE]
        if os.environ.get("WIZARD_FROZEN_BUILD_DIR")
        else []
    ),
    REPO / "build" / "frozen-test" / "dist" / EXE,
]
FROZEN = next((p for p in FROZEN_CANDIDATES if p.exists()), FROZEN_CANDIDATES[0])
MARKER = "WIZARD_FIRST_PAGE_SHOWN"
HOOK_ENV = "WIZARD_BENCH_EXIT_AFTER_FIRST_PAGE"
TARGET_S = 1.0
TARGET_MB = 150.0

# Stand-in while the GUI has no hook: show whatever wizard.ui.app.main() shows, then report.
_STAND_IN = f"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import wizard.ui.app as app_module
app = QApplication([sys.argv[0]])
def shown():
    print("{MARKER} -1", file=sys.stderr, flush=True)
    app.quit()
QTimer.singleShot(0, shown)
sys.exit(app_module.main([]))
"""


@dataclass
class Run:
    wall_ms: float
    reported_ms: float | None
    maxrss_mb: float
    ok: bool
    note: str = ""


@dataclass
class Scenario:
    label: str
    cmd: list[str]
    marker: bool = True
    cwd: Path = REPO  # ``python -m wizard`` imports the wizard found here


def hook_present() -> bool:
    """Whether the GUI source prints the first-page marker."""
    return any(HOOK_ENV in p.read_text(errors="replace") for p in (REPO / "wizard").rglob("*.py"))


# Linux carries a process's peak RSS across exec(), and a forked child starts with its parent's
# pages, so a child started straight from this (large) process would report at least this
# process's peak. A tiny launcher (python -S, about 10 MB) forks and execs the app instead, waits
# for it, and prints: fork time (monotonic clock, shared by all processes), exit time, the
# app's ru_maxrss in KiB and its exit code.
_LAUNCHER = """
import os, sys, time
devnull = os.open(os.devnull, os.O_WRONLY)
t = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(devnull, 1)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
print(t, time.monotonic(), ru.ru_maxrss, os.waitstatus_to_exitcode(status), flush=True)
"""


def run_once(scenario: Scenario, timeout: float = 30.0) -> Run:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{HOOK_ENV: "1"})
    proc = subprocess.Popen(
        [sys.executable, "-S", "-E", "-c", _LAUNCHER, *scenario.cmd],
        cwd=scenario.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stderr is not None
    marker_at: float | None = None
    reported: float | None = None
    note = ""
    buf = b""
    if scenario.marker:
        sel = selectors.DefaultSelector()
        sel.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while marker_at is None and time.monotonic() < deadline:
            if not sel.select(max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            m = re.search(rb"WIZARD_FIRST_PAGE_SHOWN (-?[\d.]+)", buf)
            if m:
                marker_at = time.monotonic()
                value = float(m.group(1))
                reported = value if value >= 0 else None
        sel.close()
        if marker_at is None:
            note = "no first-page marker: " + buf.decode(errors="replace").strip()[-300:]
            os.killpg(proc.pid, signal.SIGKILL)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        note = note or "did not exit in time"
    fields = out.split()
    if len(fields) != 4:
        return Run(float("nan"), None, float("nan"), False, note or "launcher failed")
    forked, exited, maxrss_kib = float(fields[0]), float(fields[1]), int(fields[2])
    end = marker_at if scenario.marker else exited
    return Run(
        wall_ms=(end - forked) * 1000 if end is not None else float("nan"),
        reported_ms=reported,
        maxrss_mb=maxrss_kib / 1024,
        ok=end is not None,
        note=note,
    )


def scenarios(
    python: str,
    frozen: Path,
    baseline: Path | None = None,
    baseline_tree: Path | None = None,
    baseline_label: str = "baseline",
) -> tuple[list[Scenario], list[str]]:
    notes: list[str] = []
    found: list[Scenario] = [
        Scenario("interpreter only (python -c pass)", [python, "-c", "pass"], marker=False)
    ]
    if hook_present():
        found.append(Scenario("from source: python -m wizard", [python, "-m", "wizard"]))
    else:
        notes.append(
            f"The GUI has no {HOOK_ENV} hook yet: measured a STAND-IN (wizard.ui.app.main() "
            "showing its window), not the wizard's first page."
        )
        found.append(
            Scenario("STAND-IN from source: wizard.ui.app.main()", [python, "-c", _STAND_IN])
        )
    if frozen.exists():
        built = time.strftime("%Y-%m-%d %H:%M", time.localtime(frozen.stat().st_mtime))
        found.append(Scenario(f"frozen: {_show(frozen)}", [str(frozen)]))
        notes.append(f"Frozen app built {built}; rebuild with packaging/build.py to refresh.")
    else:
        notes.append(f"Frozen app not built ({_show(frozen)} absent): skipped.")
    if baseline_tree is not None:
        found.append(
            Scenario(
                f"{baseline_label} from source: python -m wizard",
                [python, "-m", "wizard"],
                cwd=baseline_tree,
            )
        )
    if baseline is not None:
        # Another build (e.g. of the previous commit), run in the same rounds for comparison.
        if not baseline.exists():
            raise SystemExit(f"--baseline {baseline}: no such executable")
        label = (
            f"{baseline_label} frozen" if baseline_tree else f"baseline frozen: {_show(baseline)}"
        )
        found.append(Scenario(label, [str(baseline)]))
        notes.append(f"baseline bundle size: {bundle_size(baseline)}")
    return found, notes


def _show(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def bundle_size(frozen: Path) -> str:
    folder = frozen.parent
    if not folder.is_dir():
        return "not built"
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    return f"{size / 1e6:.1f} MB in {len(files)} files ({_show(folder)})"


def import_times(python: str, top: int = 12) -> str:
    """The slowest imports (cumulative) of the from-source start, from ``-X importtime``."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{HOOK_ENV: "1"})
    target = ["-m", "wizard"] if hook_present() else ["-c", _STAND_IN]
    proc = subprocess.run(
        [python, "-X", "importtime", *target],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(3)) <= 3:  # top-level imports only (depth 0 or 1)
            rows.append((int(m.group(2)), m.group(4)))
    rows.sort(reverse=True)
    return table(
        ["cumulative ms", "module"], [[f"{us / 1000:.0f}", name] for us, name in rows[:top]]
    )


def report(
    results: dict[str, list[Run]], runs: int, notes: list[str], frozen: Path, cold: bool = False
) -> str:
    how = "page cache dropped before each run, " if cold else ""
    out = [f"### Start-up to first page and peak memory ({how}{runs} runs, median (min–max))\n"]
    rows = []
    for label, rs in results.items():
        good = [r for r in rs if r.ok]
        reported = [r.reported_ms for r in good if r.reported_ms is not None]
        rows.append(
            [
                label,
                spread([r.wall_ms for r in good]) if good else "failed",
                spread(reported) if reported else "–",
                spread([r.maxrss_mb for r in rs], "{:.0f}"),
            ]
        )
    out.append(
        table(["process", "start → first page, ms", "app's own figure, ms", "peak RSS, MB"], rows)
    )
    out.append("")
    out.append(
        "- start → first page: from the launcher's fork to the marker line; the app's own "
        "figure counts from when wizard.ui.app was imported (no interpreter or bootloader start)"
    )
    out.append(f"- bundle size: {bundle_size(frozen)}")
    for label, rs in results.items():
        if label.startswith("interpreter"):
            continue
        good = [r for r in rs if r.ok]
        if good:
            t = median([r.wall_ms for r in good]) / 1000
            mem = max(r.maxrss_mb for r in rs)
            out.append(
                f"- {label}: first page {t:.2f} s (target ≤ {TARGET_S:g} s: "
                f"{'met' if t <= TARGET_S else 'NOT met'}), peak {mem:.0f} MB "
                f"(target ≤ {TARGET_MB:g} MB: {'met' if mem <= TARGET_MB else 'NOT met'})"
            )
        for r in rs:
            if r.note:
                out.append(f"- {label}: {r.note}")
                break
    out.extend(f"- {n}" for n in notes)
    return "\n".join(out)


def build_bundle(tree: Path) -> Path:
    """Build ``tree``'s bundle with its own packaging/build.py, beside the worktree."""
    out = tree.parent / "frozen"
    r = subprocess.run(
        [
            sys.executable,
            str(tree / "packaging" / "build.py"),
            "--dist",
            str(out / "dist"),
            "--work",
            str(out / "work"),
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    exe = out / "dist" / EXE
    if r.returncode != 0 or not exe.exists():
        raise SystemExit(f"baseline build failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    return exe


def drop_page_cache() -> None:
    """Make the next start read every library from disk, as the first one after boot does."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as exc:
        raise SystemExit(f"--cold needs Linux and root: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start-up time and peak memory.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the source run")
    parser.add_argument("--frozen", type=Path, default=FROZEN, help="the frozen executable")
    parser.add_argument(
        "--baseline", type=Path, help="a second frozen executable to run side by side"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="drop the page cache before every run (Linux, root): a first start after boot",
    )
    parser.add_argument("--no-importtime", action="store_true", help="skip the import breakdown")
    parser.add_argument(
        "--baseline-rev",
        metavar="REV",
        help="also measure this commit from source and (built here) frozen, in the same rounds",
    )
    parser.add_argument(
        "--no-baseline-frozen", action="store_true", help="with --baseline-rev: source only"
    )
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        baseline_exe, tree_root, label = args.baseline, None, "baseline"
        if args.baseline_rev:
            tree = stack.enter_context(checkout(args.baseline_rev))
            tree_root, label = tree.root, tree.label
            if not args.no_baseline_frozen and baseline_exe is None:
                baseline_exe = build_bundle(tree.root)
        found, notes = scenarios(args.python, args.frozen, baseline_exe, tree_root, label)
        if args.baseline_rev:
            notes.append(f"{label}: {describe(args.baseline_rev)}, from a temporary worktree")
        results: dict[str, list[Run]] = {s.label: [] for s in found}
        for s in found:
            run_once(s)  # warm-up: page cache, Qt's font cache
        for _ in range(args.runs):
            for s in found:  # interleaved, so every process sees the same machine load
                if args.cold:
                    drop_page_cache()
                results[s.label].append(run_once(s))
    print(report(results, args.runs, notes, args.frozen, args.cold))
    if not args.no_importtime:
        print("\n### Slowest top-level imports from source (-X importtime, one run)\n")
        print(import_times(args.python))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
