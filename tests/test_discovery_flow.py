"""The flow's choice of settings and the words for discovery, Qt-free (issue 25 items 6, 7)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wizard.discovery.manual import ManualEntry, manual_settings
from wizard.discovery.model import DiscoveryResult, FoundServer, FoundSettings, Lookup, Outcome
from wizard.flow import Page, WizardFlow
from wizard.provider import load_default_provider
from wizard.services import Security, Service
from wizard.trust import OriginKind, SettingsOrigin
from wizard.ui_text.discovery import discovered_confirmation, lookup_line, origin_domain

ADDRESS = "hal@example.org"


def found(origin: SettingsOrigin, host: str = "mail.example.org") -> DiscoveryResult:
    def server(service: Service, port: int) -> FoundServer:
        return FoundServer(service, host, port, Security.TLS, ADDRESS, "password-cleartext", origin)

    settings = FoundSettings(server(Service.IMAP, 993), server(Service.SMTP, 465))
    return DiscoveryResult(ADDRESS, "example.org", settings, (), 12.0)


def flow_at(address: str = ADDRESS) -> WizardFlow:
    flow = WizardFlow(load_default_provider(), platform="linux")
    assert flow.set_account("Hal", address, "pw").ok
    return flow


HTTPS = SettingsOrigin(
    OriginKind.AUTOCONFIG, "https://autoconfig.example.org/mail/config-v1.1.xml", True, "HTTPS"
)
HTTP = SettingsOrigin(
    OriginKind.AUTOCONFIG, "http://autoconfig.example.org/mail/config-v1.1.xml", False, "HTTP"
)


def test_found_settings_become_the_flows_provider_and_trusted_ones_ask_nothing():
    flow = flow_at()
    assert flow.needs_discovery
    flow.use_discovered(found(HTTPS))
    assert not flow.needs_discovery
    assert flow.provider.imap.hostname == "mail.example.org"
    assert flow.settings_origin == HTTPS and not flow.origin_needs_confirmation


def test_one_untrusted_server_makes_the_whole_set_ask_first():
    flow = flow_at()
    result = found(HTTPS)
    assert result.settings is not None
    smtp = replace(result.settings.smtp, origin=HTTP)
    flow.use_discovered(replace(result, settings=replace(result.settings, smtp=smtp)))
    assert flow.origin_needs_confirmation


def test_a_new_address_forgets_the_settings_found_for_the_last_one():
    flow = flow_at()
    flow.use_discovered(found(HTTPS))
    assert flow.set_account("Joe", "joe.bloggs@sepheo.co", "pw").ok
    assert flow.provider is flow.it_provider and flow.origin_gate.known is None
    assert not flow.needs_discovery


def test_typed_settings_are_used_and_need_no_question():
    flow = flow_at()
    flow.choose_manual_settings()
    assert flow.next_page(Page.ACCOUNT) is Page.MANUAL_SETTINGS
    typed = manual_settings(
        ADDRESS,
        [
            ManualEntry(Service.IMAP, "imap.example.org", "993", "ssl"),
            ManualEntry(Service.SMTP, "smtp.example.org", "587", "starttls"),
        ],
    )
    flow.use_manual(typed)
    assert flow.provider.smtp.port == 587 and flow.provider.sieve is None
    assert flow.settings_origin.kind is OriginKind.MANUAL
    assert not flow.origin_needs_confirmation and not flow.needs_discovery


def test_no_settings_is_refused_not_half_used():
    with pytest.raises(ValueError):
        flow_at().use_discovered(replace(found(HTTPS), settings=None))


def test_the_question_names_the_domain_the_settings_came_from():
    flow = flow_at("hal@victim.example")
    origin = SettingsOrigin(
        OriginKind.MX, "https://autoconfig.hoster.example/mail/config-v1.1.xml", False, "MX"
    )
    flow.use_discovered(found(origin, "mail.hoster.example"))
    words = discovered_confirmation(flow.provider, flow.account.address, flow.settings_origin)
    assert "came from hoster.example" in words.body
    assert "hoster.example" in words.send and "Nothing was sent" in words.refused


def test_a_srv_record_names_its_domain():
    origin = SettingsOrigin(OriginKind.SRV, "_imaps._tcp.srv.example.org", False, "")
    assert origin_domain(origin) == "example.org"


def test_a_look_up_line_shows_server_text_escaped():
    lookup = Lookup(OriginKind.AUTOCONFIG, "https://x.example/\x1b[2J", Outcome.ERROR, 1, ms=40)
    line = lookup_line(lookup)
    assert "\x1b" not in line and "no answer" in line and "40 ms" in line


def test_typed_settings_without_encryption_carry_their_warning():
    flow = flow_at()
    typed = manual_settings(
        ADDRESS,
        [
            ManualEntry(Service.IMAP, "imap.example.org", "143", "none"),
            ManualEntry(Service.SMTP, "smtp.example.org", "25", "starttls"),
        ],
        allow_insecure=True,
    )
    flow.use_manual(typed)
    assert len(flow.settings_warnings) == 2
    assert flow.set_account("Joe", "joe.bloggs@sepheo.co", "pw").ok
    assert flow.settings_warnings == ()


def test_only_a_trusted_answer_endorses_a_user_writable_files_servers(tmp_path):
    from wizard.provider import parse_provider
    from wizard.trust import PlaceKind, ProviderPlace

    xml = b"""<clientConfig version="1.1"><emailProvider id="example.org">
