"""Apache httpd and Caddy (Debian's) on loopback, serving the kit with its own snippets.

Apache loads the kit's configuration file as it is (its ``Alias`` lines, its two virtual
hosts), plus a minimal main configuration and the domain's own HTTPS site. Caddy imports the
kit's ``(mail_kit)`` snippet into a site with the test CA's certificate: the kit's own site
blocks get their certificates from an ACME CA, which a test on loopback cannot reach.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.process import stop_process

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
CADDY = shutil.which("caddy") or "/usr/bin/caddy"


def apache_available() -> bool:
    return Path(APACHE).exists() and (APACHE_MODULES / "mod_ssl.so").exists()


def caddy_available() -> bool:
    return Path(CADDY).exists()


def _wait_listening(proc: subprocess.Popen[bytes], port: int, what: str, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{what} exited: {text[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on {port}")


@dataclass
class KitApache:
    root: Path
    kit_conf: Path
    domain: str
    certificate: Path
    key: Path
    https_port: int
    http_port: int
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> KitApache:
        self.root.mkdir(parents=True, exist_ok=True)
        modules = ("mpm_event", "authz_core", "alias", "mime", "ssl", "socache_shmcb", "headers")
        loads = "\n".join(
            f"LoadModule {m}_module {APACHE_MODULES / f'mod_{m}.so'}" for m in modules
        )
        conf = self.root / "httpd.conf"
        conf.write_text(
            f"""ServerRoot {self.root}
DefaultRuntimeDir {self.root}
PidFile {self.root / "httpd.pid"}
Mutex file:{self.root}
ErrorLog {self.root / "error.log"}
LogLevel warn
User nobody
Group nogroup
ServerName localhost
TypesConfig /etc/mime.types
{loads}
Listen 127.0.0.1:{self.https_port} https
Listen 127.0.0.1:{self.http_port}
SSLSessionCache shmcb:{self.root / "ssl_scache"}(512000)
Include {self.kit_conf}
# The domain's own web site (the kit's Alias lines apply to every site).
<VirtualHost *:{self.https_port}>
    ServerName {self.domain}
    SSLEngine on
    SSLCertificateFile {self.certificate}
    SSLCertificateKeyFile {self.key}
</VirtualHost>
"""
        )
        check = subprocess.run(
            [APACHE, "-t", "-f", str(conf)], capture_output=True, timeout=30, check=False
        )
        if check.returncode != 0:
            raise RuntimeError(f"Apache refused the kit's configuration: {check.stderr.decode()}")
        self._proc = subprocess.Popen(
            [APACHE, "-f", str(conf), "-D", "FOREGROUND"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_listening(self._proc, self.https_port, "Apache", self.root / "error.log")
        return self

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        self._proc = None


def caddy_snippet(kit_caddyfile: str) -> str:
    """The kit's ``(mail_kit) { … }`` snippet, as it is in the kit's file."""
    lines = kit_caddyfile.splitlines()
    start = lines.index("(mail_kit) {")
    end = lines.index("}", start)
    return "\n".join(lines[start : end + 1])


@dataclass
class KitCaddy:
    root: Path
    kit_caddyfile: str
    names: tuple[str, ...]
    certificate: Path
    key: Path
    https_port: int
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> KitCaddy:
        self.root.mkdir(parents=True, exist_ok=True)
        sites = ", ".join(f"https://{name}:{self.https_port}" for name in self.names)
        conf = self.root / "Caddyfile"
        conf.write_text(
            f"""{{
    admin off
    auto_https off
    storage file_system {self.root / "data"}
}}

{caddy_snippet(self.kit_caddyfile)}

{sites} {{
    bind 127.0.0.1
    tls {self.certificate} {self.key}
    import mail_kit
    handle {{
        respond 404
    }}
}}
"""
        )
        env = {**os.environ, "HOME": str(self.root), "XDG_DATA_HOME": str(self.root / "data")}
        env["XDG_CONFIG_HOME"] = str(self.root / "config")
        log = self.root / "caddy.log"
        with log.open("wb") as out:
            self._proc = subprocess.Popen(
                [CADDY, "run", "--config", str(conf), "--adapter", "caddyfile"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        _wait_listening(self._proc, self.https_port, "Caddy", log)
        return self

    def stop(self) -> None:
        stop_process(self._proc, grace=5)
        self._proc = None
