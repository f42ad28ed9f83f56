"""The kit's files say exactly what the provider file says, in the form each reader expects:
Thunderbird's autoconfig reader, Outlook's and Thunderbird's Autodiscover readers, a zone-file
parser, Apple's profile keys; and writing them never goes through a symbolic link."""

from __future__ import annotations

import plistlib
from pathlib import Path

import defusedxml.ElementTree as SafeET
import dns.rdatatype
import dns.zone
import pytest

from wizard.kit.autoconfig import autoconfig_xml
from wizard.kit.autodiscover import OUTLOOK_NS, autodiscover_xml
from wizard.kit.build import KitError, build_kit, write_kit
from wizard.kit.model import KitFile, KitTarget
from wizard.kit.profile import domain_profile
from wizard.kit.zone import zone_text
from wizard.provider import Provider, parse_provider
from wizard.services import Security


def provider(
    *,
    imap: tuple[int, str] = (993, "SSL"),
    smtp: tuple[int, str] = (587, "STARTTLS"),
    alt: tuple[int, str] | None = (465, "SSL"),
    username: str = "%EMAILADDRESS%",
) -> Provider:
    def server(tag: str, port: int, socket: str) -> str:
        return (
            f"<{tag}><hostname>mail.example.org</hostname><port>{port}</port>"
            f"<socketType>{socket}</socketType><username>{username}</username>"
            f"<authentication>password-cleartext</authentication></{tag.split()[0]}>"
        )

    alt_xml = server('outgoingServer type="smtp"', *alt) if alt else ""
    xml = f"""<clientConfig version="1.1"><emailProvider id="example.org">
      <domain>example.org</domain><domain>example.net</domain>
      <displayName>Example Mail</displayName>
      {server('incomingServer type="imap"', *imap)}
      {server('outgoingServer type="smtp"', *smtp)}{alt_xml}
      {server("manageSieveServer", 4190, "STARTTLS")}
      <branding><organization>Example</organization></branding>
    </emailProvider></clientConfig>"""
    return parse_provider(xml.encode())


def target(p: Provider | None = None, domain: str = "example.org") -> KitTarget:
    return KitTarget(p or provider(), domain)


# Thunderbird's readFromXML accepts these values and no others (comm-central,
# mail/components/accountcreation/modules/readFromXML.sys.mjs).
TB_SOCKET_TYPES = {"plain", "SSL", "STARTTLS"}
TB_INCOMING_AUTH = {"password-cleartext", "plain", "password-encrypted", "secure", "GSSAPI"}
TB_INCOMING_AUTH |= {"NTLM", "OAuth2"}


def test_autoconfig_reads_back_as_the_same_servers_through_the_provider_parser() -> None:
    p = provider()
    again = parse_provider(autoconfig_xml(target(p)))
    assert (again.imap, again.smtp, again.sieve) == (p.imap, p.smtp, p.sieve)
    assert again.smtp_alternatives == p.smtp_alternatives
    assert again.domains[0] == "example.org"


def test_autoconfig_meets_what_thunderbirds_reader_demands() -> None:
    root = SafeET.fromstring(autoconfig_xml(target()))
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    ep = root.find("emailProvider")
    assert ep is not None and ep.get("id") == "example.org"  # a host name, as TB sanitises it
    assert [d.text for d in ep.findall("domain")] == ["example.org", "example.net"]
    servers = ep.findall("incomingServer") + ep.findall("outgoingServer")
    assert len(servers) == 3
    for server in servers:
        assert server.get("type") in ("imap", "smtp")
        assert 1 <= int(server.findtext("port") or "0") <= 65535
        assert server.findtext("socketType") in TB_SOCKET_TYPES
        assert server.findtext("username") == "%EMAILADDRESS%"
        assert server.findtext("authentication") in TB_INCOMING_AUTH
    assert ep.find("branding") is None  # IT's private extensions stay out of the public file


def _outlook_protocols(data: bytes) -> list[dict[str, str]]:
    root = SafeET.fromstring(data)
    ns = "{" + OUTLOOK_NS + "}"
    assert (
        root.tag
        == "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover"
    )
    account = root.find(f"{ns}Response/{ns}Account")
    assert account is not None
    assert account.findtext(f"{ns}AccountType") == "email"
    assert account.findtext(f"{ns}Action") == "settings"
    return [
        {child.tag.removeprefix(ns): child.text or "" for child in protocol}
        for protocol in account.findall(f"{ns}Protocol")
    ]


def outlook_security(protocol: dict[str, str]) -> Security:
    """What Outlook concludes: Encryption, when present, overrides SSL (None/SSL/TLS/Auto)."""
    encryption = protocol.get("Encryption")
    if encryption is not None:
        return {"None": Security.PLAIN, "SSL": Security.TLS, "TLS": Security.STARTTLS}[encryption]
    return Security.TLS if protocol.get("SSL", "on") == "on" else Security.PLAIN


