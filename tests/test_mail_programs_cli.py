"""`diagnose` reports the mail programs (text and --json); `thunderbird` repairs and forgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import diagnose, run_cli
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from tests.test_mail_programs import logins_json, make_profile
from wizard.clients.thunderbird.reader import read_prefs


def wrong_profile(folder: Path, host: str, smtp_port: int, imap_port: int) -> Path:
    """Thunderbird's account for the test user, with SMTP on SSL/465-style and a short login."""
    return make_profile(
        folder,
        {
            "mail.accountmanager.accounts": "account1",
            "mail.account.account1.server": "server1",
            "mail.account.account1.identities": "id1",
            "mail.server.server1.type": "imap",
            "mail.server.server1.hostname": host,
            "mail.server.server1.port": imap_port,
            "mail.server.server1.socketType": 3,
            "mail.server.server1.authMethod": 3,
            "mail.server.server1.userName": GOOD_USER.partition("@")[0],
            "mail.identity.id1.useremail": GOOD_USER,
            "mail.identity.id1.fullName": "Joe Bloggs",
            "mail.identity.id1.smtpServer": "smtp1",
            "mail.smtpservers": "smtp1",
            "mail.smtpserver.smtp1.hostname": host,
            "mail.smtpserver.smtp1.port": smtp_port,
            "mail.smtpserver.smtp1.try_ssl": 3,
            "mail.smtpserver.smtp1.authMethod": 3,
            "mail.smtpserver.smtp1.username": GOOD_USER.partition("@")[0],
        },
    )


@pytest.mark.dovecot
def test_diagnose_json_lists_the_thunderbird_differences(dovecot, provider_file, tmp_path):
    profile = wrong_profile(tmp_path / "tb", dovecot.hostname, 465, dovecot.imap_port)
    logins_json(profile, f"imap://{dovecot.hostname}")
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--json", "--profile", str(profile))
    assert r.returncode == 0, r.stderr
    [found] = json.loads(r.stdout)["mail_programs"]
    assert found["program"] == "thunderbird" and found["profile"] == str(profile)
    assert found["account"] == "account1" and found["offline"] is False
    assert found["saved_password"]["server"] == f"imap://{dovecot.hostname}"
    pairs = {(d["service"], d["setting"]) for d in found["differences"]}
    assert pairs == {
        ("imap", "username"),
        ("smtp", "port"),
        ("smtp", "security"),
        ("smtp", "username"),
    }
    port = next(d for d in found["differences"] if d["setting"] == "port")
    assert port["found"] == "465" and port["expected"] == str(dovecot.submission_port)


@pytest.mark.dovecot
def test_diagnose_text_has_the_mail_programs_and_no_mail_programs_skips_it(
    dovecot, provider_file, tmp_path
):
    profile = wrong_profile(tmp_path / "tb", dovecot.hostname, 465, dovecot.imap_port)
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--profile", str(profile))
    assert "== Mail programs on this computer" in r.stdout
    assert "Thunderbird sends mail through port 465 with SSL/TLS" in r.stdout
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--json", "--no-mail-programs")
    assert "mail_programs" not in json.loads(r.stdout)


def test_diagnose_with_a_missing_profile_is_bad_input_before_any_check(tmp_path: Path) -> None:
    r = run_cli(
        "diagnose", GOOD_USER, "--profile", str(tmp_path / "nope"), "--password-stdin", stdin="x\n"
    )
    assert r.returncode == 2 and "is not a folder" in r.stderr


def test_thunderbird_repairs_the_existing_account_in_place_and_keeps_its_name(
    tmp_path: Path,
) -> None:
    profile = wrong_profile(tmp_path / "tb", "imap.wrong.example", 465, 993)
    r = run_cli("thunderbird", "joe.bloggs@sepheo.co", "--profile", str(profile))
    assert r.returncode == 0, r.stderr
    assert "Updated the account in Thunderbird (account1)" in r.stdout
    values = read_prefs(profile).values
    assert values["mail.accountmanager.accounts"] == "account1"  # no second account
    assert values["mail.server.server1.hostname"] == "my.sepheo.co"
    assert values["mail.server.server1.userName"] == "joe.bloggs@sepheo.co"
    assert values["mail.identity.id1.fullName"] == "Joe Bloggs"
    smtp = values["mail.identity.id1.smtpServer"]
    assert (values[f"mail.smtpserver.{smtp}.port"], values[f"mail.smtpserver.{smtp}.try_ssl"]) == (
        587,
        2,
    )


def test_thunderbird_without_an_account_needs_a_name(tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "tb", {})
    r = run_cli("thunderbird", "joe.bloggs@sepheo.co", "--profile", str(profile))
    assert r.returncode == 2 and "--name" in r.stderr


def test_forget_saved_password_from_the_command_line(tmp_path: Path) -> None:
    profile = wrong_profile(tmp_path / "tb", "my.sepheo.co", 465, 993)
    logins_json(profile, "imap://my.sepheo.co", "imap://other.example")
    prefs_before = (profile / "prefs.js").read_bytes()
    r = run_cli(
        "thunderbird", "joe.bloggs@sepheo.co", "--profile", str(profile), "--forget-saved-password"
    )
    assert r.returncode == 0, r.stderr
    assert "imap://my.sepheo.co" in r.stdout
    kept = json.loads((profile / "logins.json").read_text())["logins"]
    assert [lg["hostname"] for lg in kept] == ["imap://other.example"]
    assert (profile / "prefs.js").read_bytes() == prefs_before