<domain>example.org</domain>
<incomingServer type="imap"><hostname>mail.example.org</hostname><port>993</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>mail.example.org</hostname><port>465</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>"""
    planted = parse_provider(xml.replace(b"mail.example.org", b"mail.hoster.example"))
    place = ProviderPlace(PlaceKind.USER, tmp_path / "provider.xml")
    flow = WizardFlow(planted, platform="linux", place=place, ask_domain=True)
    assert flow.set_account("Hal", ADDRESS, "pw").ok
    assert flow.needs_endorsement and flow.origin_needs_confirmation
    flow.record_published("example.org", found(HTTP, "mail.hoster.example"))
    assert not flow.needs_endorsement  # asked once per domain
    assert flow.origin_needs_confirmation  # an untrusted answer endorses nothing
    flow.published_servers.clear()
    flow.record_published("example.org", found(HTTPS, "mail.hoster.example"))
    assert not flow.origin_needs_confirmation and flow.settings_origin.trusted


def test_without_ask_domain_a_planted_file_is_asked_about_at_once(tmp_path):
    from wizard.trust import PlaceKind, ProviderPlace

    provider = load_default_provider()
    planted = replace(provider, imap=replace(provider.imap, hostname="mail.attacker.example"))
    place = ProviderPlace(PlaceKind.USER, tmp_path / "provider.xml")
    flow = WizardFlow(planted, platform="linux", place=place)
    assert flow.set_account("Joe", "joe.bloggs@sepheo.co", "pw").ok
    assert not flow.needs_endorsement and flow.origin_needs_confirmation


def test_a_remembered_account_with_found_settings_records_where_they_came_from(tmp_path):
    from tests.support.memory_keyring import MemoryKeyring
    from wizard.account.store import AccountStore
    from wizard.flow import CheckState

    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())
    flow = WizardFlow(load_default_provider(), platform="linux", store=store)
    assert flow.set_account("Hal", ADDRESS, "pw").ok
    flow.use_discovered(found(HTTPS))
    flow.check_state = CheckState.PASSED
    flow.remember_account()
    settings = store.load().settings
    assert settings is not None
    assert (settings.origin_kind, settings.origin_where) == ("autoconfig", HTTPS.where)
    assert settings.servers[0].hostname == "mail.example.org"
