"""Writing the account into copies of real-looking profiles: what changes, and what must not."""

from __future__ import annotations

import errno
import inspect
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.profile_lock import parentlock_held_by_another_process
from wizard.clients.thunderbird import Cause, WriteResult, check_profile_lock, write_account
from wizard.clients.thunderbird.prefsjs import PrefValue, decode, parse_prefs
from wizard.provider import Provider, parse_provider

DATA = Path(__file__).parent / "data" / "thunderbird" / "profiles"
FIXTURES = ["fresh", "local-folders-only", "two-accounts", "odd-but-valid"]
ADDRESS = "joe.bloggs@sepheo.co"
NAME = "Joe Bloggs"
NOW = datetime(2026, 1, 2, 3, 4, 5)


def make_provider(
    *,
    imap_host: str = "my.sepheo.co",
    imap_port: int = 993,
    imap_socket: str = "SSL",
    smtp_host: str = "my.sepheo.co",
    smtp_port: int = 587,
    smtp_socket: str = "STARTTLS",
    username: str = "%EMAILADDRESS%",
    auth: str = "password-cleartext",
) -> Provider:
    xml = f"""<clientConfig version="1.1"><emailProvider id="sepheo.co">
      <domain>sepheo.co</domain><displayName>Sepheo Mail</displayName>
      <incomingServer type="imap"><hostname>{imap_host}</hostname><port>{imap_port}</port>
        <socketType>{imap_socket}</socketType><username>{username}</username>
        <authentication>{auth}</authentication></incomingServer>
      <outgoingServer type="smtp"><hostname>{smtp_host}</hostname><port>{smtp_port}</port>
        <socketType>{smtp_socket}</socketType><username>{username}</username>
        <authentication>{auth}</authentication></outgoingServer>
    </emailProvider></clientConfig>"""
    return parse_provider(xml.encode())


PROVIDER = make_provider()


def profile_from(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def prefs(profile: Path) -> dict[str, PrefValue]:
    path = profile / "prefs.js"
    if not path.exists():
        return {}
    return parse_prefs(decode(path.read_bytes())).values()


def snapshot(profile: Path) -> dict[str, bytes]:
    """Every file in the profile with its bytes: 'nothing changed' means this is equal."""
    return {
        str(p.relative_to(profile)): p.read_bytes()
        for p in sorted(profile.rglob("*"))
        if p.is_file()
    }


def backups(profile: Path) -> list[Path]:
    return sorted(profile.glob("prefs.js.wizard-*"))


def write(profile: Path, provider: Provider = PROVIDER, **kwargs: object) -> WriteResult:
    return write_account(profile, provider, ADDRESS, NAME, now=NOW, **kwargs)  # type: ignore[arg-type]


def listed(value: PrefValue | None) -> list[str]:
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


# --- the same promises for every kind of profile ---


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_existing_pref_keeps_its_value_and_lists_only_grow(
    fixture: str, tmp_path: Path
) -> None:
    profile = profile_from(fixture, tmp_path)
    before = prefs(profile)
    result = write(profile)
    assert result.ok and result.changed, result.message
    after = prefs(profile)
    for name, value in before.items():
        assert name in after, name
        if name == "mail.account.lastKey":
            assert int(after[name]) > int(value)  # the one counter we move forward
        elif name in result.updated:
            # The only other kind of existing value we change: a comma list we extend.
            old, new = listed(value), listed(after[name])
            assert new[: len(old)] == old, name
        else:
            assert after[name] == value and type(after[name]) is type(value), name


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if f != "fresh"])
def test_original_lines_stay_in_place_and_new_prefs_are_appended(
    fixture: str, tmp_path: Path
) -> None:
    profile = profile_from(fixture, tmp_path)
    old_lines = (profile / "prefs.js").read_bytes().split(b"\n")
    result = write(profile)
    new_lines = (profile / "prefs.js").read_bytes().split(b"\n")
    assert len(new_lines) > len(old_lines)
    for old, new in zip(old_lines[:-1], new_lines, strict=False):
        if old != new:  # an extended list, edited where it stood
            assert any(f'"{name}"'.encode() in old for name in result.updated), old
    appended = [line for line in new_lines[len(old_lines) - 1 :] if line.strip()]
    assert appended[0].startswith(old_lines[-1])  # the old last line, completed by a newline
    assert all(line.startswith(b"user_pref(") for line in appended[1:])


