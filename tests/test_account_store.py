"""The remembered account: round trip, damaged files, atomic writes, forgetting, no password.

Every store lives in tmp_path; an autouse guard points HOME/XDG_CONFIG_HOME/APPDATA at tmp_path
and keyring's default at an in-memory store, so no test can touch the real config or keychain.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import platformdirs
import pytest
from keyring.backends import fail

import wizard.account.store as account_store
import wizard.safe_files as safe_files
from tests.support.memory_keyring import MemoryKeyring, guard_default_keyring
from wizard import __version__
from wizard.account.keychain import Keychain
from wizard.account.settings import SettingsSnapshot, keychain_label
from wizard.account.store import (
    FILE_NAME,
    AccountStore,
    RememberedAccount,
    default_config_dir,
)
from wizard.flow import Mode, WizardFlow
from wizard.provider import load_default_provider

ADDRESS = "joe.bloggs@sepheo.co"
PASSWORD = "c0rrect-Horse-battery!"
SETTINGS = SettingsSnapshot.of(
    load_default_provider(), origin_kind="builtin", origin_where="built in", origin_trusted=True
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MemoryKeyring:
    home = tmp_path / "home"
    for var in ("HOME", "XDG_CONFIG_HOME", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.setenv(var, str(home))
    return guard_default_keyring(monkeypatch)


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(tmp_path: Path, memory: MemoryKeyring) -> AccountStore:
    return AccountStore(tmp_path / "config", keychain_backend=memory)


def account(**changes: object) -> RememberedAccount:
    values: dict[str, object] = {
        "address": ADDRESS,
        "name": "Joe Bloggs",
        "settings": SETTINGS,
        "provider_id": "sepheo.co",
        "client_id": "thunderbird",
        "last_good_check": "2025-03-01T09:30:00+00:00",
        "keychain_used": False,
    }
    values.update(changes)
    return RememberedAccount(**values)  # type: ignore[arg-type]


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


# -- round trip -----------------------------------------------------------------------------


def test_nothing_remembered_on_a_first_run(store: AccountStore):
    assert store.load() is None
    assert store.load_problem is None
    assert not store.path.exists()


def test_a_saved_account_loads_back_unchanged(store: AccountStore):
    acct = account(keychain_used=True)
    store.save(acct)
    assert store.load() == acct
    assert store.load_problem is None


def test_a_built_in_provider_and_no_client_round_trip_as_none(store: AccountStore):
    acct = account(client_id=None, last_good_check=None)
    store.save(acct)
    assert store.load() == acct


def test_the_file_records_the_app_version_and_a_format_version(store: AccountStore):
    store.save(account())
    doc = json.loads(store.path.read_text(encoding="utf-8"))
    assert doc["app_version"] == __version__
    assert doc["format_version"] == account_store.FORMAT_VERSION


def test_saving_again_replaces_the_remembered_account(store: AccountStore):
    store.save(account(name="Joe"))
    store.save(account(name="Joseph", client_id="apple_mail"))
    loaded = store.load()
    assert loaded is not None and loaded.name == "Joseph" and loaded.client_id == "apple_mail"


def test_a_remembered_account_opens_the_wizard_in_diagnose_mode(store: AccountStore):
    store.save(account())
    acct = store.load()
    assert acct is not None
    flow = WizardFlow(
        load_default_provider(), remembered_address=acct.address, remembered_name=acct.name
    )
    assert flow.mode is Mode.DIAGNOSE
    assert flow.account.address == ADDRESS and flow.account.name == "Joe Bloggs"


def test_the_default_folder_is_the_users_config_folder():
    # Only computes the path (HOME etc. point at tmp_path anyway); nothing is written.
    expected = Path(platformdirs.user_config_dir("MailSetupWizard", appauthor=False))
    assert default_config_dir() == expected
    assert AccountStore().path == expected / FILE_NAME


# -- last good check -----------------------------------------------------------------------


def test_a_good_check_is_recorded_in_utc(store: AccountStore):
    store.save(account(last_good_check=None))
    when = datetime(2025, 6, 1, 14, 0, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    updated = store.record_good_check(ADDRESS, when)
    assert updated is not None and updated.last_good_check == "2025-06-01T12:00:05+00:00"
    assert store.load() == updated


def test_a_good_check_defaults_to_now(store: AccountStore):
    store.save(account(last_good_check=None))
    before = datetime.now(UTC).replace(microsecond=0)
    updated = store.record_good_check(ADDRESS.upper())
    assert updated is not None and updated.last_good_check is not None
    assert datetime.fromisoformat(updated.last_good_check) >= before


def test_a_good_check_for_another_address_changes_nothing(store: AccountStore):
    store.save(account())
    before = store.path.read_bytes()
    assert store.record_good_check("someone.else@sepheo.co", datetime.now(UTC)) is None
    assert store.path.read_bytes() == before


def test_a_good_check_with_nothing_remembered_writes_nothing(store: AccountStore):
    assert store.record_good_check(ADDRESS, datetime.now(UTC)) is None
    assert not store.path.exists()


def test_a_time_without_a_zone_is_refused_as_ambiguous(store: AccountStore):
    store.save(account())
    with pytest.raises(ValueError, match="time zone"):
        store.record_good_check(ADDRESS, datetime(2025, 6, 1, 12, 0))


# -- damaged or foreign files ---------------------------------------------------------------


def _valid_doc() -> dict[str, object]:
    return {
        "format_version": 2,
        "app_version": "0.1.0",
        "address": ADDRESS,
        "name": "Joe",
        "settings": SETTINGS.as_json(),
        "provider_id": "sepheo.co",
        "client_id": "thunderbird",
        "last_good_check": None,
        "keychain_used": False,
    }


def _doc(**changes: object) -> bytes:
    doc = _valid_doc()
    for key, value in changes.items():
        if value is _DROP:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc).encode()


_DROP = object()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        pytest.param(b"", "not valid JSON", id="empty"),
        pytest.param(b'{"address": "joe@', "not valid JSON", id="truncated"),
        pytest.param(b"\xff\xfe\x00garbage", "not valid JSON", id="binary"),
        pytest.param(b"[1, 2, 3]", "JSON object", id="list"),
        pytest.param(_doc(format_version=_DROP), "old or unknown format", id="old-format"),
        pytest.param(_doc(format_version=True), "old or unknown format", id="bool-format"),
        pytest.param(_doc(format_version=3), "newer version", id="newer-format"),
        pytest.param(_doc(settings=_DROP), "invalid settings", id="no-settings"),
        pytest.param(
            _doc(settings={"servers": [], "origin": {}}), "invalid settings", id="empty-settings"
        ),
        pytest.param(_doc(address=_DROP), "has no 'address'", id="missing-field"),
        pytest.param(_doc(keychain_used="yes"), "invalid 'keychain_used'", id="wrong-type"),
        pytest.param(_doc(keychain_used=1), "invalid 'keychain_used'", id="int-for-bool"),
        pytest.param(_doc(address="not an address"), "invalid 'address'", id="bad-address"),
        pytest.param(_doc(provider_id=" "), "empty 'provider_id'", id="empty-provider"),
        pytest.param(_doc(last_good_check="yesterday"), "invalid 'last_good_check'", id="time"),
        pytest.param(b" " * (70 * 1024), "too large", id="too-large"),
    ],
)
def test_a_damaged_or_foreign_file_is_ignored_kept_and_explained(
    store: AccountStore, content: bytes, why: str, caplog: pytest.LogCaptureFixture
):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="wizard.account.store"):
        assert store.load() is None
    assert store.load_problem is not None and why in store.load_problem
    assert str(store.path) in store.load_problem
    assert any(why in r.getMessage() for r in caplog.records)
    assert store.path.read_bytes() == content  # not deleted or rewritten behind anyone's back


def test_an_unreadable_file_is_ignored_not_fatal(store: AccountStore):
    store.path.mkdir(parents=True)  # a folder where the file should be
    assert store.load() is None
    assert store.load_problem is not None and "cannot be read" in store.load_problem


def test_a_successful_setup_replaces_a_damaged_file(store: AccountStore):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() is None
    store.save(account())
    assert store.load() == account()
    assert store.load_problem is None


# -- atomic, private writes -----------------------------------------------------------------


def test_saving_leaves_only_the_file_no_temporary_files(store: AccountStore):
    for n in range(3):
        store.save(account(name=f"Joe {n}"))
    assert [p.name for p in store.path.parent.iterdir()] == [FILE_NAME]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_file_and_its_folder_are_private_to_the_user(store: AccountStore):
    store.save(account())
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_an_existing_world_readable_file_becomes_private_when_saved(store: AccountStore):
    store.save(account())
    os.chmod(store.path, 0o644)
    store.save(account(name="Joseph"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_cleans_up(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
):
    store.save(account(name="Old"))

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_files.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        store.save(account(name="New"))
    monkeypatch.undo()
    loaded = store.load()
    assert loaded is not None and loaded.name == "Old"
    assert [p.name for p in store.path.parent.iterdir()] == [FILE_NAME]


# -- never a password -----------------------------------------------------------------------


def test_a_remembered_account_cannot_even_carry_a_password():
    with pytest.raises(TypeError):
        RememberedAccount(**{**dataclasses.asdict(account()), "password": PASSWORD})  # type: ignore
    acct = account()
    with pytest.raises((AttributeError, TypeError)):
        acct.password = PASSWORD  # type: ignore[attr-defined]


def test_the_file_never_contains_the_password(tmp_path: Path, memory: MemoryKeyring):
    """The whole opt-in path: flow with a password, keychain store, save; then look everywhere."""
    config = tmp_path / "config"
    store = AccountStore(config, keychain_backend=memory)
    flow = WizardFlow(load_default_provider())
    assert flow.set_account("Joe Bloggs", ADDRESS, PASSWORD).ok
    kc = store.keychain_for(account())
    assert kc.store(flow.account.address, flow.account.password).ok
    store.save(
        RememberedAccount(
            address=flow.account.address,
            name=flow.account.name,
            settings=SETTINGS,
            provider_id=flow.provider.id,
            client_id=flow.client_id,
            last_good_check=None,
            keychain_used=True,
        )
    )
    store.record_good_check(ADDRESS, datetime.now(UTC))

    written = files_under(config)
    assert written == [store.path]
    for path in written:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data
        assert b"c0rrect" not in data
        assert b"password" not in data.lower()
    assert kc.load(ADDRESS) == PASSWORD  # it is in the keychain, and only there


def test_a_password_added_to_the_file_by_hand_is_ignored_and_dropped_on_save(
    store: AccountStore,
):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(_doc(password=PASSWORD))
    acct = store.load()
    assert acct is not None and PASSWORD not in repr(acct)
    store.save(acct)
    assert PASSWORD.encode() not in store.path.read_bytes()


# -- forgetting -----------------------------------------------------------------------------


def test_forget_removes_the_file_and_the_keychain_entry(store: AccountStore, memory: MemoryKeyring):
    store.save(account(keychain_used=True))
    assert store.keychain_for(account()).store(ADDRESS, PASSWORD).ok
    assert memory.entries

    removed = store.forget()

    assert store.path in removed
    assert not store.path.exists()
    assert memory.entries == {}
    assert store.load() is None


def test_forget_is_idempotent(store: AccountStore, memory: MemoryKeyring):
    store.save(account(keychain_used=True))
    store.keychain_for(account()).store(ADDRESS, PASSWORD)
    assert store.forget()
    assert store.forget() == []
    result = store.forget_everything()
    assert result.files == [] and not result.password_removed and result.problem == ""


def test_forget_says_where_the_password_was_removed_from(tmp_path: Path):
    class MacKeychain(MemoryKeyring):
        pass

    MacKeychain.__module__, MacKeychain.__name__ = "keyring.backends.macOS", "Keyring"
    mac = MacKeychain()
    store = AccountStore(tmp_path / "config", keychain_backend=mac)
    store.save(account(keychain_used=True))
    store.keychain_for(account()).store(ADDRESS, PASSWORD)

    result = store.forget_everything()

    assert result.password_removed and result.password_store == "macOS Keychain"
    assert store.path in result.files and mac.entries == {}


def test_forget_also_finds_the_password_of_a_damaged_or_old_file(
    store: AccountStore, memory: MemoryKeyring
):
    store.keychain_for(account()).store(ADDRESS, PASSWORD)
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(_doc(format_version=_DROP, keychain_used="yes"))
    assert store.load() is None

    removed = store.forget()

    assert store.path in removed and memory.entries == {}


def test_forget_removes_leftover_temporary_files_and_the_empty_folder(store: AccountStore):
    store.save(account())
    leftover = store.path.parent / f".{FILE_NAME}.abc123.tmp"
    leftover.write_text("{}", encoding="utf-8")

    removed = store.forget()

    assert set(removed) == {store.path, leftover, store.path.parent}
    assert not store.path.parent.exists()


def test_forget_keeps_the_folder_when_something_else_lives_there(store: AccountStore):
    store.save(account())
    other = store.path.parent / "window.ini"
    other.write_text("[geometry]\n", encoding="utf-8")
    assert store.forget() == [store.path]
    assert other.exists()


def test_forget_without_a_password_store_still_removes_the_file(tmp_path: Path):
    store = AccountStore(tmp_path / "config", keychain_backend=fail.Keyring())
    store.save(account(keychain_used=True))
    result = store.forget_everything()
    assert store.path in result.files and not store.path.exists()
    assert not result.password_removed and result.password_store == ""


def test_forget_with_nothing_stored_removes_nothing(store: AccountStore):
    assert store.forget() == []


def test_keychain_for_uses_the_same_entry_as_the_setup(store: AccountStore, memory: MemoryKeyring):
    Keychain(
        memory, provider_id="sepheo.co", servers=keychain_label(load_default_provider())
    ).store(ADDRESS, PASSWORD)
    assert store.keychain_for(account()).load(ADDRESS) == PASSWORD
