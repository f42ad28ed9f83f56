"""The ``thunderbird`` sub-command: arguments, exit codes and messages."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wizard.clients.thunderbird.prefsjs import decode, parse_prefs
from wizard.thunderbird_cli import register

DATA = Path(__file__).parent / "data" / "thunderbird" / "profiles"
ADDRESS = "joe.bloggs@sepheo.co"


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="wizard")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["thunderbird", *argv])
    return int(args.func(args))


def profile_from(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def test_writing_into_a_given_profile_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = profile_from("local-folders-only", tmp_path)
    assert run_cli(ADDRESS, "--name", "Joe Bloggs", "--profile", str(profile)) == 0
    assert "Added the account" in capsys.readouterr().out
    values = parse_prefs(decode((profile / "prefs.js").read_bytes())).values()
    assert values["mail.server.server2.hostname"] == "my.sepheo.co"  # the built-in provider
    assert run_cli(ADDRESS, "--name", "Joe Bloggs", "--profile", str(profile)) == 0
    assert "nothing was changed" in capsys.readouterr().out


def test_the_default_profile_is_found_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / ".thunderbird"
    base.mkdir()
    shutil.copytree(DATA / "fresh", base / "abc.default-esr")
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=abc.default-esr\nDefault=1\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert run_cli(ADDRESS, "--name", "Joe Bloggs") == 0
    assert (base / "abc.default-esr" / "prefs.js").exists()


def test_a_provider_file_is_used_and_a_broken_one_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = tmp_path / "provider.xml"
    provider.write_text(
        textwrap.dedent(
            """\
            <clientConfig version="1.1"><emailProvider id="sepheo.co">
              <domain>sepheo.co</domain><displayName>Test</displayName>
              <incomingServer type="imap"><hostname>imap.test.example</hostname>
                <port>143</port><socketType>STARTTLS</socketType></incomingServer>
              <outgoingServer type="smtp"><hostname>smtp.test.example</hostname>
                <port>587</port><socketType>STARTTLS</socketType></outgoingServer>
            </emailProvider></clientConfig>
            """
        )
    )
    profile = profile_from("fresh", tmp_path)
    argv = [ADDRESS, "--name", "Joe", "--profile", str(profile), "--provider"]
    assert run_cli(*argv, str(provider)) == 0
    values = parse_prefs(decode((profile / "prefs.js").read_bytes())).values()
    assert values["mail.server.server1.hostname"] == "imap.test.example"
    assert values["mail.server.server1.socketType"] == 2

    provider.write_text("<clientConfig>")
    assert run_cli(*argv, str(provider)) == 2
    assert "not well-formed" in capsys.readouterr().err
    assert run_cli(*argv, str(tmp_path / "missing.xml")) == 2


@pytest.mark.parametrize(("address", "name"), [("joe@", "Joe"), (ADDRESS, "Joe\tBloggs")])
def test_a_malformed_address_or_name_exits_2(
    tmp_path: Path, address: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = profile_from("fresh", tmp_path)
    assert run_cli(address, "--name", name, "--profile", str(profile)) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (profile / "prefs.js").exists()


def test_no_thunderbird_exits_1_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert run_cli(ADDRESS, "--name", "Joe") == 1
    err = capsys.readouterr().err
    assert "Install Thunderbird and start it once" in err and "settings table" in err


@pytest.mark.skipif(sys.platform.startswith("win"), reason="fcntl locks are POSIX")
def test_a_running_thunderbird_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = profile_from("two-accounts", tmp_path)
    before = (profile / "prefs.js").read_bytes()
    hold = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)\n"
        "fcntl.lockf(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(profile / ".parentlock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert run_cli(ADDRESS, "--name", "Joe", "--profile", str(profile)) == 1
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert "Close Thunderbird" in capsys.readouterr().err
    assert (profile / "prefs.js").read_bytes() == before


def test_a_corrupt_profile_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = profile_from("corrupt", tmp_path)
    assert run_cli(ADDRESS, "--name", "Joe", "--profile", str(profile)) == 1
    assert "damaged" in capsys.readouterr().err


def test_there_is_no_way_to_hand_the_command_a_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli(ADDRESS, "--name", "Joe", "--profile", str(tmp_path), "--password", "x")
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        run_cli("--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "No password is asked or stored" in help_text
    # The one option with the word in its name removes a saved login; it takes no value.
    rest = help_text.replace("No password is asked or stored", "")
    assert "password" not in rest.replace("forget-saved-password", "").lower()
