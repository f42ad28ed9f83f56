"""The remembered account keeps the servers it was set up with, not a path to re-read
(issue 28 item 4): a changed provider file is a new account and gets no saved password.

Keychains are in-memory stand-ins; stores live in tmp_path.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.memory_keyring import MemoryKeyring, guard_default_keyring
from wizard.account.settings import SettingsSnapshot, keychain_label, servers_fingerprint
from wizard.account.store import LEGACY_FORMAT_VERSION, AccountStore
from wizard.flow import CheckState, Mode, WizardFlow
from wizard.provider import Provider, load_default_provider
from wizard.services import Security
from wizard.trust import PlaceKind, ProviderPlace
from wizard.ui_text.trust import origin_line, password_goes_to

ADDRESS = "joe.bloggs@sepheo.co"
PASSWORD = "c0rrect-Horse-battery!"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("HOME", "XDG_CONFIG_HOME", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.setenv(var, str(tmp_path / "home"))
    guard_default_keyring(monkeypatch)


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(tmp_path: Path, memory: MemoryKeyring) -> AccountStore:
    return AccountStore(tmp_path / "config", keychain_backend=memory)


def moved(provider: Provider, host: str) -> Provider:
    """The same provider file with IMAP sent elsewhere (a replaced file, same id)."""
    return replace(provider, imap=replace(provider.imap, hostname=host))


def set_up(store: AccountStore, provider: Provider, *, remember: bool = True) -> WizardFlow:
    """A set-up that passed, with the password kept when ``remember``; then remembered."""
    flow = WizardFlow(provider, platform="linux", store=store)
    assert flow.set_account("Joe Bloggs", ADDRESS, PASSWORD).ok
    flow.choose_remember_password(remember)
    flow.check_state = CheckState.PASSED
    flow.after_good_check()
    flow.remember_account()
    return flow


def rerun(store: AccountStore, provider: Provider) -> WizardFlow:
    return WizardFlow(provider, platform="linux", store=store, remembered=store.load())


def test_the_file_keeps_the_servers_and_their_origin_not_a_path(store: AccountStore):
    provider = load_default_provider()
    set_up(store, provider)
    doc = json.loads(store.path.read_text(encoding="utf-8"))
    assert doc["format_version"] == 2
    assert "provider_path" not in doc
    imap = doc["settings"]["servers"][0]
    assert imap == {
        "service": "imap",
        "hostname": provider.imap.hostname,
        "port": provider.imap.port,
        "security": provider.imap.security.value,
        "username_template": provider.imap.username_template,
    }
    assert doc["settings"]["origin"] == {"kind": "builtin", "where": "built in", "trusted": True}


def test_the_same_servers_open_on_the_diagnosis_with_the_saved_password(store: AccountStore):
    provider = load_default_provider()
    set_up(store, provider)
    again = rerun(store, provider)
    assert again.mode is Mode.DIAGNOSE and not again.settings_changed
    assert again.expects_stored_password
    assert again.stored_password() == PASSWORD


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: moved(p, "mail.attacker.example"), id="another-host"),
        pytest.param(
            lambda p: replace(p, imap=replace(p.imap, security=Security.PLAIN, port=143)),
            id="now-plain",
        ),
        pytest.param(
            lambda p: replace(p, smtp=replace(p.smtp, username_template="%EMAILLOCALPART%")),
            id="other-login",
        ),
    ],
)
def test_a_provider_file_that_changed_since_is_a_new_account_and_gets_no_password(
    store: AccountStore, memory: MemoryKeyring, change
):
    provider = load_default_provider()
    set_up(store, provider)
    changed = change(provider)
    assert changed.id == provider.id  # the file keeps its id: the old key would have matched
    again = rerun(store, changed)
    assert again.settings_changed
    assert again.mode is Mode.SETUP
    assert not again.keychain_used and not again.expects_stored_password
    assert again.stored_password() is None
    # Even asked directly, the keychain has nothing under the new servers' name.
    assert again.keychain is not None and again.keychain.load(ADDRESS) is None
    assert list(memory.entries.values()) == [PASSWORD]  # the old entry stays, untouched


def test_the_keychain_entry_is_named_after_the_servers(store: AccountStore, memory: MemoryKeyring):
    provider = load_default_provider()
    set_up(store, provider)
    [(service, user)] = memory.entries
    assert user == ADDRESS
    assert service == f"Mail Setup Wizard (sepheo.co; {keychain_label(provider)})"
    assert provider.imap.hostname in service and servers_fingerprint(provider) in service
    assert servers_fingerprint(moved(provider, "x.example")) != servers_fingerprint(provider)


def test_a_format_1_file_is_migrated_its_path_dropped_and_its_password_not_filled_in(
    store: AccountStore, memory: MemoryKeyring, tmp_path: Path
):
    planted = tmp_path / "usb" / "provider.xml"
    memory.entries[("Mail Setup Wizard (sepheo.co)", ADDRESS)] = PASSWORD  # format 1's entry
    store.path.parent.mkdir(parents=True)
    legacy = {
        "format_version": LEGACY_FORMAT_VERSION,
        "app_version": "0.1.0",
        "address": ADDRESS,
        "name": "Joe",
        "provider_path": str(planted),
        "provider_id": "sepheo.co",
        "client_id": "thunderbird",
        "last_good_check": "2025-03-01T09:30:00+00:00",
        "keychain_used": True,
    }
    store.path.write_text(json.dumps(legacy), encoding="utf-8")

    acct = store.load()
    assert acct is not None and store.load_problem is None
    assert acct.address == ADDRESS and acct.last_good_check == legacy["last_good_check"]
    assert acct.settings is None and not acct.keychain_used
    assert not hasattr(acct, "provider_path")
    flow = rerun(store, load_default_provider())
    assert flow.mode is Mode.DIAGNOSE  # the address is still offered for the diagnosis
    assert flow.stored_password() is None  # but the old, untied entry is not used

    # The next save writes format 2; forget removes the old entry as well.
    set_up(store, load_default_provider(), remember=False)
    assert json.loads(store.path.read_text(encoding="utf-8"))["format_version"] == 2
    store.forget()
    assert memory.entries == {}


def test_forget_removes_the_entry_tied_to_the_servers(store: AccountStore, memory: MemoryKeyring):
    set_up(store, load_default_provider())
    assert memory.entries
    assert store.forget_everything().password_removed
    assert memory.entries == {}


def test_the_snapshot_round_trips_and_refuses_junk():
    snap = SettingsSnapshot.of(
        load_default_provider(), origin_kind="admin", origin_where="/etc/x", origin_trusted=True
    )
    assert SettingsSnapshot.from_json(json.loads(json.dumps(snap.as_json()))) == snap
    bad = snap.as_json()
    bad["servers"][0]["port"] = 70000
    with pytest.raises(ValueError, match="invalid server"):
        SettingsSnapshot.from_json(bad)


# -- what the first page says ---------------------------------------------------------------------


def test_the_first_page_never_says_encrypted_for_plain_settings():
    provider = load_default_provider()
    assert "over an encrypted connection" in password_goes_to(provider)
    plain = replace(provider, smtp=replace(provider.smtp, security=Security.PLAIN, port=25))
    words = password_goes_to(plain)
    assert "encrypted connection" not in words
    assert "unencrypted" in words and plain.smtp.service.label in words


def test_the_first_page_says_where_the_settings_came_from():
    provider = load_default_provider()
    org = provider.branding.organization
    assert origin_line(provider, ProviderPlace(PlaceKind.BUILTIN)) == f"{org}'s settings, built in."
    admin = ProviderPlace(PlaceKind.ADMIN, Path("/etc/mail-setup-wizard/provider.xml"))
    assert origin_line(provider, admin) == (
        f"{org}'s settings, from IT's file at /etc/mail-setup-wizard/provider.xml."
    )
    user = ProviderPlace(PlaceKind.USER, Path("/home/joe/msw/provider.xml"))
    assert origin_line(provider, user).startswith("Settings found at /home/joe/msw/provider.xml")
