"""Running ``python -m wizard`` as IT and scripts do: a real process, the password on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.dovecot_server import GOOD_USER


def run_cli(
    *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def diagnose(
    dovecot, provider: Path, password: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``diagnose`` against the test server, the password on stdin as a script would pipe it."""
    return run_cli(
        "diagnose",
        GOOD_USER,
        "--provider",
        str(provider),
        "--ca-file",
        str(dovecot.ca_pem),
        "--password-stdin",
        *extra,
        stdin=password + "\n",
    )
