"""Provider settings: which servers to check and configure, read from a Mozilla autoconfig file.

The file is the very ``clientConfig`` 1.1 document IT can publish for Thunderbird's own
discovery, plus extensions Thunderbird ignores: ``<manageSieveServer>`` (same children as
``<incomingServer>``), ``<branding>`` (organisation name, logo, support address, account page),
``<serverLogs>`` (where IT finds each server's log, for the report's hints) and ``<blocklists>``
(the DNS blocklists the report looks the public address up on).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from wizard.errors import WizardError
from wizard.provider_logo import LogoError, logo_path
from wizard.resources import override_provider_candidates, resource_path
from wizard.servers import BY_KEY
from wizard.services import Security, Service

BUILTIN_PROVIDER_NAME = "provider.xml"
# Looked up when the provider file has no <blocklists>; an empty <blocklists/> means none.
DEFAULT_BLOCKLIST_ZONES = ("zen.spamhaus.org",)
# A real provider file is a few kilobytes (the logo is a separate file). The cap keeps a
# hostile or mistaken file (a log, a disk image) from being read into memory and parsed.
MAX_PROVIDER_BYTES = 1_000_000


class ProviderError(WizardError, ValueError):
    """The provider file cannot be used; the message names the file and the element."""


class PopOnlyProvider(ProviderError):
    """The document offers POP3 but no IMAP: real, but not what this app sets up."""

    def __init__(self, message: str, pop_servers: tuple[str, ...]) -> None:
        super().__init__(message)
        self.pop_servers = pop_servers


# Thunderbird's own names for the password methods (accountConfig.js reads the same aliases):
# automx2 and older files write "plain" and "secure" for the cleartext and CRAM-MD5 methods.
_AUTHENTICATION_ALIASES = {"plain": "password-cleartext", "secure": "password-encrypted"}


@dataclass(frozen=True)
class ServerSettings:
    service: Service
    hostname: str
    port: int
    security: Security
    username_template: str = "%EMAILADDRESS%"
    authentication: str = "password-cleartext"

    def username_for(self, address: str) -> str:
        """The login to use for ``address``, expanding the autoconfig placeholders."""
        local, _, domain = address.partition("@")
        return (
            self.username_template.replace("%EMAILADDRESS%", address)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain)
        )

    @property
    def login_is_full_address(self) -> bool:
        return self.username_template.strip() == "%EMAILADDRESS%"


@dataclass(frozen=True)
class Branding:
    organization: str
    logo: Path | None = None
    support_email: str | None = None
    account_page: str | None = None
    account_page_name: str | None = None


@dataclass(frozen=True)
class ServerLog:
    """Where a server's log is: a path or the command that shows it, as IT wrote it."""

    where: str
    service: Service | None = None  # None: every service
    product: str | None = None  # a key of wizard.servers.BY_KEY; None: whatever answers

    def applies(self, service: Service, product: str | None) -> bool:
        """For this service, and for the product the server named (when the entry names one).

        An entry for one product is not used when the server names another: the log it points
        at would be the wrong server's.
        """
        if self.service is not None and self.service is not service:
            return False
        return self.product is None or product is None or self.product == product


