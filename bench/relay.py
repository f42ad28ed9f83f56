"""A do-nothing SMTP relay for the fixture's Dovecot submission service.

Dovecot's submission service connects to its relay as soon as a user has logged in. The test
fixture points it at an unused port, so right after ``235 Logged in`` Dovecot sends an
unsolicited ``421 Failed to connect to relay server`` and hangs up; the check's QUIT then
"gets its answer" without a round trip, which would make SMTP look one RTT faster than any real
submission server. This relay greets, says 250 to everything and 221 to QUIT.
"""

from __future__ import annotations

import re
import socketserver
import threading
from pathlib import Path
from typing import Self


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 relay.invalid ESMTP bench relay\r\n")
        data_mode = False
        for line in self.rfile:
            if data_mode:
                if line in (b".\r\n", b".\n"):
                    data_mode = False
                    self.wfile.write(b"250 2.0.0 accepted and dropped\r\n")
                continue
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb in (b"EHLO", b"LHLO"):
                self.wfile.write(b"250-relay.invalid\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                data_mode = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 2.0.0 bye\r\n")
                return
            else:
                self.wfile.write(b"250 2.0.0 ok\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class NullRelay:
    """Listens on 127.0.0.1:``port`` until ``stop()``."""

    def __init__(self, port: int) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="null-relay", daemon=True
        )

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def relay_port(dovecot_conf: Path) -> int | None:
    """The relay port the fixture wrote into its Dovecot configuration."""
    m = re.search(r"^submission_relay_port\s*=\s*(\d+)", dovecot_conf.read_text(), re.MULTILINE)
    return int(m.group(1)) if m else None
