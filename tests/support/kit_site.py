"""A domain published with the kit: nginx serving its web files, dnsmasq serving its zone lines.

``KitSite`` is what the kit's README asks IT to do, done on loopback: the kit built from a
provider file, its files copied to the web root, its nginx snippets included as they are, its
zone lines loaded into a real DNS server. Requests go through that DNS server and the test CA
like a mail program's would, so a wrong record or a wrong snippet shows.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.resolver
import pytest
import trustme

from tests.support.dns_server import DnsServer, free_udp_and_tcp_port
from tests.support.dovecot_server import free_port
from tests.support.kit_nginx import KitNginx
from tests.support.zone_dns import zone_to_dnsmasq
from wizard.kit.build import build_kit, write_kit
from wizard.kit.model import KitFile, KitTarget, WebPlace
from wizard.kit.nginx import LOCATIONS_FILE, SERVER_FILE
from wizard.kit.readme import ZONE_FILE
from wizard.provider import Provider

# (name, status, headers, body) of one answer.
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class KitSite:
    domain: str
    files: list[KitFile]
    nginx: KitNginx
    dns: DnsServer
    ca: trustme.CA

    def file(self, name: str) -> bytes:
        return next(f.data for f in self.files if f.name == name)

    @property
    def dns_spec(self) -> tuple[str, int]:
        return self.dns.address

    def resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [self.dns.address[0]]
        resolver.port = self.dns.address[1]
        resolver.lifetime = 3.0
        return resolver

    def address_of(self, host: str) -> str:
        answer = self.resolver().resolve(host, "A")
        return str(answer[0])

    def srv(self, name: str) -> list[tuple[int, int, int, str]]:
        answer = self.resolver().resolve(name, "SRV")
        return sorted(
            (r.priority, r.weight, r.port, r.target.to_text(omit_final_dot=True)) for r in answer
        )

    def request(
        self,
        url_host: str,
        path: str,
        *,
        port: int,
        https: bool = True,
        method: str = "GET",
        body: bytes | None = None,
    ) -> Answer:
        """One request to ``url_host`` as a client would make it: name through the test DNS,
        certificate checked against the test CA for that name."""
        ip = self.address_of(url_host)
        return request_at(ip, port, url_host, path, self.ca, https=https, method=method, body=body)

    def stop(self) -> None:
        self.nginx.stop()
        self.dns.stop()


def request_at(
    ip: str,
    port: int,
    url_host: str,
    path: str,
    ca: trustme.CA,
    *,
    https: bool = True,
    method: str = "GET",
    body: bytes | None = None,
) -> Answer:
    """One request to ``ip:port`` for ``url_host`` (Host header, SNI and certificate name)."""
    sock = socket.create_connection((ip, port), timeout=5)
    conn: http.client.HTTPConnection
    if https:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        conn = http.client.HTTPSConnection(url_host, port, timeout=5, context=context)
        conn.sock = context.wrap_socket(sock, server_hostname=url_host)
    else:
        conn = http.client.HTTPConnection(url_host, port, timeout=5)
        conn.sock = sock
    headers = {"Host": url_host if port in (80, 443) else f"{url_host}:{port}"}
    if body is not None:
        headers["Content-Type"] = "text/xml; charset=utf-8"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read(1_000_000)
    finally:
        conn.close()


def publish_kit(
    root: Path, provider: Provider, domain: str, ca: trustme.CA, host_ips: dict[str, str]
) -> KitSite:
    """Build the kit for ``domain`` and publish it; ``host_ips``: the A records besides the
    kit's (the domain's web server and the mail servers)."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    web_root, snippets, conf_d = root / "www", root / "snippets", root / "conf.d"
    cert = ca.issue_cert(domain, f"autoconfig.{domain}", f"autodiscover.{domain}")
    cert_pem, key_pem = root / "web-cert.pem", root / "web-key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    web = WebPlace(
        root=str(web_root),
        certificate=str(cert_pem),
        key=str(key_pem),
        https_port=free_port(),
        http_port=free_port(),
        include_dir=str(snippets),
        listen_address="127.0.0.1",
    )
    files = build_kit(KitTarget(provider, domain, web))
    # Each file where the README says it goes.
    write_kit(web_root, [f for f in files if f.name.endswith(".xml")])
    write_kit(snippets, [f for f in files if f.name == LOCATIONS_FILE])
    write_kit(conf_d, [f for f in files if f.name == SERVER_FILE])
    for folder in (web_root, snippets, conf_d):
        folder.chmod(0o755)
    zone = next(f.data for f in files if f.name == ZONE_FILE).decode()
    options = zone_to_dnsmasq(zone, domain)
    options += [f"--host-record={name},{ip}" for name, ip in host_ips.items()]
    dns_server = DnsServer(root / "dns", {}, local_zones=(domain,), options=options)
    dns_server.port = free_udp_and_tcp_port()
    dns_server.start()
    nginx = KitNginx(
        root / "nginx",
        conf_d / SERVER_FILE,
        snippets / LOCATIONS_FILE,
        domain,
        cert_pem,
        key_pem,
        web.https_port,
        web.http_port,
    )
    try:
        nginx.start()
    except BaseException:
        dns_server.stop()
        raise
    return KitSite(domain, files, nginx, dns_server, ca)


def published_site(
    ca: trustme.CA, provider: Provider, domain: str, mail_host: str, *, prefix: str
) -> Iterator[KitSite]:
    """A module fixture's body: the kit for ``provider`` published on loopback, then removed.

    Skips (fails under CI=true) without nginx or dnsmasq. The site is not under pytest's 0700
    basetemp: nginx's workers (nobody) read the web root.
    """
    from tests.conftest import IN_CI
    from tests.support.dns_server import dnsmasq_available
    from tests.support.kit_nginx import nginx_available

    for missing, what in ((not nginx_available(), "nginx"), (not dnsmasq_available(), "dnsmasq")):
        if missing:
            reason = f"{what} is not installed; see tests/run_all.sh"
            if IN_CI:
                pytest.fail(f"CI=true but {reason}", pytrace=False)
            pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    hosts = {domain: "127.0.0.1", mail_host: "127.0.0.1"}
    published = publish_kit(root / "site", provider, domain, ca, hosts)
    yield published
    published.stop()
    shutil.rmtree(root, ignore_errors=True)