@dataclass(frozen=True)
class Provider:
    id: str
    domains: tuple[str, ...]
    display_name: str
    short_name: str
    imap: ServerSettings
    smtp: ServerSettings
    sieve: ServerSettings | None
    branding: Branding
    # Further <outgoingServer> entries (e.g. 465 SSL), used to advise when 587 is blocked.
    smtp_alternatives: tuple[ServerSettings, ...] = ()
    source: Path | None = None
    documentation: str | None = field(default=None)
    server_logs: tuple[ServerLog, ...] = ()
    blocklist_zones: tuple[str, ...] = DEFAULT_BLOCKLIST_ZONES

    @property
    def servers(self) -> tuple[ServerSettings, ...]:
        return (self.imap, self.smtp) + ((self.sieve,) if self.sieve else ())

    def server(self, service: Service) -> ServerSettings | None:
        servers = {Service.IMAP: self.imap, Service.SMTP: self.smtp, Service.SIEVE: self.sieve}
        return servers.get(service)

    def server_log(self, service: Service, product: str | None) -> ServerLog | None:
        """The first <log> entry for this service and product (a named product first)."""
        entries = [e for e in self.server_logs if e.applies(service, product)]
        entries.sort(key=lambda e: (e.product is None, e.service is None))
        return entries[0] if entries else None

    def matches_domain(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return domain in (d.lower() for d in self.domains)


def _text(parent: Element, tag: str, where: str, *, required: bool = True) -> str | None:
    node = parent.find(tag)
    if node is None or not (node.text or "").strip():
        if required:
            raise ProviderError(f"{where}: <{tag}> is missing or empty")
        return None
    return (node.text or "").strip()


def _server(node: Element, service: Service, where: str) -> ServerSettings:
    hostname = _text(node, "hostname", where)
    port_text = _text(node, "port", where)
    socket_text = _text(node, "socketType", where)
    assert hostname and port_text and socket_text  # required=True guarantees them
    try:
        port = int(port_text)
    except ValueError:
        raise ProviderError(f"{where}: <port> must be a number, not {port_text!r}") from None
    if not 0 < port < 65536:
        raise ProviderError(f"{where}: <port> {port} is out of range")
    try:
        security = Security.from_socket_type(socket_text)
    except ValueError:
        raise ProviderError(
            f"{where}: <socketType> must be SSL, STARTTLS or plain, not {socket_text!r}"
        ) from None
    if any(c.isspace() for c in hostname) or "/" in hostname:
        raise ProviderError(f"{where}: <hostname> {hostname!r} is not a host name")
    return ServerSettings(
        service=service,
        hostname=hostname,
        port=port,
        security=security,
        username_template=_text(node, "username", where, required=False) or "%EMAILADDRESS%",
        authentication=_authentication(node),
    )


def _authentication(node: Element) -> str:
    """The first password method named (several <authentication> are the provider's order)."""
    for entry in node.findall("authentication"):
        word = (entry.text or "").strip()
        if word:
            return _AUTHENTICATION_ALIASES.get(word.lower(), word)
    return "password-cleartext"


def parse_provider(data: bytes, source: Path | None = None) -> Provider:
    """Parse an autoconfig document; raise ProviderError naming what is wrong."""
    name = str(source) if source else "provider file"
    if len(data) > MAX_PROVIDER_BYTES:
        raise ProviderError(_too_large(name, len(data)))
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ProviderError(f"{name}: refused unsafe XML ({exc.__class__.__name__})") from None
    except SafeET.ParseError as exc:
        raise ProviderError(f"{name}: not well-formed XML ({exc})") from None
    if root.tag != "clientConfig":
        raise ProviderError(f"{name}: the root element must be <clientConfig>, not <{root.tag}>")
    ep = root.find("emailProvider")
    if ep is None:
        raise ProviderError(f"{name}: <clientConfig> has no <emailProvider>")
    where = f"{name}: <emailProvider>"
    domains = tuple((d.text or "").strip().lower() for d in ep.findall("domain") if d.text)
    if not domains:
        raise ProviderError(f"{where} has no <domain>")
    # Real-world files (the ISPDB's, automx2's) sometimes leave the names out: the domain then.
    display_name = _text(ep, "displayName", where, required=False) or domains[0]
    short_name = _text(ep, "displayShortName", where, required=False) or display_name

    incoming = ep.findall("incomingServer")
    imap_nodes = [n for n in incoming if n.get("type") == "imap"]
    if not imap_nodes:
        pop = tuple(
            f"{_text(n, 'hostname', where, required=False) or '?'}"
            f":{_text(n, 'port', where, required=False) or '?'}"
            for n in incoming
            if n.get("type") == "pop3"
        )
        if pop:
            raise PopOnlyProvider(
                f"{where} offers only POP3 ({', '.join(pop)}), no IMAP; this app sets up IMAP",
                pop,
            )
        raise ProviderError(f'{where} has no <incomingServer type="imap">')
    imap = _server(imap_nodes[0], Service.IMAP, f'{name}: <incomingServer type="imap">')
    smtp_nodes = [n for n in ep.findall("outgoingServer") if n.get("type") == "smtp"]
    if not smtp_nodes:
        raise ProviderError(f'{where} has no <outgoingServer type="smtp">')
    smtps = [_server(n, Service.SMTP, f'{name}: <outgoingServer type="smtp">') for n in smtp_nodes]
    sieve_node = ep.find("manageSieveServer")
    sieve = (
        _server(sieve_node, Service.SIEVE, f"{name}: <manageSieveServer>")
        if sieve_node is not None
        else None
    )

    branding_node = ep.find("branding")
    if branding_node is not None:
        bwhere = f"{name}: <branding>"
        logo_text = _text(branding_node, "logo", bwhere, required=False)
        logo = None
        if logo_text:
            base = source.parent if source else resource_path("")
            try:
                logo = logo_path(logo_text, base)
            except LogoError as exc:
                raise ProviderError(f"{bwhere}: <logo> {exc}") from None
        branding = Branding(
            organization=_text(branding_node, "organization", bwhere, required=False) or short_name,
            logo=logo,
            support_email=_text(branding_node, "supportEmail", bwhere, required=False),
            account_page=_text(branding_node, "accountPage", bwhere, required=False),
            account_page_name=_text(branding_node, "accountPageName", bwhere, required=False),
        )
    else:
        branding = Branding(organization=short_name)
    server_logs = _server_logs(ep.find("serverLogs"), f"{name}: <serverLogs>")
    blocklist_node = ep.find("blocklists")
    zones = (
        _blocklist_zones(blocklist_node, f"{name}: <blocklists>")
        if blocklist_node is not None
        else DEFAULT_BLOCKLIST_ZONES
    )
    doc = ep.find("documentation")
    documentation = doc.get("url") if doc is not None else None

    return Provider(
        id=ep.get("id") or domains[0],
        domains=domains,
        display_name=display_name,
        short_name=short_name,
        imap=imap,
        smtp=smtps[0],
        sieve=sieve,
        branding=branding,
        smtp_alternatives=tuple(smtps[1:]),
        source=source,
        documentation=documentation,
        server_logs=server_logs,
        blocklist_zones=zones,
    )


def _server_logs(node: Element | None, where: str) -> tuple[ServerLog, ...]:
    if node is None:
        return ()
    logs = []
    for entry in node.findall("log"):
        text = (entry.text or "").strip()
        if not text:
            raise ProviderError(f"{where}: a <log> is empty (give a path or a command)")
        service_text = (entry.get("service") or "").strip().lower()
        service = None
        if service_text:
            try:
                service = Service(service_text)
                if service is Service.ROUNDTRIP:
                    raise ValueError(service_text)
            except ValueError:
                raise ProviderError(
                    f'{where}: <log service="{service_text}"> must be imap, smtp or sieve'
                ) from None
        product = (entry.get("product") or "").strip().lower() or None
        if product is not None and product not in BY_KEY:
            raise ProviderError(
                f'{where}: <log product="{product}"> is not one of {", ".join(sorted(BY_KEY))}'
            )
        logs.append(ServerLog(" ".join(text.split()), service, product))
    return tuple(logs)


def _blocklist_zones(node: Element, where: str) -> tuple[str, ...]:
    zones = []
    for entry in node.findall("zone"):
        zone = (entry.text or "").strip().rstrip(".").lower()
        labels = zone.split(".")
        if len(labels) < 2 or not all(
            label and len(label) < 64 and all(c.isalnum() or c == "-" for c in label)
            for label in labels
        ):
            raise ProviderError(f"{where}: <zone> {zone!r} is not a DNS zone name")
        zones.append(zone)
    return tuple(dict.fromkeys(zones))


def _too_large(name: str, size: int) -> str:
    return (
        f"{name}: the file is too large ({size:,} bytes or more); a provider file is at most "
        f"{MAX_PROVIDER_BYTES:,} bytes"
    )


def load_provider(path: Path | str) -> Provider:
    p = Path(path)
    try:
        with p.open("rb") as f:
            # One byte past the cap is enough to know; a huge file is never read whole.
            data = f.read(MAX_PROVIDER_BYTES + 1)
    except OSError as exc:
        raise ProviderError(f"cannot read provider file {p}: {exc.strerror or exc}") from None
    if len(data) > MAX_PROVIDER_BYTES:
        raise ProviderError(_too_large(str(p.resolve()), len(data)))
    return parse_provider(data, source=p.resolve())


def default_provider_path() -> Path:
    """IT's override when present (administrators' places first), else the built-in file.

    How far the file found is trusted: ``wizard.provider_source``.
    """
    for candidate in override_provider_candidates():
        if candidate.is_file():
            return candidate
    return resource_path(BUILTIN_PROVIDER_NAME)


def load_default_provider() -> Provider:
    return load_provider(default_provider_path())


if __name__ == "__main__":  # pragma: no cover - handy for IT checking a file
    print(load_provider(sys.argv[1]) if len(sys.argv) > 1 else load_default_provider())
