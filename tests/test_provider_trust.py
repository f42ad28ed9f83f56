"""Where provider files are looked for on each OS and how far each place is trusted (issue 27).

The path logic runs on Linux through the keyword arguments of ``override_provider_places``, so
every place of every OS is walked here; the trust rule is wizard.trust.provider_file_origin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dovecot_server import GOOD_USER
from wizard.provider import load_default_provider
from wizard.provider_source import locate_provider, provider_place, settings_origin
from wizard.resources import (
    LINUX_SYSTEM_CONFIG,
    MACOS_SYSTEM_SUPPORT,
    override_provider_candidates,
    override_provider_places,
)
from wizard.trust import (
    BUILTIN_PLACE,
    OriginKind,
    PlaceKind,
    ProviderPlace,
    foreign_domains,
    provider_file_origin,
)

HOME = Path("/home/joe")


def kinds(places: list[ProviderPlace]) -> list[tuple[PlaceKind, str]]:
    return [(p.kind, str(p.path)) for p in places]


# -- places, per OS --------------------------------------------------------------------------


def test_from_source_no_place_is_looked_at():
    assert override_provider_places(frozen=False, platform="linux") == []
    assert override_provider_candidates(frozen=False, platform="win32") == []


def test_linux_etc_is_its_place_and_comes_before_the_unpacked_folder():
    places = override_provider_places(
        frozen=True, platform="linux", executable="/home/joe/Downloads/msw/mail-setup-wizard"
    )
    assert kinds(places) == [
        (PlaceKind.ADMIN, str(LINUX_SYSTEM_CONFIG / "provider.xml")),
        (PlaceKind.USER, "/home/joe/Downloads/msw/provider.xml"),
    ]
    assert str(LINUX_SYSTEM_CONFIG) == "/etc/mail-setup-wizard"


def test_macos_machine_wide_folder_wins_over_the_per_user_one():
    places = override_provider_places(frozen=True, platform="darwin", home=HOME)
    assert kinds(places) == [
        (PlaceKind.ADMIN, "/Library/Application Support/MailSetupWizard/provider.xml"),
        (PlaceKind.USER, "/home/joe/Library/Application Support/MailSetupWizard/provider.xml"),
    ]
    assert Path("/Library/Application Support") == MACOS_SYSTEM_SUPPORT
    # Never in or beside the .app.
    assert all(".app" not in str(p.path) for p in places)


@pytest.mark.parametrize(
    ("exe", "kind"),
    [
        (r"C:\Program Files\Mail Setup Wizard\mail-setup-wizard.exe", PlaceKind.ADMIN),
        (r"c:\program files\Mail Setup Wizard\mail-setup-wizard.exe", PlaceKind.ADMIN),
        (r"C:\Program Files (x86)\Mail Setup Wizard\mail-setup-wizard.exe", PlaceKind.ADMIN),
        (
            r"C:\Users\joe\AppData\Local\Programs\Mail Setup Wizard\mail-setup-wizard.exe",
            PlaceKind.USER,
        ),
        (r"C:\Users\joe\Downloads\msw\mail-setup-wizard.exe", PlaceKind.USER),
        # A look-alike folder is not Program Files.
        (r"C:\Program Files Evil\mail-setup-wizard.exe", PlaceKind.USER),
    ],
)
def test_windows_beside_the_exe_is_its_only_under_program_files(exe: str, kind: PlaceKind):
    places = override_provider_places(
        frozen=True,
        platform="win32",
        executable=exe,
        program_files=[r"C:\Program Files", r"C:\Program Files (x86)"],
    )
    assert len(places) == 1
    assert places[0].kind is kind
    assert str(places[0].path) == exe.rsplit("\\", 1)[0] + "\\provider.xml"


def test_windows_without_program_files_variables_nothing_is_admin():
    places = override_provider_places(
        frozen=True,
        platform="win32",
        executable=r"C:\Program Files\Mail Setup Wizard\mail-setup-wizard.exe",
        program_files=[],
    )
    assert places[0].kind is PlaceKind.USER


def test_the_first_existing_place_is_used_admin_first(tmp_path: Path):
    admin = ProviderPlace(PlaceKind.ADMIN, tmp_path / "etc" / "provider.xml")
    user = ProviderPlace(PlaceKind.USER, tmp_path / "beside" / "provider.xml")
    assert provider_place(places=[admin, user]) is BUILTIN_PLACE
    user.path.parent.mkdir()  # type: ignore[union-attr]
    user.path.write_text("x")  # type: ignore[union-attr]
    assert provider_place(places=[admin, user]) == user
    admin.path.parent.mkdir()  # type: ignore[union-attr]
    admin.path.write_text("x")  # type: ignore[union-attr]
    assert provider_place(places=[admin, user]) == admin
    # --provider is the caller's choice, whatever lies in the places.
    named = provider_place("/srv/it/provider.xml", places=[admin, user])
    assert named == ProviderPlace(PlaceKind.EXPLICIT, Path("/srv/it/provider.xml"))


def test_locate_provider_loads_the_file_and_names_its_place(tmp_path: Path, dovecot_xml: str):
    f = tmp_path / "provider.xml"
    f.write_text(dovecot_xml, encoding="utf-8")
    located = locate_provider(places=[ProviderPlace(PlaceKind.USER, f)])
    assert located.place == ProviderPlace(PlaceKind.USER, f.resolve())
    assert located.provider.imap.hostname == "mail.attacker.example"
    origin = located.origin_for(GOOD_USER)
    assert origin.kind is OriginKind.PROVIDER and not origin.trusted
    assert origin.as_json() == {"kind": "provider", "where": str(f.resolve()), "trusted": False}


@pytest.fixture
def dovecot_xml() -> str:
    return PLANTED


PLANTED = """<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="sepheo.co">
  <domain>sepheo.co</domain><displayName>Sepheo Mail</displayName>
  <incomingServer type="imap"><hostname>mail.attacker.example</hostname><port>993</port>
    <socketType>SSL</socketType></incomingServer>
  <outgoingServer type="smtp"><hostname>mail.attacker.example</hostname><port>587</port>
    <socketType>STARTTLS</socketType></outgoingServer>
