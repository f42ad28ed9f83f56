"""Settings typed by the person: validated, plain text and port 25 only when allowed."""

from __future__ import annotations

import pytest

from wizard.discovery.manual import ManualEntry, ManualSettingsError, manual_settings
from wizard.services import Security, Service
from wizard.trust import OriginKind

ADDRESS = "ann@example.org"


def entries(**changes: str) -> list[ManualEntry]:
    imap = dict(hostname="mail.example.org", port="993", security="SSL/TLS")
    smtp = dict(hostname="mail.example.org", port="587", security="STARTTLS")
    for key, value in changes.items():
        service, _, field = key.partition("_")
        (imap if service == "imap" else smtp)[field] = value
    return [ManualEntry(Service.IMAP, **imap), ManualEntry(Service.SMTP, **smtp)]


def test_good_settings_become_manual_settings_with_the_address_as_login():
    result = manual_settings(ADDRESS, entries(imap_hostname=" Mail.Example.ORG. "))
    s = result.settings
    assert (s.imap.hostname, s.imap.port, s.imap.security) == (
        "mail.example.org",
        993,
        Security.TLS,
    )
    assert s.smtp.security is Security.STARTTLS and s.imap.username == ADDRESS
    assert s.imap.origin.kind is OriginKind.MANUAL and result.warnings == ()


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"imap_hostname": ""}, "hostname", "enter the server"),
        ({"imap_hostname": "https://mail.example.org"}, "hostname", "only the server's name"),
        ({"imap_hostname": "mail example.org"}, "hostname", "only the server's name"),
        ({"imap_hostname": "-bad-.example.org"}, "hostname", "not a server name"),
        ({"smtp_port": "70000"}, "port", "1 to 65535"),
        ({"smtp_port": "58 7"}, "port", "1 to 65535"),
        ({"imap_security": "maybe"}, "security", "SSL/TLS, STARTTLS or none"),
        ({"imap_security": "none"}, "security", "allow it explicitly"),
        ({"smtp_port": "25"}, "port", "port 25"),
    ],
)
def test_bad_input_names_the_field_and_says_why(changes, field, words):
    with pytest.raises(ManualSettingsError, match=words) as caught:
        manual_settings(ADDRESS, entries(**changes))
    assert caught.value.field == field


def test_plain_and_port_25_only_when_explicitly_allowed_and_then_with_warnings():
    result = manual_settings(
        ADDRESS, entries(imap_security="none", imap_port="143", smtp_port="25"), allow_insecure=True
    )
    assert result.settings.imap.security is Security.PLAIN
    assert len(result.warnings) == 2


def test_an_ip_address_is_a_server_name_too():
    result = manual_settings(ADDRESS, entries(imap_hostname="192.0.2.10"))
    assert result.settings.imap.hostname == "192.0.2.10"


def test_imap_and_smtp_are_both_needed():
    with pytest.raises(ManualSettingsError, match="Sending mail"):
        manual_settings(ADDRESS, entries()[:1])
