"""Ending a test server's process: politely, then firmly, never leaving it behind."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path


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


def wait_for_listener(
    proc: subprocess.Popen[bytes],
    address: tuple[str, int],
    *,
    name: str,
    log: Path,
    timeout: float = 10.0,
) -> None:
    """Return once ``address`` accepts a TCP connection; raise with the server's log if ``proc``
    ends first or ``timeout`` passes (so a fixture that cannot start says why)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        try:
            with socket.create_connection(address, timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    raise RuntimeError(f"{name} did not start: {text}")
