"""Ending a test server's process: politely, then firmly, never leaving it behind."""

from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen[bytes] | None, grace: float = 10.0) -> None:
    """SIGTERM, up to ``grace`` seconds to exit, then SIGKILL; nothing if it already ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