@pytest.mark.parametrize("fixture", FIXTURES)
def test_a_second_run_changes_nothing_at_all(fixture: str, tmp_path: Path) -> None:
    profile = profile_from(fixture, tmp_path)
    first = write(profile)
    assert first.changed
    state = snapshot(profile)
    second = write_account(profile, PROVIDER, ADDRESS, NAME, now=datetime(2026, 6, 1))
    assert second.ok and not second.changed
    assert second.created == () and second.updated == ()
    assert second.backup is None
    assert second.account_key == first.account_key
    assert snapshot(profile) == state  # byte-identical prefs.js, no new backup
    assert "nothing was changed" in second.message


@pytest.mark.parametrize("fixture", FIXTURES)
def test_a_running_thunderbird_is_honoured_and_nothing_is_written(
    fixture: str, tmp_path: Path
) -> None:
    profile = profile_from(fixture, tmp_path)
    with parentlock_held_by_another_process(profile):
        state = snapshot(profile)
        result = write(profile)
        assert snapshot(profile) == state
    assert not result.ok
    assert result.cause is Cause.THUNDERBIRD_RUNNING
    assert "Close Thunderbird" in result.message
    assert backups(profile) == []


# --- what gets written ---


def test_a_fresh_profile_gets_a_prefs_js_with_just_the_account(tmp_path: Path) -> None:
    profile = profile_from("fresh", tmp_path)
    result = write(profile)
    assert result.ok and result.new_account and result.backup is None
    values = prefs(profile)
    assert values["mail.accountmanager.accounts"] == "account1"
    assert values["mail.accountmanager.defaultaccount"] == "account1"
    assert values["mail.account.lastKey"] == 1
    assert values["mail.smtpservers"] == "smtp1"
    assert values["mail.smtp.defaultserver"] == "smtp1"
    # Local Folders is left to Thunderbird: verifyExistingAccounts() creates it, localised, at
    # the first start (see account.py; test_thunderbird_real checks it happens).
    assert "mail.accountmanager.localfoldersserver" not in values
    assert (
        (profile / "prefs.js").read_text(encoding="utf-8").startswith("// Mozilla User Preferences")
    )


def test_local_folders_stay_and_the_account_takes_the_next_keys(tmp_path: Path) -> None:
    profile = profile_from("local-folders-only", tmp_path)
    result = write(profile)
    assert (result.account_key, result.server_key) == ("account2", "server2")
    assert (result.identity_key, result.smtp_key) == ("id1", "smtp1")
    values = prefs(profile)
    assert values["mail.accountmanager.accounts"] == "account1,account2"
    assert values["mail.accountmanager.localfoldersserver"] == "server1"
    assert values["mail.accountmanager.defaultaccount"] == "account2"
    assert values["mail.account.lastKey"] == 2


def test_a_last_key_at_the_integer_ceiling_takes_the_lowest_free_key(tmp_path: Path) -> None:
    # Found by the merge property test: lastKey 2147483647 made the next key unwritable.
    profile = profile_from("local-folders-only", tmp_path)
    prefs_js = profile / "prefs.js"
    prefs_js.write_text(
        prefs_js.read_text(encoding="utf-8") + 'user_pref("mail.account.lastKey", 2147483647);\n',
        encoding="utf-8",
    )
    result = write(profile)
    assert result.ok and result.account_key == "account2"
    values = prefs(profile)
    assert values["mail.accountmanager.accounts"] == "account1,account2"
    assert values["mail.account.lastKey"] == 2147483647