</emailProvider></clientConfig>"""


# -- the trust rule --------------------------------------------------------------------------

ATTACKER = ["mail.attacker.example"]


@pytest.mark.parametrize("kind", [PlaceKind.BUILTIN, PlaceKind.ADMIN, PlaceKind.EXPLICIT])
def test_built_in_admin_and_named_files_need_no_confirmation(kind: PlaceKind):
    place = ProviderPlace(kind, None if kind is PlaceKind.BUILTIN else Path("/x/provider.xml"))
    origin = provider_file_origin(place, ATTACKER, GOOD_USER)
    assert origin.trusted
    assert origin.kind is (OriginKind.BUILTIN if kind is PlaceKind.BUILTIN else OriginKind.PROVIDER)


@pytest.mark.parametrize(
    ("hosts", "address", "trusted"),
    [
        (["my.sepheo.co"], "joe@sepheo.co", True),
        (["imap.mail.sepheo.co", "smtp.sepheo.co"], "joe@sepheo.co", True),
        (["sepheo.co"], "joe@SEPHEO.CO", True),
        (["mail.example.co.uk"], "joe@example.co.uk", True),
        (["mail.other.co.uk"], "joe@example.co.uk", False),  # co.uk is a public suffix
        (["my.sepheo.co", "smtp.attacker.example"], "joe@sepheo.co", False),  # one is enough
        (["my.sepheo.co.attacker.example"], "joe@sepheo.co", False),  # a look-alike
        (["127.0.0.1"], "joe@sepheo.co", False),
        (["localhost"], "joe@sepheo.co", False),
    ],
)
def test_a_user_writable_file_is_trusted_only_inside_the_addresss_domain(
    hosts: list[str], address: str, trusted: bool
):
    place = ProviderPlace(PlaceKind.USER, Path("/home/joe/provider.xml"))
    origin = provider_file_origin(place, hosts, address)
    assert origin.trusted is trusted
    assert origin.where == "/home/joe/provider.xml"


def test_the_untrusted_origin_names_the_servers_registrable_domain_in_full():
    hosts = ["my.sepheo.co.attacker.example", "smtp.attacker.example"]
    assert foreign_domains(hosts, GOOD_USER) == ["attacker.example"]
    origin = provider_file_origin(ProviderPlace(PlaceKind.USER, Path("/p.xml")), hosts, GOOD_USER)
    assert "attacker.example" in origin.why and "sepheo.co" in origin.why


def test_the_domains_published_data_can_vouch_for_a_server_hook_for_discovery():
    place = ProviderPlace(PlaceKind.USER, Path("/p.xml"))
    calls: list[tuple[str, str]] = []

    def published(domain: str, host: str) -> bool:
        calls.append((domain, host))
        return host == "mx.hosting.example"

    origin = provider_file_origin(place, ["MX.hosting.example."], GOOD_USER, endorsed=published)
    assert origin.trusted
    assert calls == [("sepheo.co", "mx.hosting.example")]
    assert not provider_file_origin(place, ["evil.example"], GOOD_USER, endorsed=published).trusted


def test_the_built_in_settings_are_trusted_for_any_address():
    origin = settings_origin(load_default_provider(), BUILTIN_PLACE, "someone@elsewhere.example")
    assert origin.trusted and origin.where == "built in"


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "::1", "[::1]", "2001:db8::25"])
def test_an_ip_address_is_its_own_registrable_domain(host: str):
    from wizard.trust import registrable_domain

    assert registrable_domain(host) == host.lower()
    assert foreign_domains([host], GOOD_USER) == [host.lower()]
