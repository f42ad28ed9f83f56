"""Run a command and measure its wall time and its own peak memory (ru_maxrss).

Through a tiny ``python -S`` launcher rather than straight from the test process: Linux keeps a
process's peak RSS across ``exec()``, so a child forked from a big pytest (or benchmark) process
would report at least its parent's size. The launcher is ~10 MB, well below anything measured.
It also stops the command if it runs past ``limit_s`` or grows past ``rss_cap_mb`` (the
previous release floods itself into gigabytes), and says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MARKER = "WIZARD_MEASURED"

_LAUNCHER = r"""
import os, signal, sys, time
limit, cap_kb = float(sys.argv[1]), int(sys.argv[2])
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[3], sys.argv[3:])
    finally:
        os._exit(127)
stopped = ""
while True:
    done, status, ru = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if not stopped:
        if time.monotonic() - t0 > limit:
            stopped = "time"
        else:
            try:
                with open(f"/proc/{pid}/status") as f:
                    rss = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
            except OSError:
                rss = 0
            if rss > cap_kb:
                stopped = "memory"
        if stopped:
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.02)
wall = time.monotonic() - t0
code = os.waitstatus_to_exitcode(status)
print(f"MARKER {wall:.3f} {ru.ru_maxrss} {code} {stopped or '-'}", file=sys.stderr, flush=True)
""".replace("MARKER", MARKER)


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    peak_mb: float
    stopped: str  # "" or why the launcher stopped it: "time", "memory"


def run_measured(
    argv: Sequence[str],
    *,
    stdin: str = "",
    limit_s: float = 60.0,
    rss_cap_mb: float = 1024.0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Measured:
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, str(limit_s), str(int(rss_cap_mb * 1024)), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=limit_s + 30,
        cwd=cwd,
        env=env if env is not None else dict(os.environ),
        check=False,
    )
    lines = proc.stderr.splitlines()
    last = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith(MARKER))
    _, wall, maxrss_kb, code, stopped = lines[last].split()
    stderr = "\n".join(lines[:last] + lines[last + 1 :])
    return Measured(
        returncode=int(code),
        stdout=proc.stdout,
        stderr=stderr,
        wall_s=float(wall),
        peak_mb=int(maxrss_kb) / 1024,
        stopped="" if stopped == "-" else stopped,
    )


def diagnose_json_argv(address: str, provider: Path, ca_pem: Path, timeout: float) -> list[str]:
    """``python -m wizard diagnose --json`` as the hostile tests and bench run it (password on
    stdin, never on the command line)."""
    return [
        sys.executable,
        "-m",
        "wizard",
        "diagnose",
        address,
        "--provider",
        str(provider),
        "--ca-file",
        str(ca_pem),
        "--password-stdin",
        "--json",
        "--timeout",
        f"{timeout:g}",
    ]
