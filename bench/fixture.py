"""The test suite's private Dovecot on loopback, started for a benchmark run."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import trustme  # test extra, installed in the project venv

from bench.relay import NullRelay, relay_port
from tests.support.dovecot_server import (
    GOOD_PASSWORD,
    GOOD_USER,
    OTHER_PASSWORD,
    OTHER_USER,
    DovecotServer,
    dovecot_available,
)
from tests.support.fake_servers import blackhole_port

REPO = Path(__file__).resolve().parent.parent

__all__ = [
    "GOOD_PASSWORD",
    "GOOD_USER",
    "OTHER_PASSWORD",
    "OTHER_USER",
    "REPO",
    "DovecotServer",
    "blackhole_port",
    "running_dovecot",
]


@contextmanager
def running_dovecot() -> Iterator[tuple[DovecotServer, Path]]:
    """A started Dovecot (with a relay behind its submission service) and a scratch folder.

    Everything is stopped and removed afterwards.
    """
    missing = dovecot_available()
    if missing:
        raise SystemExit(f"Dovecot is not installed (missing: {missing}); see tests/run_all.sh")
    with tempfile.TemporaryDirectory(prefix="wizard-bench-") as tmp:
        root = Path(tmp)
        # When run as root, Dovecot's own unprivileged users must be able to reach the files.
        root.chmod(0o711)
        server = DovecotServer(root / "dovecot", trustme.CA()).start()
        port = relay_port(server.root / "dovecot.conf")
        relay = NullRelay(port).start() if port else None
        try:
            yield server, root
        finally:
            if relay is not None:
                relay.stop()
            server.stop()
