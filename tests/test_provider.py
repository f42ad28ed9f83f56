"""Reading the provider file: Sepheo's built-in one, another organisation's, and broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.provider import ProviderError, load_default_provider, parse_provider
from wizard.services import Security, Service


def test_builtin_provider_is_sepheo_on_cloudron():
    p = load_default_provider()
    assert p.domains == ("sepheo.co",)
    assert (p.imap.hostname, p.imap.port, p.imap.security) == ("my.sepheo.co", 993, Security.TLS)
    assert (p.smtp.hostname, p.smtp.port, p.smtp.security) == (
        "my.sepheo.co",
        587,
        Security.STARTTLS,
    )
    assert p.sieve is not None
    assert (p.sieve.port, p.sieve.security) == (4190, Security.STARTTLS)
    assert p.imap.username_for("joe.bloggs@sepheo.co") == "joe.bloggs@sepheo.co"
    assert p.branding.account_page == "https://my.sepheo.co"
    assert p.branding.support_email


def _doc(inner: str, sieve: str = "") -> bytes:
    return f"""<clientConfig version="1.1"><emailProvider id="example.org">
      <domain>example.org</domain><domain>example.net</domain>
      <displayName>Example Mail</displayName>
      {inner}{sieve}</emailProvider></clientConfig>""".encode()


IMAP = """<incomingServer type="imap"><hostname>mail.example.org</hostname><port>143</port>
  <socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username>
  <authentication>password-cleartext</authentication></incomingServer>"""
SMTP = """<outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>587</port>
  <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></outgoingServer>
  <outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>465</port>
  <socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>"""


def test_another_organisations_file_needs_no_code_change():
    p = parse_provider(_doc(IMAP + SMTP))
    assert p.imap.hostname == "mail.example.org" and p.imap.security is Security.STARTTLS
    assert p.imap.username_for("ann@example.org") == "ann"
    assert p.smtp.port == 587 and [a.port for a in p.smtp_alternatives] == [465]
    assert p.sieve is None  # no <manageSieveServer>, no Sieve check
    assert [s.service for s in p.servers] == [Service.IMAP, Service.SMTP]
    assert p.matches_domain("x@EXAMPLE.net") and not p.matches_domain("x@example.com")
    assert p.branding.organization == "Example Mail"


def test_pop3_before_imap_is_skipped_for_the_imap_entry():
    pop = """<incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port>
      <socketType>SSL</socketType></incomingServer>"""
    assert parse_provider(_doc(pop + IMAP + SMTP)).imap.hostname == "mail.example.org"


@pytest.mark.parametrize(
    "data, named",
    [
        (b"<clientConfig><emailProvider>", "not well-formed"),
        (b"<other/>", "<clientConfig>"),
        (b"<clientConfig/>", "<emailProvider>"),
        (_doc(SMTP), '<incomingServer type="imap">'),
        (_doc(IMAP), '<outgoingServer type="smtp">'),
        (_doc(IMAP.replace("<port>143</port>", "<port>imap</port>") + SMTP), "<port>"),
        (_doc(IMAP.replace("<port>143</port>", "") + SMTP), "<port>"),
        (_doc(IMAP.replace("STARTTLS", "TLS1.3") + SMTP), "<socketType>"),
        (_doc(IMAP.replace("mail.example.org", "") + SMTP), "<hostname>"),
        (
            _doc(IMAP + SMTP, "<manageSieveServer><hostname>x</hostname></manageSieveServer>"),
            "<manageSieveServer>",
        ),
    ],
)
def test_broken_file_gives_a_message_naming_the_element(data, named):
    with pytest.raises(ProviderError) as exc:
        parse_provider(data, source=Path("it.xml"))
    assert named in str(exc.value)
    assert "it.xml" in str(exc.value)


def test_entity_expansion_attack_is_refused():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>
    <clientConfig>&b;</clientConfig>"""
    with pytest.raises(ProviderError, match="unsafe XML"):
        parse_provider(bomb)


# -- real-world autoconfig files (what discovery reads) ------------------------------------------


def test_automx2s_plain_authentication_is_thunderbirds_password_cleartext():
    automx2_imap = IMAP.replace("password-cleartext", "plain")
    p = parse_provider(_doc(automx2_imap + SMTP))
    assert p.imap.authentication == "password-cleartext"


def test_the_first_of_several_authentication_methods_is_taken():
    imap = IMAP.replace(
        "<authentication>password-cleartext</authentication>",
        "<authentication>OAuth2</authentication><authentication>password-cleartext"
        "</authentication>",
    )
    assert parse_provider(_doc(imap + SMTP)).imap.authentication == "OAuth2"


def test_several_imap_servers_take_the_first_in_the_providers_order():
    second = IMAP.replace("mail.example.org", "imap2.example.org")
    assert parse_provider(_doc(IMAP + second + SMTP)).imap.hostname == "mail.example.org"


def test_a_pop_only_provider_is_reported_as_such():
    from wizard.provider import PopOnlyProvider

    pop = """<incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port>
      <socketType>SSL</socketType></incomingServer>"""
    with pytest.raises(PopOnlyProvider, match="only POP3") as caught:
        parse_provider(_doc(pop + SMTP))
    assert caught.value.pop_servers == ("pop.example.org:995",)


def test_a_document_without_display_name_is_named_by_its_domain():
    doc = _doc(IMAP + SMTP).replace(b"<displayName>Example Mail</displayName>", b"")
    assert parse_provider(doc).display_name == "example.org"


def test_emaillocalpart_is_expanded_for_the_login():
    p = parse_provider(_doc(IMAP + SMTP))
    assert p.imap.username_for("ann.lee@example.org") == "ann.lee"
    assert p.smtp.username_for("ann.lee@example.org") == "ann.lee@example.org"
