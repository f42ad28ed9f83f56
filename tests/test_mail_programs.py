"""Reading Thunderbird and Outlook accounts for an address and explaining each wrong setting."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.profile_lock import parentlock_held_by_another_process
from wizard.clients.found import Setting
from wizard.clients.outlook.fields import dialog_field
from wizard.clients.outlook.registry import ACCOUNTS_KEY, read_accounts
from wizard.clients.thunderbird.logins import forget_saved_passwords, saved_passwords
from wizard.clients.thunderbird.prefsjs import render_pref
from wizard.clients.thunderbird.reader import accounts_for, read_prefs
from wizard.mail_programs.compare import compare_account
from wizard.mail_programs.look import look_at_mail_programs
from wizard.mail_programs.render import text_lines, to_json
from wizard.provider import parse_provider
from wizard.services import Security, Service

ADDRESS = "joe.bloggs@sepheo.co"
PROVIDER = parse_provider(
    b"""<clientConfig version="1.1"><emailProvider id="sepheo.co">
  <domain>sepheo.co</domain><displayName>Sepheo Mail</displayName>
  <displayShortName>Sepheo</displayShortName>
  <incomingServer type="imap"><hostname>my.sepheo.co</hostname><port>993</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <outgoingServer type="smtp"><hostname>my.sepheo.co</hostname><port>587</port>
    <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></outgoingServer>
