"""The kit's Apache configuration and Caddy snippet, served by the real Apache httpd and Caddy
from Debian: Outlook's POST (capitals or not) gets the Autodiscover file, both autoconfig URLs
the autoconfig file, as XML; Apache's plain-HTTP side only redirects to HTTPS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.conftest import IN_CI
from tests.support.dovecot_server import free_port
from tests.support.kit_site import request_at
from tests.support.kit_webservers import (
    CADDY,
    KitApache,
    KitCaddy,
    apache_available,
    caddy_available,
)
from tests.test_kit_served import OUTLOOK_REQUEST, _provider
from wizard.kit.apache import APACHE_FILE
from wizard.kit.build import build_kit, write_kit
from wizard.kit.caddy import CADDY_FILE
from wizard.kit.model import AUTOCONFIG_FILE, AUTODISCOVER_FILE, KitFile, KitTarget, WebPlace

DOMAIN = "sepheo.co"
NAMES = (DOMAIN, f"autoconfig.{DOMAIN}", f"autodiscover.{DOMAIN}")


def _require(available: bool, what: str) -> None:
    if not available:
        reason = f"{what} is not installed; see tests/run_all.sh"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


def _kit(root: Path, ca: trustme.CA) -> tuple[dict[str, KitFile], WebPlace]:
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    cert = ca.issue_cert(*NAMES)
    cert_pem, key_pem = root / "cert.pem", root / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    web = WebPlace(
        root=str(root / "www"),
        certificate=str(cert_pem),
        key=str(key_pem),
        https_port=free_port(),
        http_port=free_port(),
    )
    files = {f.name: f for f in build_kit(KitTarget(_provider(), DOMAIN, web))}
    write_kit(root / "www", [files[AUTOCONFIG_FILE], files[AUTODISCOVER_FILE]])
    (root / "www").chmod(0o755)
    return files, web


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="wizard-kit-web-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _serves_the_kit(port: int, files: dict[str, KitFile], ca: trustme.CA) -> None:
    for host, path in (
        (f"autoconfig.{DOMAIN}", "/mail/config-v1.1.xml?emailaddress=joe%40sepheo.co"),
        (DOMAIN, "/.well-known/autoconfig/mail/config-v1.1.xml"),
    ):
        status, headers, body = request_at("127.0.0.1", port, host, path, ca)
        assert (status, body) == (200, files[AUTOCONFIG_FILE].data), (host, path)
        assert headers["Content-Type"].startswith("application/xml")
    for host, path in (
        (DOMAIN, "/autodiscover/autodiscover.xml"),
        (f"autodiscover.{DOMAIN}", "/Autodiscover/Autodiscover.xml"),
    ):
        status, headers, body = request_at(
            "127.0.0.1", port, host, path, ca, method="POST", body=OUTLOOK_REQUEST
        )
        assert (status, body) == (200, files[AUTODISCOVER_FILE].data), (host, path)
        assert headers["Content-Type"].startswith("application/xml")


def test_apache_serves_the_kit_with_the_kits_own_configuration(
    folder: Path, test_ca: trustme.CA
) -> None:
    _require(apache_available(), "Apache httpd (apache2)")
    files, web = _kit(folder / "apache", test_ca)
    conf = folder / "apache" / APACHE_FILE
    conf.write_bytes(files[APACHE_FILE].data)
    server = KitApache(
        folder / "apache" / "httpd",
        conf,
        DOMAIN,
        Path(web.certificate),
        Path(web.key),
        web.https_port,
        web.http_port,
    ).start()
    try:
        _serves_the_kit(web.https_port, files, test_ca)
        status, headers, body = request_at(
            "127.0.0.1",
            web.http_port,
            f"autodiscover.{DOMAIN}",
            "/autodiscover/autodiscover.xml",
            test_ca,
            https=False,
        )
        assert status == 302
        assert headers["Location"] == (
            f"https://autodiscover.{DOMAIN}:{web.https_port}/autodiscover/autodiscover.xml"
        )
        assert b"<Protocol>" not in body
    finally:
        server.stop()


def test_caddy_serves_the_kit_with_the_kits_own_snippet(folder: Path, test_ca: trustme.CA) -> None:
    _require(caddy_available(), "Caddy")
    files, web = _kit(folder / "caddy", test_ca)
    server = KitCaddy(
        folder / "caddy" / "server",
        files[CADDY_FILE].data.decode(),
        NAMES,
        Path(web.certificate),
        Path(web.key),
        web.https_port,
    ).start()
    try:
        _serves_the_kit(web.https_port, files, test_ca)
    finally:
        server.stop()


def test_the_whole_kit_caddyfile_is_valid_caddy_configuration(tmp_path: Path) -> None:
    """Its site blocks too (they get their certificates from an ACME CA, so they are not
    served here): Caddy's own adapter reads the file as the kit wrote it."""
    _require(caddy_available(), "Caddy")
    files = {f.name: f for f in build_kit(KitTarget(_provider(), DOMAIN))}
    conf = tmp_path / "Caddyfile"
    conf.write_bytes(files[CADDY_FILE].data)
    adapted = subprocess.run(
        [CADDY, "adapt", "--config", str(conf), "--adapter", "caddyfile"],
        capture_output=True,
        timeout=30,
        check=False,
        env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
    )
    assert adapted.returncode == 0, adapted.stderr.decode()
    config = json.loads(adapted.stdout)
    servers = config["apps"]["http"]["servers"]
    hosts = json.dumps(servers)
    assert f"autodiscover.{DOMAIN}" in hosts and f"autoconfig.{DOMAIN}" in hosts
    assert '"status_code": 302' in hosts  # Outlook's HTTP redirect method wants a 302