def thunderbird_security(protocol: dict[str, str]) -> Security:
    """What Thunderbird's ExchangeAutoDiscover reader concludes (it ignores TLS vs SSL and
    guesses from the port)."""
    if protocol.get("SSL", "").lower() == "off" or protocol.get("Encryption", "").lower() == "none":
        return Security.PLAIN
    return Security.STARTTLS if protocol["Port"] in ("143", "110", "25", "587") else Security.TLS


@pytest.mark.parametrize(
    ("imap", "smtp", "expected"),
    [
        ((993, "SSL"), (587, "STARTTLS"), [("993", "on", "SSL"), ("587", "on", "TLS")]),
        ((143, "STARTTLS"), (465, "SSL"), [("143", "on", "TLS"), ("465", "on", "SSL")]),
        ((143, "plain"), (25, "plain"), [("143", "off", "None"), ("25", "off", "None")]),
    ],
)
def test_autodiscover_says_starttls_as_encryption_tls_not_ssl_on_alone(
    imap: tuple[int, str], smtp: tuple[int, str], expected: list[tuple[str, str, str]]
) -> None:
    p = provider(imap=imap, smtp=smtp, alt=None)
    protocols = _outlook_protocols(autodiscover_xml(target(p)))
    assert [(x["Port"], x["SSL"], x["Encryption"]) for x in protocols] == expected
    for protocol, server in zip(protocols, (p.imap, p.smtp), strict=True):
        assert protocol["Server"] == server.hostname
        assert outlook_security(protocol) is server.security
        assert thunderbird_security(protocol) is server.security
        assert protocol["SPA"] == "off"  # a password inside TLS is not NTLM/Kerberos
        assert "LoginName" not in protocol  # the address is the login: nothing per person


def test_zone_lines_parse_as_a_zone_and_rank_implicit_tls_alternatives() -> None:
    text = zone_text(target())
    zone = dns.zone.from_text(text, origin="example.org", relativize=False, check_origin=False)

    def srv(name: str) -> list[tuple[int, int, str]]:
        rdataset = zone.find_rdataset(name, dns.rdatatype.SRV)
        return sorted((r.priority, r.port, r.target.to_text()) for r in rdataset)

    assert srv("_imaps._tcp.example.org.") == [(0, 993, "mail.example.org.")]
    assert srv("_imap._tcp.example.org.") == [(0, 0, ".")]
    assert srv("_submission._tcp.example.org.") == [(0, 587, "mail.example.org.")]
    assert srv("_submissions._tcp.example.org.") == [(10, 465, "mail.example.org.")]
    assert srv("_sieve._tcp.example.org.") == [(0, 4190, "mail.example.org.")]
    assert srv("_pop3s._tcp.example.org.") == [(0, 0, ".")]
    assert srv("_autodiscover._tcp.example.org.") == [(0, 443, "autodiscover.example.org.")]
    cname = zone.find_rdataset("autoconfig.example.org.", dns.rdatatype.CNAME)
    assert [r.target.to_text() for r in cname] == ["example.org."]


def test_profile_for_the_domain_names_no_person_and_holds_no_password() -> None:
    profile = domain_profile(target())
    plistlib.loads(plistlib.dumps(profile))  # a valid property list
    [mail] = profile["PayloadContent"]
    assert mail["IncomingMailServerHostName"] == "mail.example.org"
    assert mail["OutgoingMailServerPortNumber"] == 587
    for key in ("EmailAddress", "IncomingMailServerUsername", "IncomingPassword"):
        assert key not in mail
    assert domain_profile(target())["PayloadUUID"] == profile["PayloadUUID"]  # stable


def test_kit_for_a_domain_the_provider_does_not_cover_is_refused() -> None:
    with pytest.raises(KitError, match="does not cover other.example"):
        build_kit(target(domain="other.example"))


def test_readme_warns_when_the_login_is_not_the_full_address() -> None:
    files = {f.name: f.data for f in build_kit(target(provider(username="%EMAILLOCALPART%")))}
    assert b"NOT the full email address" in files["README.txt"]
    assert b"audit example.org" in files["README.txt"]


def test_writing_backs_up_a_changed_file_and_replaces_it(tmp_path: Path) -> None:
    write_kit(tmp_path, [KitFile("a.xml", b"old", "")])
    write_kit(tmp_path, [KitFile("a.xml", b"new", "")])
    assert (tmp_path / "a.xml").read_bytes() == b"new"
    assert (tmp_path / "a.xml.bak").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "a.xml.bak"]


def test_writing_never_follows_a_symbolic_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"keep")
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "a.xml").symlink_to(elsewhere)
    with pytest.raises(KitError, match="symbolic link"):
        write_kit(kit, [KitFile("a.xml", b"new", "")])
    assert elsewhere.read_bytes() == b"keep"
    (tmp_path / "linked").symlink_to(kit)
    with pytest.raises(KitError, match="symbolic link"):
        write_kit(tmp_path / "linked", [KitFile("b.xml", b"new", "")])
