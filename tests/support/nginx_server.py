"""A real web server (Debian's nginx) on loopback ports, HTTPS with the test CA's certificate.

It serves what a domain publishes for mail programs (autoconfig files, .well-known, an
Autodiscover answer or a proxy to automx2) under the names the test gives, and whatever
misbehaviour nginx itself can show (redirect loops, a redirect elsewhere, a huge file). One
``server`` block per site; all sites share one HTTPS and one HTTP port on 127.0.0.1, told apart
by the Host header and SNI, exactly as on a real host.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from tests.support.dovecot_server import free_port
from tests.support.process import stop_process, wait_for_listener

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    return Path(NGINX).exists()


@dataclass
class Site:
    """One name's content: files by URL path, and extra nginx directives for its server block."""

    files: dict[str, bytes] = field(default_factory=dict)
    directives: str = ""


@dataclass
class NginxServer:
    root: Path
    ca: trustme.CA
    sites: dict[str, Site]
    https_port: int = 0
    http_port: int = 0
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> NginxServer:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        cert = self.ca.issue_cert(*self.sites)
        cert.private_key_pem.write_to_path(str(self.root / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(self.root / "server.pem"))
        (self.root / "server.key").chmod(0o600)
        self.https_port, self.http_port = free_port(), free_port()
        blocks = []
        for name, site in self.sites.items():
            docroot = self.root / "sites" / name
            for path, data in site.files.items():
                target = docroot / path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            docroot.mkdir(parents=True, exist_ok=True)
            for folder in [docroot, *docroot.rglob("*")]:
                folder.chmod(0o755 if folder.is_dir() else 0o644)
            blocks.append(
                f"""
  server {{
    listen 127.0.0.1:{self.https_port} ssl;
    listen 127.0.0.1:{self.http_port};
    server_name {name};
    ssl_certificate {self.root / "server.pem"};
    ssl_certificate_key {self.root / "server.key"};
    root {docroot};
    {site.directives}
  }}"""
            )
        (self.root / "tmp").mkdir(exist_ok=True)
        conf = f"""
daemon off;
worker_processes 1;
pid {self.root / "nginx.pid"};
error_log {self.root / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
  log_format wizard '$scheme://$host "$request" $status';
  access_log {self.root / "access.log"} wizard;
  client_body_temp_path {self.root / "tmp"};
  proxy_temp_path {self.root / "tmp"};
  fastcgi_temp_path {self.root / "tmp"};
  uwsgi_temp_path {self.root / "tmp"};
  scgi_temp_path {self.root / "tmp"};
  default_type application/xml;
  # nginx 1.22 (Debian 12) still defaults to TLS 1.0-1.2; current servers offer 1.3.
  ssl_protocols TLSv1.2 TLSv1.3;
  # An unknown name gets no answer that could be mistaken for a site's.
  server {{
    listen 127.0.0.1:{self.https_port} ssl default_server;
    listen 127.0.0.1:{self.http_port} default_server;
    ssl_certificate {self.root / "server.pem"};
    ssl_certificate_key {self.root / "server.key"};
    return 404;
  }}
  {"".join(blocks)}
}}
"""
        (self.root / "nginx.conf").write_text(conf)
        self._proc = subprocess.Popen(
            [NGINX, "-c", str(self.root / "nginx.conf"), "-p", str(self.root)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("wb"),
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        assert self._proc is not None
        wait_for_listener(
            self._proc,
            ("127.0.0.1", self.https_port),
            name="nginx",
            log=self.root / "stderr.log",
            timeout=timeout,
        )

    def requests(self) -> list[str]:
        """The access log's request lines, to prove what was (not) asked."""
        try:
            return (self.root / "access.log").read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        self._proc = None
