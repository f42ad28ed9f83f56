"""Proof with a real Thunderbird (issue 24 item 9): wrong settings fail, "Fix it" makes them work;
an old saved password fails at the server, and after "forget" Thunderbird no longer tries it.

Same scaffolding as ``test_thunderbird_real.py`` (a profile Thunderbird creates itself, loopback
only, the test CA trusted in the profile, passwords stored by the test the way Thunderbird's
login manager stores them, NSS SDR-encrypted), so the profile is the one Thunderbird writes, and
the verdicts come from Dovecot's own log.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.test_thunderbird_real import (
    Marionette,
    _create_profile,
    _environment,
    _isolate,
    _marionette,
    _missing,
    _new_log_text,
    _prefs,
    _quit_gracefully,
    _store_test_password,
    _trust_ca,
    _wait_for,
    running_thunderbird,
)
from wizard.clients.found import Setting
from wizard.clients.thunderbird import write_account
from wizard.clients.thunderbird.logins import forget_saved_passwords, server_origins
from wizard.clients.thunderbird.prefsjs import render_pref
from wizard.mail_programs.look import look_at_mail_programs
from wizard.provider import load_provider
from wizard.services import Service

pytestmark = [pytest.mark.thunderbird, pytest.mark.dovecot]


@pytest.fixture(scope="module")
def thunderbird_bin() -> str:
    path = shutil.which("thunderbird")
    if not path:
        _missing("Thunderbird is not installed (Debian: apt install thunderbird)")
    if not shutil.which("certutil") or not ctypes.util.find_library("nss3"):
        _missing("NSS tools are not installed (Debian: apt install libnss3-tools)")
    assert path is not None
    return path


def _failed_login(login: str) -> re.Pattern[str]:
    """Dovecot's word for a refused login: the auth process at once (auth_verbose), or the
    login process when the connection closes."""
    name = re.escape(login)
    return re.compile(
        rf"auth: [^\n]*\({name},[^\n]*(?:unknown user|[Pp]assword mismatch)"
        rf"|imap-login: Info: (?:Aborted login|Disconnected|Login aborted)[^\n]*auth failed"
        rf"[^\n]*user=<{name}>"
    )


def _good_login(login: str) -> re.Pattern[str]:
    return re.compile(rf"imap-login: Info: Login: user=<{re.escape(login)}>, [^\n]*\bTLS\b")


def _stop(client: Marionette | None, proc: subprocess.Popen[bytes], profile: Path) -> None:
    """A graceful quit when Thunderbird lets us; a login-failed prompt may keep it waiting."""
    if client is not None:
        with contextlib.suppress(Exception):
            _quit_gracefully(client, proc, profile)
            return


def _store_logins(profile: Path, origin: str, entries: list[tuple[str, str]]) -> None:
    """Several logins for one server (one per user name), each encrypted like Thunderbird."""
    logins: list[dict[str, Any]] = []
    for username, password in entries:
        _store_test_password(profile, origin, username, password)
        login = json.loads((profile / "logins.json").read_text())["logins"][0]
        login["id"] = len(logins) + 1
        logins.append(login)
    document = json.loads((profile / "logins.json").read_text())
    document["logins"], document["nextId"] = logins, len(logins) + 1
    (profile / "logins.json").write_text(json.dumps(document), encoding="utf-8")


def _setup(
    thunderbird: str, dovecot: Any, tmp_path: Path
) -> tuple[Path, dict[str, str], str, str, Any]:
    home = tmp_path / "home"
    env = _environment(home)
    profile = tmp_path / "profile"
    _create_profile(thunderbird, env, profile)
    users: dict[str, str] = dovecot.users
    address = "joe.bloggs@sepheo.co" if "joe.bloggs@sepheo.co" in users else next(iter(users))
    provider = load_provider(dovecot.write_provider(tmp_path / "provider.xml"))
    return profile, env, address, users[address], provider


def test_wrong_settings_fail_in_thunderbird_and_fix_it_makes_it_log_in(
    thunderbird_bin: str,
    dovecot: Any,
    tmp_path: Path,
) -> None:
    profile, env, address, password, provider = _setup(thunderbird_bin, dovecot, tmp_path)
    short = address.partition("@")[0]
    # The account as a person might have typed it: short login, SSL on the STARTTLS port.
    wrong = load_provider(
        dovecot.write_provider(
            tmp_path / "wrong.xml", username="%EMAILLOCALPART%", smtp_socket="SSL"
        )
    )
    made = write_account(profile, wrong, address, "Joe Bloggs")
    assert made.ok, made.message
    with (profile / "prefs.js").open("a", encoding="utf-8") as prefs:
        # Unrelated and not a default value (Gecko drops user prefs equal to their default).
        prefs.write(render_pref("wizardtest.unrelated", "kept") + "\n")
    _isolate(profile)
    _trust_ca(profile, dovecot.ca_pem)
    origin = f"imap://{provider.imap.hostname}"
    _store_logins(profile, origin, [(short, password), (address, password)])

    log_path: Path = dovecot.log_path
    start = log_path.stat().st_size if log_path.exists() else 0
    with running_thunderbird(thunderbird_bin, profile, env, tmp_path / "tb1.log") as proc:
        line = _wait_for(
            "Dovecot refusing Thunderbird's short login",
            lambda: _failed_login(short).search(_new_log_text(log_path, start)),
            120,
            proc,
        )
        print("Dovecot:", line.group(0))
        assert not _good_login(address).search(_new_log_text(log_path, start))
        client = _marionette(profile, proc)
        _stop(client, proc, profile)

    # The app names the differences, read from the prefs.js Thunderbird itself rewrote.
    look = look_at_mail_programs(provider, address, profile=profile)
    [finding] = look.findings
    named = {(d.service, d.setting) for d in finding.differences}
    assert {
        (Service.IMAP, Setting.USERNAME),
        (Service.SMTP, Setting.SECURITY),
        (Service.SMTP, Setting.USERNAME),
    } <= named, finding.differences

    fixed = write_account(
        profile, provider, address, "Joe Bloggs", account_key=finding.account.account
    )
    assert fixed.ok and fixed.changed and not fixed.new_account, fixed.message
    assert not look_at_mail_programs(provider, address, profile=profile).findings[0].differences

    start = log_path.stat().st_size
    smtp_login = re.compile(
        rf"submission-login: Info: Login: user=<{re.escape(address)}>, .*\bTLS\b"
    )
    with running_thunderbird(thunderbird_bin, profile, env, tmp_path / "tb2.log") as proc:
        line = _wait_for(
            "Thunderbird's IMAP login after the fix",
            lambda: _good_login(address).search(_new_log_text(log_path, start)),
            120,
            proc,
        )
        print("Dovecot:", line.group(0))
        client = _marionette(profile, proc)
        client.command("Marionette:SetContext", {"value": "chrome"})
        client.command(
            "WebDriver:ExecuteScript",
            {
                "script": (
                    "const { MailServices } = ChromeUtils.importESModule("
                    "'resource:///modules/MailServices.sys.mjs');"
                    "const smtp = MailServices.outgoingServer.getServerByKey(arguments[0]);"
                    "smtp.verifyLogon({OnStartRunningUrl() {}, OnStopRunningUrl() {}}, null);"
                ),
                "args": [fixed.smtp_key],
            },
        )
        _wait_for(
            "Thunderbird's SMTP login (STARTTLS, full address) after the fix",
            lambda: smtp_login.search(_new_log_text(log_path, start)),
            60,
            proc,
        )
        _quit_gracefully(client, proc, profile)
    after = _prefs(profile)
    assert after.get("wizardtest.unrelated") == "kept"  # the rest of the profile kept
    accounts = str(after["mail.accountmanager.accounts"]).split(",")
    assert finding.account.account in accounts and len(accounts) == 2  # ours + Local Folders


def test_an_old_saved_password_fails_and_after_forget_thunderbird_no_longer_tries_it(
    thunderbird_bin: str,
    dovecot: Any,
    tmp_path: Path,
) -> None:
    profile, env, address, password, provider = _setup(thunderbird_bin, dovecot, tmp_path)
    made = write_account(profile, provider, address, "Joe Bloggs")
    assert made.ok, made.message
    _isolate(profile)
    _trust_ca(profile, dovecot.ca_pem)
    origin = f"imap://{provider.imap.hostname}"
    _store_logins(profile, origin, [(address, password + "-old")])

    log_path: Path = dovecot.log_path
    start = log_path.stat().st_size if log_path.exists() else 0
    with running_thunderbird(thunderbird_bin, profile, env, tmp_path / "tb1.log") as proc:
        line = _wait_for(
            "Dovecot logging the old password's failed attempt",
            lambda: _failed_login(address).search(_new_log_text(log_path, start)),
            120,
            proc,
        )
        print("Dovecot:", line.group(0))
        client = _marionette(profile, proc)
        _stop(client, proc, profile)

    [finding] = look_at_mail_programs(provider, address, profile=profile).findings
    assert [p.server for p in finding.account.saved_passwords] == [origin]
    assert not finding.differences  # the settings are right: only the password is old
    forgot = forget_saved_passwords(
        profile, server_origins("imap", provider.imap.hostname) + ("smtp://x",)
    )
    assert forgot.ok and forgot.removed == (origin,), forgot.message
    assert json.loads((profile / "logins.json").read_text())["logins"] == []

    # With nothing saved Thunderbird connects, then waits for the person to type the password
    # (a modal prompt, which also keeps Marionette from answering): no attempt reaches Dovecot.
    (profile / "MarionetteActivePort").unlink(missing_ok=True)
    start = log_path.stat().st_size
    tb_log = tmp_path / "tb2.log"
    with running_thunderbird(thunderbird_bin, profile, env, tb_log) as proc:
        _wait_for("Thunderbird to start", (profile / "MarionetteActivePort").exists, 90, proc)
        time.sleep(20)  # far longer than the login it made at once before the forget
        assert proc.poll() is None, "Thunderbird exited"
        text = _new_log_text(log_path, start)
        assert not _failed_login(address).search(text), text
        assert not _good_login(address).search(text), text
    waited = re.compile(r"imap-login: Info: [^\n]*\(no auth attempts[^\n]*")
    deadline = time.monotonic() + 15
    while not (line := waited.search(_new_log_text(log_path, start))):
        assert time.monotonic() < deadline, _new_log_text(log_path, start)
        time.sleep(0.25)
    print("Dovecot:", line.group(0))  # it had connected, and sent no password
    assert not _failed_login(address).search(_new_log_text(log_path, start))
    output = tb_log.read_text(errors="replace")
    assert "prefs parse error" not in output and "Login failed" not in output


def test_real_thunderbird_cannot_open_a_profile_while_the_writer_holds_its_lock(
    thunderbird_bin: str, tmp_path: Path
) -> None:
    """Issue 28: the lock is taken and held, so Thunderbird cannot start mid-write."""
    from wizard.clients.thunderbird.profile_files import held_profile_lock

    env = _environment(tmp_path / "home")
    profile = tmp_path / "profile"
    _create_profile(thunderbird_bin, env, profile)
    _isolate(profile)
    command = [thunderbird_bin, "--headless", "--no-remote", "--profile", str(profile)]
    with held_profile_lock(profile):
        try:
            started = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=90, check=False
            )
        except subprocess.TimeoutExpired:
            pytest.fail("Thunderbird kept running on a profile the writer held")
    output = started.stdout + started.stderr
    print(output[-500:])
    # Gecko's own refusal (it exits with status 0 after saying so).
    assert "already running" in output.lower(), output
    assert not (profile / "prefs.js").exists()  # it never got to run on the profile
