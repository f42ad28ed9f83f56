"""What the kit is built for and what it is made of, shared by every file kind."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.provider import Provider
from wizard.trust import normalise_host

# Where the snippets expect the kit's files and the web server's certificate. IT changes them
# in the snippet if their server keeps things elsewhere; tests build the kit with their own.
DEFAULT_WEB_ROOT = "/var/www/mail-kit"
AUTOCONFIG_FILE = "config-v1.1.xml"
AUTODISCOVER_FILE = "autodiscover.xml"


@dataclass(frozen=True)
class WebPlace:
    """The web server that serves the kit: its folder, certificate and ports."""

    root: str = DEFAULT_WEB_ROOT
    certificate: str = ""  # empty: the usual Let's Encrypt path for the names
    key: str = ""
    https_port: int = 443
    http_port: int = 80
    # Where the web server's own configuration includes the kit's snippet from; empty: the
    # server's usual place (nginx: /etc/nginx/snippets).
    include_dir: str = ""
    # One address to listen on (tests: 127.0.0.1); empty: every IPv4 and IPv6 address.
    listen_address: str = ""

    def listens(self, port: int) -> tuple[str, ...]:
        """The nginx ``listen`` targets for a port."""
        if self.listen_address:
            return (f"{self.listen_address}:{port}",)
        return (str(port), f"[::]:{port}")

    def certificate_for(self, domain: str) -> str:
        return self.certificate or f"/etc/letsencrypt/live/autoconfig.{domain}/fullchain.pem"

    def key_for(self, domain: str) -> str:
        return self.key or f"/etc/letsencrypt/live/autoconfig.{domain}/privkey.pem"


@dataclass(frozen=True)
class KitTarget:
    """One domain's kit: the provider's settings, the domain, and where the web files live.

    ``web_host`` is the host that answers for ``autoconfig.<domain>`` and
    ``autodiscover.<domain>``; by default the domain itself, whose web server must serve
    ``/.well-known/autoconfig/…`` anyway, so one server and one certificate do it all.
    """

    provider: Provider
    domain: str
    web: WebPlace = field(default_factory=WebPlace)
    web_host: str = ""

    @property
    def name(self) -> str:
        return normalise_host(self.domain)

    @property
    def serving_host(self) -> str:
        return normalise_host(self.web_host or self.domain)

    @property
    def web_names(self) -> tuple[str, str, str]:
        """The three names the web server answers for (and its certificate must cover)."""
        return (self.name, f"autoconfig.{self.name}", f"autodiscover.{self.name}")


@dataclass(frozen=True)
class KitFile:
    """One generated file: its name in the kit folder, its bytes and one line on what it is."""

    name: str
    data: bytes
    what: str
