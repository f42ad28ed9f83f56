"""automx2 (PyPI, GPL; used only as a test-time server, never copied) behind nginx.

A real autoconfig and Autodiscover server nobody here wrote: Flask's server on a loopback port,
seeded through its own ``/initdb/`` API, reached through nginx over HTTPS as deployed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.dovecot_server import free_port
from tests.support.process import stop_process, wait_for_listener


def automx2_available() -> bool:
    try:
        import automx2  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Automx2Server:
    root: Path
    seed: dict[str, object]
    port: int = 0
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Automx2Server:
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = self.root / "automx2.conf"
        conf.write_text(
            f"[automx2]\nloglevel = WARNING\ndb_uri = sqlite:///{self.root / 'db.sqlite'}\n"
            "proxy_count = 1\n"
        )
        env = dict(os.environ, AUTOMX2_CONF=str(conf))
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "automx2.server:app",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("wb"),
        )
        self._wait_ready()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/initdb/",
            data=json.dumps(self.seed).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
        return self

    def _wait_ready(self, timeout: float = 20.0) -> None:
        assert self._proc is not None
        wait_for_listener(
            self._proc,
            ("127.0.0.1", self.port),
            name="automx2",
            log=self.root / "stderr.log",
            timeout=timeout,
        )

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        self._proc = None
