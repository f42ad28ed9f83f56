"""A real nginx (Debian's) on loopback, configured with nothing but the kit's own snippets.

The main configuration only sets the process up (its own prefix, pid, logs and temp folders),
includes the kit's ``server`` file and adds the domain's own HTTPS site, which includes the
kit's ``location`` file: exactly what the kit's README tells IT to do.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.process import stop_process

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    return Path(NGINX).exists()


@dataclass
class KitNginx:
    root: Path
    server_conf: Path  # the kit's nginx server file
    locations_conf: Path  # the kit's nginx locations file
    domain: str
    certificate: Path
    key: Path
    https_port: int
    http_port: int
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def error_log(self) -> Path:
        return self.root / "error.log"

    def _main_conf(self) -> str:
        temp = self.root / "temp"
        temps = "\n".join(
            f"    {kind}_temp_path {temp / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""daemon off;
worker_processes 1;
pid {self.root / "nginx.pid"};
error_log {self.error_log} info;
events {{ worker_connections 64; }}
http {{
    access_log {self.root / "access.log"};
{temps}
    include {self.server_conf};
    # The domain's own web site, with the kit's locations included as its README says.
    server {{
        listen 127.0.0.1:{self.https_port} ssl;
        server_name {self.domain};
        ssl_certificate {self.certificate};
        ssl_certificate_key {self.key};
        include {self.locations_conf};
        location / {{ return 404; }}
    }}
}}
"""

    def start(self) -> KitNginx:
        (self.root / "temp").mkdir(parents=True, exist_ok=True)
        conf = self.root / "nginx.conf"
        conf.write_text(self._main_conf())
        check = subprocess.run(
            [NGINX, "-t", "-p", str(self.root), "-c", str(conf)],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the kit's configuration: {check.stderr.decode()}")
        self._proc = subprocess.Popen(
            [NGINX, "-p", str(self.root), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                assert self._proc.stderr is not None
                raise RuntimeError(f"nginx exited: {self._proc.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start listening")

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        if self._proc and self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None
