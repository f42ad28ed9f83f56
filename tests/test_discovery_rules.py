"""The trust rules and document readers of discovery, on their own (no network)."""

from __future__ import annotations

import pytest

from wizard.discovery.autoconfig import document_trust
from wizard.discovery.autodiscover import AutodiscoverError, parse_autodiscover
from wizard.discovery.http import HttpAnswer
from wizard.discovery.model import visible
from wizard.discovery.srv import srv_trust
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin

ORIGIN = SettingsOrigin(OriginKind.AUTODISCOVER, "https://x", True)


def test_srv_target_inside_the_domain_is_trusted():
    assert srv_trust("mail.example.org", "example.org", dnssec=False)[0]


def test_srv_target_elsewhere_needs_dnssec():
    trusted, why = srv_trust("mail.hoster.net", "example.org", dnssec=False)
    assert not trusted and "hoster.net" in why
    trusted, why = srv_trust("mail.hoster.net", "example.org", dnssec=True)
    assert trusted and "DNSSEC" in why


def test_srv_target_in_a_lookalike_domain_is_not_inside():
    # example.org.evil.net ends in "example.org" only as text.
    assert not srv_trust("example.org.evil.net", "example.org", dnssec=False)[0]


def _answer(*chain: str) -> HttpAnswer:
    return HttpAnswer(url=chain[-1], status=200, body=b"", chain=chain)


def test_https_document_in_the_domain_is_trusted():
    trusted, _ = document_trust(_answer("https://autoconfig.example.org/x"), "example.org", True)
    assert trusted


def test_plain_http_anywhere_in_the_chain_is_untrusted():
    answer = _answer("http://autoconfig.example.org/x", "https://autoconfig.example.org/x")
    trusted, why = document_trust(answer, "example.org", True)
    assert not trusted and "plain HTTP" in why


def test_a_redirect_to_another_registrable_domain_is_untrusted_and_named():
    answer = _answer("https://autoconfig.example.org/x", "https://config.provider.co.uk/x")
    trusted, why = document_trust(answer, "example.org", True)
    assert not trusted and "provider.co.uk" in why


def _pox(imap: str, smtp: str) -> bytes:
    return f"""<?xml version="1.0"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
<Account><AccountType>email</AccountType><Action>settings</Action>
<Protocol><Type>IMAP</Type><Server>imap.example.org</Server>{imap}</Protocol>
<Protocol><Type>SMTP</Type><Server>smtp.example.org</Server>{smtp}</Protocol>
</Account></Response></Autodiscover>""".encode()


@pytest.mark.parametrize(
    "smtp, security",
    [
        ("<Port>587</Port><SSL>on</SSL><Encryption>TLS</Encryption>", Security.STARTTLS),
        ("<Port>587</Port><SSL>on</SSL>", Security.STARTTLS),
        ("<Port>465</Port><SSL>on</SSL>", Security.TLS),
        ("<Port>465</Port><SSL>off</SSL><Encryption>SSL</Encryption>", Security.TLS),
        ("<Port>587</Port><SSL>off</SSL>", Security.PLAIN),
        ("<Port>587</Port><Encryption>None</Encryption>", Security.PLAIN),
    ],
)
def test_autodiscover_encryption_overrides_ssl(smtp: str, security: Security):
    found = parse_autodiscover(_pox("<Port>993</Port><SSL>on</SSL>", smtp), "a@example.org", ORIGIN)
    assert found.smtp.security is security
    assert found.imap.security is Security.TLS and found.imap.username == "a@example.org"


def test_autodiscover_login_name_is_used():
    imap = "<Port>993</Port><SSL>on</SSL><LoginName>a.login</LoginName>"
    found = parse_autodiscover(_pox(imap, "<Port>587</Port>"), "a@example.org", ORIGIN)
    assert found.imap.username == "a.login" and found.imap.service is Service.IMAP


@pytest.mark.parametrize(
    "data, words",
    [
        (
            b"<Autodiscover><Response><Error><Message>No such user</Message></Error>"
            b"</Response></Autodiscover>",
            "No such user",
        ),
        (b"<html>not it</html>", "<html>"),
        (b"<Autodiscover", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Autodiscover>&a;</Autodiscover>', "not well-formed"),
    ],
)
def test_unusable_autodiscover_answers_say_why(data: bytes, words: str):
    with pytest.raises(AutodiscoverError, match=words):
        parse_autodiscover(data, "a@example.org", ORIGIN)


def test_server_text_is_shown_with_control_characters_escaped():
    assert visible("ok\x1b[31m\r\nX") == "ok\\x1b[31m\\r\\nX"


def test_autodiscover_redirects_are_recognised():
    from wizard.discovery.autodiscover import AutodiscoverRedirect

    ns = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
    url_answer = (
        f'<Autodiscover><Response xmlns="{ns}"><Account><Action>redirectUrl</Action>'
        "<RedirectUrl>https://ad.example.org/autodiscover/autodiscover.xml</RedirectUrl>"
        "</Account></Response></Autodiscover>"
    ).encode()
    with pytest.raises(AutodiscoverRedirect) as caught:
        parse_autodiscover(url_answer, "a@example.org", ORIGIN)
    assert caught.value.url == "https://ad.example.org/autodiscover/autodiscover.xml"
    addr_answer = url_answer.replace(b"redirectUrl</Action>", b"redirectAddr</Action>").replace(
        b"RedirectUrl>https://ad.example.org/autodiscover/autodiscover.xml</RedirectUrl",
        b"RedirectAddr>b@example.net</RedirectAddr",
    )
    with pytest.raises(AutodiscoverRedirect) as caught:
        parse_autodiscover(addr_answer, "a@example.org", ORIGIN)
    assert caught.value.address == "b@example.net" and not caught.value.url


def test_the_systems_resolver_is_waited_for_only_within_the_bound(monkeypatch):
    import socket
    import time

    from wizard.discovery.net import LookupTimeout, Network

    def hanging(*args, **kwargs):
        time.sleep(2)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    t0 = time.monotonic()
    with pytest.raises(LookupTimeout):
        Network(op_timeout=0.2).addresses("mail.example.org", 993)
    assert time.monotonic() - t0 < 0.5


def test_a_name_the_systems_resolver_does_not_know_is_no_such_name(monkeypatch):
    import socket

    from wizard.discovery.net import NameNotFound, Network

    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(NameNotFound, match="mail.example.org"):
        Network(op_timeout=0.5).addresses("mail.example.org", 993)


def test_found_settings_drive_the_configuration_profile_unchanged():
    from wizard.discovery.model import DiscoveryResult, FoundServer, FoundSettings
    from wizard.mobileconfig import build_profile

    origin = SettingsOrigin(OriginKind.ISPDB, "https://ispdb.example/v1.1/example.org", True)

    def server(service: Service, host: str, port: int, security: Security) -> FoundServer:
        return FoundServer(service, host, port, security, "ann", "password-cleartext", origin)

    result = DiscoveryResult(
        "ann@example.org",
        "example.org",
        FoundSettings(
            server(Service.IMAP, "imap.example.org", 993, Security.TLS),
            server(Service.SMTP, "smtp.example.org", 587, Security.STARTTLS),
        ),
        (),
        12.0,
    )
    provider = result.to_provider()
    assert provider.sieve is None
    mail = build_profile(provider, "ann@example.org", "Ann")["PayloadContent"][0]
    assert mail["IncomingMailServerHostName"] == "imap.example.org"
    assert mail["IncomingMailServerUsername"] == "ann"  # the login the source gave
    assert mail["OutgoingMailServerPortNumber"] == 587