</emailProvider></clientConfig>"""
)

RIGHT: dict[str, object] = {
    "mail.accountmanager.accounts": "account1,account2",
    "mail.account.account1.server": "server1",
    "mail.account.account1.identities": "id1",
    "mail.server.server1.type": "imap",
    "mail.server.server1.hostname": "my.sepheo.co",
    "mail.server.server1.port": 993,
    "mail.server.server1.socketType": 3,
    "mail.server.server1.authMethod": 3,
    "mail.server.server1.userName": ADDRESS,
    "mail.identity.id1.useremail": ADDRESS,
    "mail.identity.id1.fullName": "Joe Bloggs",
    "mail.identity.id1.smtpServer": "smtp1",
    "mail.smtpservers": "smtp1,smtp2",
    "mail.smtpserver.smtp1.hostname": "my.sepheo.co",
    "mail.smtpserver.smtp1.port": 587,
    "mail.smtpserver.smtp1.try_ssl": 2,
    "mail.smtpserver.smtp1.authMethod": 3,
    "mail.smtpserver.smtp1.username": ADDRESS,
    # Another person's account, never touched or reported.
    "mail.account.account2.server": "server2",
    "mail.account.account2.identities": "id2",
    "mail.server.server2.type": "imap",
    "mail.server.server2.hostname": "imap.example.org",
    "mail.server.server2.userName": "anna@example.org",
    "mail.identity.id2.useremail": "anna@example.org",
    "mail.identity.id2.smtpServer": "smtp2",
    "mail.smtpserver.smtp2.hostname": "smtp.example.org",
    "mail.smtpserver.smtp2.port": 465,
    "mail.smtpserver.smtp2.try_ssl": 3,
    "mail.smtpserver.smtp2.username": "anna@example.org",
}
WRONG = {
    **RIGHT,
    "mail.server.server1.userName": "joe.bloggs",
    "mail.smtpserver.smtp1.port": 465,
    "mail.smtpserver.smtp1.try_ssl": 3,
    "mail.smtpserver.smtp1.username": "joe.bloggs",
}


def make_profile(folder: Path, prefs: Mapping[str, object], *, header: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["// Mozilla User Preferences", ""] if header else []
    lines += [render_pref(k, v) for k, v in prefs.items()]  # type: ignore[arg-type]
    (folder / "prefs.js").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def logins_json(folder: Path, *origins: str, changed_ms: int = 1_700_000_000_000) -> None:
    document = {
        "nextId": len(origins) + 1,
        "logins": [
            {
                "id": n + 1,
                "hostname": origin,
                "httpRealm": origin,
                "formSubmitURL": None,
                "usernameField": "",
                "passwordField": "",
                "encryptedUsername": "MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECA==",
                "encryptedPassword": "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECBBBBB==",
                "guid": f"{{0000000{n}-0000-0000-0000-000000000000}}",
                "encType": 1,
                "timeCreated": changed_ms,
                "timeLastUsed": changed_ms + 5000,
                "timePasswordChanged": changed_ms,
                "timesUsed": 3,
            }
            for n, origin in enumerate(origins)
        ],
        "potentiallyVulnerablePasswords": [],
        "dismissedBreachAlertsByLoginGUID": {},
        "version": 3,
    }
    (folder / "logins.json").write_text(json.dumps(document), encoding="utf-8")


def look(profile: Path) -> list[dict[str, object]]:
    return to_json(look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux"))


# --- reading and comparing Thunderbird ---


def test_a_right_account_has_no_differences_and_others_are_not_reported(tmp_path: Path) -> None:
    found = look(make_profile(tmp_path / "p", RIGHT))
    assert len(found) == 1
    assert found[0]["account"] == "account1" and found[0]["differences"] == []
    assert found[0]["program"] == "thunderbird" and found[0]["offline"] is False


def test_ssl_on_465_and_a_short_user_name_are_each_explained(tmp_path: Path) -> None:
    [found] = look(make_profile(tmp_path / "p", WRONG))
    by = {(d["service"], d["setting"]): d for d in found["differences"]}  # type: ignore[index,union-attr]
    assert set(by) == {
        ("imap", "username"),
        ("smtp", "port"),
        ("smtp", "security"),
        ("smtp", "username"),
    }
    port = by[("smtp", "port")]
    assert (port["found"], port["expected"]) == ("465", "587")
    assert port["explanation"] == (
        "Thunderbird sends mail through port 465 with SSL/TLS; Sepheo's server expects port 587 "
        "with STARTTLS."
    )
    assert by[("smtp", "security")]["found"] == "SSL/TLS"
    assert "short name" in by[("imap", "username")]["explanation"]
    assert ADDRESS in by[("imap", "username")]["explanation"]


@pytest.mark.parametrize(
    ("changes", "service", "setting", "words"),
    [
        ({"mail.server.server1.hostname": "imap.sepheo.co"}, "imap", "hostname", "imap.sepheo.co"),
        ({"mail.server.server1.socketType": 2}, "imap", "security", "STARTTLS"),
        (
            {"mail.server.server1.socketType": 0, "mail.server.server1.port": 993},
            "imap",
            "security",
            "unprotected",
        ),
        ({"mail.server.server1.authMethod": 4}, "imap", "authentication", "Encrypted password"),
        ({"mail.smtpserver.smtp1.authMethod": 10}, "smtp", "authentication", "OAuth2"),
        (
            {"mail.server.server1.type": "pop3", "mail.server.server1.port": 995},
            "imap",
            "protocol",
            "POP3",
        ),
    ],
)
def test_each_kind_of_wrong_setting_is_named(
    tmp_path: Path, changes: dict[str, object], service: str, setting: str, words: str
) -> None:
    [found] = look(make_profile(tmp_path / "p", {**RIGHT, **changes}))
    diffs = [d for d in found["differences"] if (d["service"], d["setting"]) == (service, setting)]  # type: ignore[union-attr,index]
    assert len(diffs) == 1, found["differences"]
    assert words in diffs[0]["explanation"]


def test_an_auth_method_the_server_offers_is_not_a_difference_when_capabilities_are_known() -> None:
    from wizard.checks.model import CheckResult

    values = {**RIGHT, "mail.server.server1.authMethod": 4}
    [account] = accounts_for(values, ADDRESS, PROVIDER, profile="p")
    imap = CheckResult(Service.IMAP, "my.sepheo.co", 993, Security.TLS, ADDRESS)
    imap.capabilities = ("IMAP4REV1", "AUTH=PLAIN", "AUTH=CRAM-MD5")
    from wizard.mail_programs.compare import offered_mechanisms

    assert not compare_account(account, PROVIDER, ADDRESS, offered_mechanisms([imap]))
    imap.capabilities = ("IMAP4REV1", "AUTH=PLAIN")
    [diff] = compare_account(account, PROVIDER, ADDRESS, offered_mechanisms([imap]))
    assert diff.setting is Setting.AUTHENTICATION and "does not offer" in diff.explanation


def test_an_outgoing_server_of_another_account_is_named(tmp_path: Path) -> None:
    values = {**RIGHT, "mail.identity.id1.smtpServer": "smtp2"}
    [found] = look(make_profile(tmp_path / "p", values))
    explanations = [d["explanation"] for d in found["differences"]]  # type: ignore[union-attr,index]
    assert any("anna@example.org, another account" in e for e in explanations), explanations


def test_two_accounts_for_the_address_are_both_reported_as_duplicates(tmp_path: Path) -> None:
    values = {
        **RIGHT,
        "mail.accountmanager.accounts": "account1,account2,account3",
        "mail.account.account3.server": "server3",
        "mail.account.account3.identities": "id3",
        "mail.server.server3.type": "pop3",
        "mail.server.server3.hostname": "my.sepheo.co",
        "mail.server.server3.userName": ADDRESS,
        "mail.identity.id3.useremail": ADDRESS,
    }
    found = look(make_profile(tmp_path / "p", values))
    assert [f["account"] for f in found] == ["account1", "account3"]
    assert all(f["duplicate"] for f in found)


def test_work_offline_is_read_from_thunderbirds_global_state(tmp_path: Path) -> None:
    [found] = look(make_profile(tmp_path / "p", {**RIGHT, "offline.startup_state": 3}))
    assert found["offline"] is True
    [found] = look(make_profile(tmp_path / "q", {**RIGHT, "network.online": False}))
    assert found["offline"] is True
    [found] = look(
        make_profile(tmp_path / "r", {**RIGHT, "offline.startup_state": 2, "network.online": False})
    )
    assert found["offline"] is False


def test_no_account_for_the_address_gives_an_empty_list(tmp_path: Path) -> None:
    values = {k: v for k, v in RIGHT.items() if ".account1." not in k and "server1" not in k}
    values["mail.accountmanager.accounts"] = "account2"
    assert look(make_profile(tmp_path / "p", values)) == []


# --- bad input: read as far as sound, never changed ---


def test_a_damaged_prefs_js_is_read_up_to_the_damage_and_left_unchanged(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "p", WRONG)
    raw = (profile / "prefs.js").read_bytes() + b'user_pref("broken", \n/* never closed'
    (profile / "prefs.js").write_bytes(raw)
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux")
    assert len(result.findings) == 1 and result.findings[0].differences
    assert any("damaged at line" in p for p in result.problems), result.problems
    assert (profile / "prefs.js").read_bytes() == raw


@pytest.mark.parametrize(
    "tail",
    [
        b'user_pref("mail.x", "\\u12");\n',  # odd escape
        b'user_pref("mail.x", "\xff\xfe not utf-8");\n',
        b'user_pref("mail.server.server9.hostname", "half-defined");\n',
        b'user_pref("mail.x", "trunc',
    ],
)
def test_odd_files_are_read_as_far_as_sound(tmp_path: Path, tail: bytes) -> None:
    profile = make_profile(tmp_path / "p", RIGHT)
    raw = (profile / "prefs.js").read_bytes() + tail
    (profile / "prefs.js").write_bytes(raw)
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux")
    assert [f.account.account for f in result.findings] == ["account1"]
    assert (profile / "prefs.js").read_bytes() == raw


def test_the_fast_reader_and_the_full_parser_agree(tmp_path: Path) -> None:
    gecko = make_profile(tmp_path / "gecko", WRONG)
    hand = make_profile(tmp_path / "hand", WRONG)
    (hand / "prefs.js").write_text(
        "/* hand edited */\n" + (hand / "prefs.js").read_text(encoding="utf-8"), encoding="utf-8"
    )
    fast, full = read_prefs(gecko).values, read_prefs(hand).values
    assert fast and all(full[name] == value for name, value in fast.items())
    assert accounts_for(fast, ADDRESS, PROVIDER, profile="p") == accounts_for(
        full, ADDRESS, PROVIDER, profile="p"
    )


def test_an_unreadable_profile_is_named_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=missing, platform="linux")
    assert result.findings == () and any(str(missing) in p for p in result.problems)
    fifo = make_profile(tmp_path / "fifo", RIGHT)
    (fifo / "prefs.js").unlink()
    os.mkfifo(fifo / "prefs.js")  # would hang a naive reader
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=fifo, platform="linux")
    assert any("not a regular file" in p for p in result.problems), result.problems


def test_reading_works_while_thunderbird_holds_the_profile(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "p", WRONG)
    with parentlock_held_by_another_process(profile):
        assert len(look(profile)) == 1


# --- the saved password ---


def test_saved_passwords_are_reported_by_server_and_date_without_decrypting(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "p", RIGHT)
    logins_json(profile, "imap://my.sepheo.co", "smtp://my.sepheo.co", "imap://imap.example.org")
    [found] = look(profile)
    assert found["saved_password"] == {
        "server": "imap://my.sepheo.co",
        "changed": datetime.fromtimestamp(1_700_000_000, UTC).isoformat(),
    }
    assert (
        len(
            look_at_mail_programs(PROVIDER, ADDRESS, profile=profile)
            .findings[0]
            .account.saved_passwords
        )
        == 2
    )


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe", b'{"logins": [', b"[" * 100_000 + b"]" * 100_000, b'"just a string"'],
)
def test_a_bad_logins_json_is_named_and_never_changed(tmp_path: Path, content: bytes) -> None:
    profile = make_profile(tmp_path / "p", RIGHT)
    (profile / "logins.json").write_bytes(content)
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux")
    assert len(result.findings) == 1 and result.findings[0].account.saved_passwords == ()
    assert any("logins.json" in p for p in result.problems)
    forgot = forget_saved_passwords(profile, ("imap://my.sepheo.co",))
    assert not forgot.ok and (profile / "logins.json").read_bytes() == content


def test_forget_removes_only_that_servers_logins_with_a_backup(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "p", RIGHT)
    logins_json(profile, "imap://my.sepheo.co", "smtp://my.sepheo.co", "imap://imap.example.org")
    before = (profile / "logins.json").read_bytes()
    result = forget_saved_passwords(profile, ("imap://my.sepheo.co", "smtp://my.sepheo.co"))
    assert result.ok and result.removed == ("imap://my.sepheo.co", "smtp://my.sepheo.co")
    assert result.backup is not None and result.backup.read_bytes() == before
    after = json.loads((profile / "logins.json").read_text())
    assert [lg["hostname"] for lg in after["logins"]] == ["imap://imap.example.org"]
    kept_before = json.loads(before)["logins"][2]
    assert after["logins"][0] == kept_before  # the other login, every field as it was
    assert {k: after[k] for k in after if k != "logins"} == {
        k: v for k, v in json.loads(before).items() if k != "logins"
    }
    assert [p.server for p in saved_passwords(profile)] == ["imap://imap.example.org"]
    again = forget_saved_passwords(profile, ("imap://my.sepheo.co",))
    assert again.ok and again.removed == () and again.backup is None


def test_forget_refuses_while_thunderbird_runs_and_changes_nothing(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "p", RIGHT)
    logins_json(profile, "imap://my.sepheo.co")
    before = {p.name: p.read_bytes() for p in profile.iterdir()}
    with parentlock_held_by_another_process(profile):  # the holder creates .parentlock
        result = forget_saved_passwords(profile, ("imap://my.sepheo.co",))
    assert not result.ok and result.running and "Close it" in result.message
    after = {p.name: p.read_bytes() for p in profile.iterdir() if p.name != ".parentlock"}
    assert after == before


def test_forget_never_writes_through_a_linked_logins_json(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "p", RIGHT)
    target = tmp_path / "elsewhere.json"
    logins_json(profile, "imap://my.sepheo.co")
    (profile / "logins.json").rename(target)
    (profile / "logins.json").symlink_to(target)
    before = target.read_bytes()
    result = forget_saved_passwords(profile, ("imap://my.sepheo.co",))
    assert not result.ok and "link" in result.message and target.read_bytes() == before


# --- Outlook (classic), through the registry interface with values in Outlook's format ---


def utf16(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


class DictRegistry:
    def __init__(self, data: dict[tuple[str, str], dict[str, dict[str, object]]]) -> None:
        self.data = data

    def profiles(self) -> Iterator[tuple[str, str]]:
        yield from self.data

    def accounts(self, version: str, profile: str) -> Iterator[tuple[str, Mapping[str, object]]]:
        yield from self.data[(version, profile)].items()


OUTLOOK_WRONG = {
    "Account Name": utf16(ADDRESS),
    "Email": utf16(ADDRESS),
    "Display Name": utf16("Joe Bloggs"),
    "IMAP Server": utf16("my.sepheo.co"),
    "IMAP User": utf16("joe.bloggs"),
    "IMAP Port": 993,
    "IMAP Use SSL": 1,
    "SMTP Server": utf16("my.sepheo.co"),
    "SMTP Port": 465,
    "SMTP Use SSL": 1,
    "SMTP Use Auth": 1,
    "IMAP Password": b"\x01\x00\x00\x00\xd0\x8c\x9d\xdf",  # DPAPI blob: never read
}


def test_outlook_accounts_are_read_from_utf16_binaries_and_dwords() -> None:
    registry = DictRegistry(
        {
            ("16.0", "Outlook"): {
                "00000002": OUTLOOK_WRONG,
                "00000003": {"Account Name": utf16("Exchange")},  # no IMAP/POP: skipped
            }
        }
    )
    [found] = read_accounts(registry)
    account = found.account
    assert (found.version, found.profile, found.key) == ("16.0", "Outlook", "00000002")
    assert account.address == ADDRESS and account.incoming is not None
    assert account.incoming.username == "joe.bloggs" and account.incoming.port == 993
    assert account.outgoing is not None and account.outgoing.username == "joe.bloggs"
    result = look_at_mail_programs(
        PROVIDER,
        ADDRESS,
        profile=None,
        home=Path("/nonexistent"),
        platform="win32",
        outlook=registry,
        environ={"APPDATA": "/nonexistent"},
    )
    [finding] = result.findings
    settings = {(d.service, d.setting) for d in finding.differences}
    assert settings == {
        (Service.IMAP, Setting.USERNAME),
        (Service.SMTP, Setting.PORT),
        (Service.SMTP, Setting.SECURITY),
        (Service.SMTP, Setting.USERNAME),
    }
    port = next(d for d in finding.differences if d.setting is Setting.PORT)
    assert port.explanation.startswith("Outlook sends mail through port 465 with SSL/TLS")
    assert dialog_field(port) == "More Settings… > Advanced > Outgoing server (SMTP)"
    text = "\n".join(text_lines(result))
    assert "has not been run against a real Outlook" in text
    assert "Outlook (new)" in text  # listed as not checkable on Windows
    from wizard.ui_text.mail_programs import mail_programs_text

    assert any(
        "not been run against a real Outlook" in line
        for line in mail_programs_text(result, PROVIDER).details
    )
    empty = look_at_mail_programs(
        PROVIDER,
        "nobody@sepheo.co",
        home=Path("/nonexistent"),
        platform="win32",
        outlook=registry,
        environ={"APPDATA": "/nonexistent"},
    )
    assert not empty.findings and any(
        "Outlook 2013, 2016, 2019, 2021, 2024" in line
        for line in mail_programs_text(empty, PROVIDER).details
    )
    assert ACCOUNTS_KEY == "9375CFF0413111d3B88A00104B2A6676"


def test_outlook_strings_are_bounded_and_odd_values_ignored() -> None:
    values = {
        "IMAP Server": utf16("my.sepheo.co") + b"garbage-after-nul",
        "IMAP User": b"\x00" * 5,  # odd length, empty
        "IMAP Port": "993",  # a string where a DWORD belongs: ignored, default used
        "IMAP Use SSL": 1,
        "Email": ("x" * 10_000).encode("utf-16-le"),
    }
    [found] = read_accounts(DictRegistry({("16.0", "P"): {"00000001": values}}))
    assert found.account.incoming is not None
    assert found.account.incoming.hostname == "my.sepheo.co"
    assert found.account.incoming.port == 993 and found.account.incoming.username == ""
    assert len(found.account.address) <= 1024


def test_control_characters_from_a_planted_prefs_js_are_shown_escaped(tmp_path: Path) -> None:
    hostile = {**RIGHT, "mail.server.server1.hostname": "my.sepheo.co\x1b]52;c;Y3VybA==\x07"}
    profile = make_profile(tmp_path / "p", hostile)
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux")
    text = "\n".join(text_lines(result)) + json.dumps(to_json(result))
    assert "\x1b" not in text and "\x07" not in text
    assert "my.sepheo.co\\x1b]52;c;Y3VybA==\\x07" in "\n".join(text_lines(result))


def test_a_huge_prefs_js_is_read_in_part_and_named(tmp_path: Path) -> None:
    from wizard.clients.thunderbird import reader

    profile = make_profile(tmp_path / "p", WRONG)
    with (profile / "prefs.js").open("ab") as prefs:
        prefs.truncate(reader.MAX_READ_BYTES + 4096)  # sparse: NUL bytes after the accounts
    size = (profile / "prefs.js").stat().st_size
    result = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux")
    assert len(result.findings) == 1 and result.findings[0].differences
    assert any("prefs.js" in p for p in result.problems), result.problems
    assert (profile / "prefs.js").stat().st_size == size


def test_fix_it_changes_only_that_account_in_place_and_is_idempotent(tmp_path: Path) -> None:
    from wizard.clients.thunderbird.reader import read_prefs
    from wizard.mail_programs.repair import can_fix, fix_in_thunderbird

    values = {**WRONG, "mail.server.server1.hostname": "imap.wrong.example"}
    profile = make_profile(tmp_path / "p", values)
    before = read_prefs(profile).values
    [finding] = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile).findings
    assert can_fix(finding)
    result = fix_in_thunderbird(finding, PROVIDER, ADDRESS)
    assert result.ok and result.changed and not result.new_account, result.message
    after = read_prefs(profile).values
    others = {k: v for k, v in before.items() if "server2" in k or "id2" in k or "smtp2" in k}
    assert {k: after[k] for k in others} == others  # the other account untouched
    assert after["mail.accountmanager.accounts"] == "account1,account2"
    assert after["mail.identity.id1.fullName"] == "Joe Bloggs"  # the name kept
    assert not look_at_mail_programs(PROVIDER, ADDRESS, profile=profile).findings[0].differences
    backups = sorted(profile.glob("prefs.js.wizard-*"))
    again = fix_in_thunderbird(finding, PROVIDER, ADDRESS)
    assert again.ok and not again.changed
    assert sorted(profile.glob("prefs.js.wizard-*")) == backups  # no second backup


def test_a_pop_account_is_reported_but_not_converted() -> None:
    from wizard.mail_programs.repair import can_fix

    values = {**RIGHT, "mail.server.server1.type": "pop3", "mail.server.server1.port": 995}
    [account] = accounts_for(values, ADDRESS, PROVIDER, profile="p")
    from wizard.mail_programs.model import Finding

    finding = Finding(account, compare_account(account, PROVIDER, ADDRESS))
    assert finding.differences and not can_fix(finding)