def test_lists_are_extended_and_existing_defaults_left_alone(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    result = write(profile)
    assert (result.account_key, result.server_key) == ("account4", "server4")
    assert (result.identity_key, result.smtp_key) == ("id4", "smtp3")
    values = prefs(profile)
    assert values["mail.accountmanager.accounts"] == "account1,account3,account2,account4"
    assert values["mail.smtpservers"] == "smtp1,smtp2,smtp3"
    assert values["mail.accountmanager.defaultaccount"] == "account1"
    assert values["mail.smtp.defaultserver"] == "smtp1"
    assert values["mail.account.lastKey"] == 4
    assert values["mail.account.account4.identities"] == "id4"


def test_new_keys_skip_numbers_that_leftover_prefs_still_use(tmp_path: Path) -> None:
    (tmp_path / "prefs.js").write_text(
        'user_pref("mail.account.lastKey", 1);\n'
        'user_pref("mail.accountmanager.accounts", "account1");\n'
        'user_pref("mail.account.account1.server", "server3");\n'
        'user_pref("mail.server.server3.type", "none");\n'
        # Left behind by a deleted account: not listed, but their keys are not free.
        'user_pref("mail.account.account2.server", "server1");\n'
        'user_pref("mail.server.server1.hostname", "old.example.org");\n'
        'user_pref("mail.identity.id1.useremail", "old@example.org");\n'
        'user_pref("mail.smtpserver.smtp1.hostname", "old.example.org");\n'
    )
    result = write(tmp_path)
    assert (result.account_key, result.server_key) == ("account3", "server2")
    assert (result.identity_key, result.smtp_key) == ("id2", "smtp2")
    assert prefs(tmp_path)["mail.account.lastKey"] == 3


def test_the_account_matches_what_thunderbirds_wizard_writes(tmp_path: Path) -> None:
    result = write(tmp_path)
    v = prefs(tmp_path)
    a, s, i, o = result.account_key, result.server_key, result.identity_key, result.smtp_key
    assert v[f"mail.account.{a}.server"] == s
    assert v[f"mail.account.{a}.identities"] == i
    expected_server: dict[str, PrefValue] = {
        "type": "imap",
        "hostname": "my.sepheo.co",
        "port": 993,
        "socketType": 3,
        "authMethod": 3,
        "userName": ADDRESS,
        "name": ADDRESS,
        "login_at_startup": True,
        "check_new_mail": True,
    }
    for key, value in expected_server.items():
        assert v[f"mail.server.{s}.{key}"] == value, key
    uri = "imap://joe.bloggs%40sepheo.co@my.sepheo.co"
    expected_identity: dict[str, PrefValue] = {
        "useremail": ADDRESS,
        "fullName": NAME,
        "smtpServer": str(o),
        "valid": True,
        "fcc_folder": f"{uri}/Sent",
        "draft_folder": f"{uri}/Drafts",
        "stationery_folder": f"{uri}/Templates",
        "fcc_folder_picker_mode": "0",
        "drafts_folder_picker_mode": "0",
        "tmpl_folder_picker_mode": "0",
    }
    for key, value in expected_identity.items():
        assert v[f"mail.identity.{i}.{key}"] == value, key
    expected_smtp: dict[str, PrefValue] = {
        "type": "smtp",
        "hostname": "my.sepheo.co",
        "port": 587,
        "try_ssl": 2,
        "authMethod": 3,
        "username": ADDRESS,
        "description": "Sepheo Mail",
    }
    for key, value in expected_smtp.items():
        assert v[f"mail.smtpserver.{o}.{key}"] == value, key


def test_smtp_borrows_the_imap_password_so_it_is_asked_once(tmp_path: Path) -> None:
    result = write(tmp_path)
    assert prefs(tmp_path)[f"mail.smtpserver.{result.smtp_key}.incomingAccount"] == (
        result.server_key
    )


@pytest.mark.parametrize(
    ("imap_socket", "socket_type", "smtp_socket", "try_ssl"),
    [("SSL", 3, "STARTTLS", 2), ("STARTTLS", 2, "SSL", 3), ("plain", 0, "plain", 0)],
)
def test_security_and_ports_come_from_the_provider(
    tmp_path: Path, imap_socket: str, socket_type: int, smtp_socket: str, try_ssl: int
) -> None:
    provider = make_provider(
        imap_host="imap.example.net",
        imap_port=1143,
        imap_socket=imap_socket,
        smtp_host="smtp.example.net",
        smtp_port=2525,
        smtp_socket=smtp_socket,
        username="%EMAILLOCALPART%",
    )
    result = write(tmp_path, provider)
    v = prefs(tmp_path)
    s, o = f"mail.server.{result.server_key}.", f"mail.smtpserver.{result.smtp_key}."
    assert (v[s + "hostname"], v[s + "port"], v[s + "socketType"]) == (
        "imap.example.net",
        1143,
        socket_type,
    )
    assert (v[o + "hostname"], v[o + "port"], v[o + "try_ssl"]) == (
        "smtp.example.net",
        2525,
        try_ssl,
    )
    assert v[s + "userName"] == v[o + "username"] == "joe.bloggs"
    assert v[f"mail.identity.{result.identity_key}.fcc_folder"] == (
        "imap://joe.bloggs@imap.example.net/Sent"
    )


def test_folder_uris_escape_the_login_like_thunderbird(tmp_path: Path) -> None:
    result = write_account(tmp_path, PROVIDER, "o'neil+news@sepheo.co", NAME)
    assert prefs(tmp_path)[f"mail.identity.{result.identity_key}.draft_folder"] == (
        "imap://o%27neil%2Bnews%40sepheo.co@my.sepheo.co/Drafts"
    )


def test_names_with_quotes_backslashes_and_line_separators_are_stored_exactly(
    tmp_path: Path,
) -> None:
    name = 'Zoë "Z" O\'Brien \\ 日本 \u2028 😀'
    result = write_account(tmp_path, PROVIDER, ADDRESS, name)
    assert result.ok, result.message
    assert prefs(tmp_path)[f"mail.identity.{result.identity_key}.fullName"] == name
    raw = (tmp_path / "prefs.js").read_bytes()
    assert "\u2028".encode() not in raw
    assert b"\\u2028" in raw


# --- re-runs ---


def test_a_rerun_with_new_provider_settings_updates_the_same_account(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    first = write(profile)
    moved = make_provider(imap_port=1993, imap_socket="STARTTLS", smtp_port=465, smtp_socket="SSL")
    second = write_account(profile, moved, ADDRESS, "Joe Q. Bloggs", now=datetime(2026, 2, 1))
    assert second.ok and second.changed and not second.new_account
    assert (second.account_key, second.server_key, second.smtp_key) == (
        first.account_key,
        first.server_key,
        first.smtp_key,
    )
    v = prefs(profile)
    assert v[f"mail.server.{first.server_key}.port"] == 1993
    assert v[f"mail.server.{first.server_key}.socketType"] == 2
    assert v[f"mail.smtpserver.{first.smtp_key}.try_ssl"] == 3
    assert v[f"mail.identity.{first.identity_key}.fullName"] == "Joe Q. Bloggs"
    assert listed(v["mail.accountmanager.accounts"]).count(str(first.account_key)) == 1
    assert listed(v["mail.smtpservers"]).count(str(first.smtp_key)) == 1
    assert second.backup is not None and second.backup.exists()
    assert set(second.updated) >= {f"mail.server.{first.server_key}.port"}


def test_a_rerun_keeps_what_the_person_changed_in_thunderbird(tmp_path: Path) -> None:
    first = write(tmp_path)
    path = tmp_path / "prefs.js"
    s, i = f"mail.server.{first.server_key}.", f"mail.identity.{first.identity_key}."
    text = path.read_text(encoding="utf-8")
    text = text.replace(f'"{s}name", "{ADDRESS}"', f'"{s}name", "Work mail"')
    text = text.replace(f'"{s}login_at_startup", true', f'"{s}login_at_startup", false')
    text = text.replace("/Sent", "/Sent Items")
    path.write_text(text, encoding="utf-8")
    again = write(tmp_path)
    assert again.ok and not again.changed
    v = prefs(tmp_path)
    assert v[s + "name"] == "Work mail"
    assert v[s + "login_at_startup"] is False
    assert str(v[i + "fcc_folder"]).endswith("/Sent Items")


def test_the_same_address_on_the_same_server_is_updated_never_duplicated(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    provider = make_provider(imap_host="imap.example.org", smtp_host="smtp.example.org")
    result = write_account(profile, provider, "anna@example.org", "Anna Beispiel", now=NOW)
    assert result.ok and not result.new_account
    assert (result.account_key, result.server_key, result.identity_key) == (
        "account1",
        "server1",
        "id1",
    )
    assert result.smtp_key == "smtp1"  # the identity's own SMTP entry, reused
    v = prefs(profile)
    assert v["mail.accountmanager.accounts"] == "account1,account3,account2"
    assert v["mail.smtpservers"] == "smtp1,smtp2"
    assert v["mail.identity.id1.fcc_folder"] == (
        "imap://anna%40example.org@imap.example.org/Sent"
    )  # kept as the person had it


def test_the_same_address_on_another_server_is_left_alone_and_reported(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    before = prefs(profile)
    result = write_account(profile, PROVIDER, "anna@example.org", "Anna Beispiel", now=NOW)
    assert result.ok and result.new_account
    assert [(o.account_key, o.hostname) for o in result.others] == [
        ("account1", "imap.example.org")
    ]
    assert "imap.example.org" in result.message and "left as it is" in result.message
    after = prefs(profile)
    for name, value in before.items():
        if name.startswith(("mail.server.server1.", "mail.identity.id1.", "mail.smtpserver.smtp1")):
            assert after[name] == value
    # Thunderbird's own rule when the account name is taken.
    assert after[f"mail.server.{result.server_key}.name"] == "anna@example.org (IMAP)"


def test_an_smtp_entry_other_accounts_use_is_never_edited(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    before = prefs(profile)
    smtp1 = {n: v for n, v in before.items() if n.startswith("mail.smtpserver.smtp1.")}
    # Same host and login as smtp1 (used by account1), but other settings: a new entry.
    differs = make_provider(smtp_host="smtp.example.org", smtp_port=465, smtp_socket="SSL")
    result = write_account(profile, differs, "anna@example.org", "Anna", now=NOW)
    assert result.smtp_key == "smtp3"
    # Same settings: reused as it is, without our description or password link.
    profile2 = profile_from("two-accounts", tmp_path / "again")
    same = make_provider(smtp_host="smtp.example.org")
    result2 = write_account(profile2, same, "anna@example.org", "Anna", now=NOW)
    assert result2.smtp_key == "smtp1"
    for after in (prefs(profile), prefs(profile2)):
        assert {n: v for n, v in after.items() if n.startswith("mail.smtpserver.smtp1.")} == smtp1


# --- refusals ---


def test_a_corrupt_prefs_js_is_refused_backed_up_and_left_unchanged(tmp_path: Path) -> None:
    profile = profile_from("corrupt", tmp_path)
    original = (profile / "prefs.js").read_bytes()
    result = write(profile)
    assert not result.ok and result.cause is Cause.PREFS_CORRUPT
    assert (profile / "prefs.js").read_bytes() == original
    # A copy is made on purpose: Thunderbird drops unparsable lines at its next start.
    assert backups(profile) == [result.backup]
    assert result.backup is not None and result.backup.read_bytes() == original
    assert "line 9" in result.message and "nothing was changed" in result.message
    assert sorted(p.name for p in profile.iterdir()) == ["prefs.js", result.backup.name]


@contextmanager
def really_read_only(folder: Path) -> Iterator[str]:
    """Read-only in a way the kernel enforces even for root, or skip."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield "chmod 555"
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("running as root without chattr +i support; see the simulated test below")
    try:
        yield "chattr +i"
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


@pytest.mark.parametrize("fixture", ["fresh", "two-accounts"])
def test_a_read_only_profile_is_refused_and_left_unchanged(fixture: str, tmp_path: Path) -> None:
    profile = profile_from(fixture, tmp_path)
    state = snapshot(profile)
    with really_read_only(profile):
        result = write(profile)
    assert not result.ok and result.cause is Cause.PROFILE_READ_ONLY, result
    assert "read-only" in result.message and "Nothing was changed" in result.message
    assert snapshot(profile) == state


def test_missing_write_permission_is_honoured_even_when_running_as_root(tmp_path: Path) -> None:
    """Root may write anywhere; the permission bits still say the owner made it read-only."""
    profile = profile_from("local-folders-only", tmp_path)
    state = snapshot(profile)
    profile.chmod(0o555)
    try:
        result = write(profile)
    finally:
        profile.chmod(0o755)
    assert result.cause is Cause.PROFILE_READ_ONLY
    assert snapshot(profile) == state


def test_a_write_that_fails_midway_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: the file system turns read-only between the backup and the swap."""
    profile = profile_from("two-accounts", tmp_path)
    state = snapshot(profile)

    def read_only_replace(src: object, dst: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only_replace)
    result = write(profile)
    assert result.cause is Cause.PROFILE_READ_ONLY
    assert snapshot(profile) == state  # no backup, no temporary file, prefs.js untouched


def test_the_profile_lock_is_held_for_the_whole_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between reading prefs.js and the swap, another process sees the profile as in use."""
    profile = profile_from("two-accounts", tmp_path)
    seen: list[str] = []
    real_replace = os.replace

    def replace_and_look(src: object, dst: object) -> None:
        # What a starting Thunderbird would see at the moment of the swap, asked from
        # another process because fcntl locks belong to a process.
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from wizard.clients.thunderbird import check_profile_lock as c; "
                "print(c(__import__('pathlib').Path(sys.argv[1])).running)",
                str(profile),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
        )
        seen.append(probe.stdout.strip())
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace_and_look)
    result = write(profile)
    assert result.ok and result.changed, result.message
    assert seen == ["True"]
    # Released afterwards, and nothing of the lock is left behind.
    assert not (profile / "lock").is_symlink() and not (profile / ".parentlock").exists()
    assert not check_profile_lock(profile).running


def test_a_dangling_prefs_js_link_creates_nothing_outside_the_profile(tmp_path: Path) -> None:
    profile = profile_from("fresh", tmp_path)
    outside = tmp_path / "elsewhere" / "prefs.js"
    outside.parent.mkdir()
    (profile / "prefs.js").symlink_to(outside)
    result = write(profile)
    assert not result.ok and result.cause is Cause.PROFILE_READ_ONLY
    assert "link" in result.message and "nothing was changed" in result.message
    assert not outside.exists()
    assert (profile / "prefs.js").is_symlink() and not backups(profile)


def test_a_prefs_js_link_to_a_real_file_is_left_alone(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    target = tmp_path / "shared-prefs.js"
    shutil.move(profile / "prefs.js", target)
    (profile / "prefs.js").symlink_to(target)
    before = target.read_bytes()
    result = write(profile)
    assert not result.ok and result.cause is Cause.PROFILE_READ_ONLY
    assert target.read_bytes() == before and (profile / "prefs.js").is_symlink()


def test_a_missing_profile_folder_says_so(tmp_path: Path) -> None:
    result = write(tmp_path / "nowhere")
    assert result.cause is Cause.NO_PROFILE
    assert "start it once" in result.message
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("not an address", NAME),
        ("joe@", NAME),
        (ADDRESS, "   "),
        (ADDRESS, "Joe\x00Bloggs"),
        (ADDRESS, "Joe\nBloggs"),
    ],
)
def test_bad_addresses_and_names_are_refused_before_touching_anything(
    tmp_path: Path, address: str, name: str
) -> None:
    profile = profile_from("fresh", tmp_path)
    state = snapshot(profile)
    result = write_account(profile, PROVIDER, address, name)
    assert result.cause is Cause.BAD_INPUT and result.message
    assert snapshot(profile) == state


def test_a_provider_login_method_thunderbird_lacks_is_bad_input(tmp_path: Path) -> None:
    result = write(tmp_path, make_provider(auth="smoke-signals"))
    assert result.cause is Cause.BAD_INPUT
    assert "smoke-signals" in result.message
    assert not (tmp_path / "prefs.js").exists()


# --- details ---


def test_the_backup_holds_the_original_and_is_never_overwritten(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    original = (profile / "prefs.js").read_bytes()
    first = write(profile)
    assert first.backup == profile / "prefs.js.wizard-20260102-030405"
    assert first.backup.read_bytes() == original
    middle = (profile / "prefs.js").read_bytes()
    second = write_account(profile, make_provider(imap_port=1993), ADDRESS, NAME, now=NOW)
    assert second.backup == profile / "prefs.js.wizard-20260102-030405-2"
    assert second.backup.read_bytes() == middle
    assert first.backup.read_bytes() == original


def test_the_file_mode_of_prefs_js_is_kept(tmp_path: Path) -> None:
    profile = profile_from("two-accounts", tmp_path)
    (profile / "prefs.js").chmod(0o600)
    write(profile)
    assert stat.S_IMODE((profile / "prefs.js").stat().st_mode) == 0o600


def test_user_js_that_overrides_our_prefs_is_reported(tmp_path: Path) -> None:
    profile = profile_from("local-folders-only", tmp_path)
    (profile / "user.js").write_text('user_pref("mail.accountmanager.accounts", "account1");\n')
    result = write(profile)
    assert result.ok
    assert any("user.js" in w and "mail.accountmanager.accounts" in w for w in result.warnings)


def test_the_writer_takes_no_password_and_writes_none(tmp_path: Path) -> None:
    parameters = inspect.signature(write_account).parameters
    assert not [p for p in parameters if "pass" in p.lower() or "secret" in p.lower()]
    write(tmp_path)
    text = (tmp_path / "prefs.js").read_text(encoding="utf-8").lower()
    assert "password" not in text and "passwd" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prefs.js"]


def test_a_first_account_puts_replies_above_the_quote_like_thunderbirds_wizard(
    tmp_path: Path,
) -> None:
    result = write(profile_from("fresh", tmp_path))
    assert prefs(tmp_path / "fresh")[f"mail.identity.{result.identity_key}.reply_on_top"] == 1


def test_a_further_account_answers_like_the_default_account(tmp_path: Path) -> None:
    # two-accounts: the default account's identity id1 sets no reply_on_top, i.e. Thunderbird's
    # default 0 (below the quote); its own wizard copies that, and so do we.
    profile = profile_from("two-accounts", tmp_path)
    result = write(profile)
    assert prefs(profile)[f"mail.identity.{result.identity_key}.reply_on_top"] == 0
    path = profile_from("two-accounts", tmp_path / "b") / "prefs.js"
    path.write_text(
        path.read_text()
        + 'user_pref("mail.identity.id1.reply_on_top", 1);\n'
        + 'user_pref("mail.identity.id1.sig_bottom", false);\n'
    )
    result = write(path.parent)
    values = prefs(path.parent)
    assert values[f"mail.identity.{result.identity_key}.reply_on_top"] == 1
    assert values[f"mail.identity.{result.identity_key}.sig_bottom"] is False
