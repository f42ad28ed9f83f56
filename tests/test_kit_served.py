"""The kit proves itself: a real nginx serves it with its own snippets, over HTTPS with the test
CA, and a real dnsmasq answers its zone lines; every URL and record a mail program asks gives
back the kit's own file or the provider's own servers."""

from __future__ import annotations

from collections.abc import Iterator

import defusedxml.ElementTree as SafeET
import pytest
import trustme

from tests.support.kit_site import KitSite, published_site
from wizard.kit.model import AUTOCONFIG_FILE, AUTODISCOVER_FILE
from wizard.provider import Provider, parse_provider

DOMAIN = "sepheo.co"
MAIL_HOST = "my.sepheo.co"
OUTLOOK_REQUEST = b"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>joe.bloggs@sepheo.co</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>"""


def _provider() -> Provider:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="{DOMAIN}">
    <domain>{DOMAIN}</domain>
    <displayName>Sepheo Mail</displayName>
    <incomingServer type="imap">
      <hostname>{MAIL_HOST}</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>{MAIL_HOST}</hostname><port>587</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
    <manageSieveServer>
      <hostname>{MAIL_HOST}</hostname><port>4190</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </manageSieveServer>
    <branding><organization>Sepheo</organization></branding>
  </emailProvider>
</clientConfig>"""
    return parse_provider(xml.encode())


@pytest.fixture(scope="module")
def site(test_ca: trustme.CA) -> Iterator[KitSite]:
    yield from published_site(test_ca, _provider(), DOMAIN, MAIL_HOST, prefix="wizard-kit-site-")


def test_autoconfig_answers_the_kits_file_at_both_thunderbird_urls(site: KitSite) -> None:
    port = site.nginx.https_port
    expected = site.file(AUTOCONFIG_FILE)
    for host, path in (
        (f"autoconfig.{DOMAIN}", "/mail/config-v1.1.xml?emailaddress=joe%40sepheo.co"),
        (f"autoconfig.{DOMAIN}", "/mail/config-v1.1.xml"),
        (DOMAIN, "/.well-known/autoconfig/mail/config-v1.1.xml"),
        (DOMAIN, "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=joe%40sepheo.co"),
    ):
        status, headers, body = site.request(host, path, port=port)
        assert (status, body) == (200, expected), (host, path)
        assert headers["Content-Type"].startswith("application/xml")


def test_autodiscover_answers_outlooks_post_at_both_https_urls(site: KitSite) -> None:
    port = site.nginx.https_port
    expected = site.file(AUTODISCOVER_FILE)
    for host, path in (
        (DOMAIN, "/autodiscover/autodiscover.xml"),
        (f"autodiscover.{DOMAIN}", "/Autodiscover/Autodiscover.xml"),
        (f"autodiscover.{DOMAIN}", "/autodiscover/autodiscover.xml"),
    ):
        status, _, body = site.request(host, path, port=port, method="POST", body=OUTLOOK_REQUEST)
        assert (status, body) == (200, expected), (host, path)
        root = SafeET.fromstring(body)
        ns = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
        protocols = root.findall(f"{ns}Response/{ns}Account/{ns}Protocol")
        assert [p.findtext(f"{ns}Type") for p in protocols] == ["IMAP", "SMTP"]


def test_plain_http_only_redirects_to_https(site: KitSite) -> None:
    for host in (f"autodiscover.{DOMAIN}", f"autoconfig.{DOMAIN}"):
        status, headers, body = site.request(
            host, "/autodiscover/autodiscover.xml", port=site.nginx.http_port, https=False
        )
        assert status == 302
        assert headers["Location"] == (
            f"https://{host}:{site.nginx.https_port}/autodiscover/autodiscover.xml"
        )
        assert b"<Protocol>" not in body


def test_other_paths_on_the_kits_names_are_not_found(site: KitSite) -> None:
    status, _, _ = site.request(f"autoconfig.{DOMAIN}", "/", port=site.nginx.https_port)
    assert status == 404


def test_srv_records_name_the_providers_servers_and_refuse_what_it_does_not_offer(
    site: KitSite,
) -> None:
    assert site.srv(f"_imaps._tcp.{DOMAIN}") == [(0, 1, 993, MAIL_HOST)]
    assert site.srv(f"_submission._tcp.{DOMAIN}") == [(0, 1, 587, MAIL_HOST)]
    assert site.srv(f"_sieve._tcp.{DOMAIN}") == [(0, 1, 4190, MAIL_HOST)]
    for not_offered in ("_imap", "_submissions", "_pop3", "_pop3s"):
        [(_, _, _, target)] = site.srv(f"{not_offered}._tcp.{DOMAIN}")
        assert target == ".", not_offered  # the root: "decidedly not available"
    [(_, _, port, target)] = site.srv(f"_autodiscover._tcp.{DOMAIN}")
    assert (port, target) == (site.nginx.https_port, f"autodiscover.{DOMAIN}")


def test_autodiscover_found_through_its_srv_record_answers_the_post(site: KitSite) -> None:
    [(_, _, port, target)] = site.srv(f"_autodiscover._tcp.{DOMAIN}")
    status, _, body = site.request(
        target, "/autodiscover/autodiscover.xml", port=port, method="POST", body=OUTLOOK_REQUEST
    )
    assert (status, body) == (200, site.file(AUTODISCOVER_FILE))


def test_the_kits_names_lead_to_the_domains_web_server(site: KitSite) -> None:
    answer = site.resolver().resolve(f"autoconfig.{DOMAIN}", "A")
    assert answer.canonical_name.to_text() == f"{DOMAIN}."
    assert [str(r) for r in answer] == ["127.0.0.1"]
