"""The handout, instructions and mobileconfig subcommands, through the parser they register."""

from __future__ import annotations

import argparse
import os
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest
import trustme

from wizard.handout.cli import register

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data" / "providers"
ADDRESS = "joe.bloggs@sepheo.co"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mail-setup-wizard-cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


def test_handout_writes_the_html_and_the_pdf_and_prints_both_paths(
    qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    status = run(
        ["handout", ADDRESS, "--name", "Joe Bloggs", "--clients", "apple_mail", "--out", str(out)]
    )
    assert status == 0
    printed = capsys.readouterr().out.split()
    assert [Path(p).suffix for p in printed] == [".html", ".pdf"]
    assert all(Path(p).is_file() and Path(p).parent == out for p in printed)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["handout", "not an address", "--name", "Joe"], "spaces"),
        (["handout", ADDRESS, "--name", "Joe\x07"], "control character"),
        (["handout", ADDRESS, "--name", "Joe", "--clients", "lotus"], "unknown client"),
        (["handout", ADDRESS, "--name", "Joe", "--provider", "/no/such.xml"], "cannot read"),
        (["instructions", ADDRESS, "--client", "lotus"], "unknown client"),
        (["instructions", "joe@"], "missing after"),
        (["mobileconfig", ADDRESS, "--name", "Joe", "--sign-cert", "c.pem"], "both"),
        (
            ["mobileconfig", ADDRESS, "--name", "Joe", "--sign-cert", "/no/c", "--sign-key", "/k"],
            "not found",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    assert says in one_error_line(capsys)


def test_instructions_prints_one_clients_steps_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    provider = str(DATA / "example-org.xml")
    argv = ["instructions", "jane.doe@example.org", "--client", "thunderbird"]
    assert run([*argv, "--provider", provider]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Thunderbird (set up by hand)")
    assert "mail.example.org" in out and "143" in out and "STARTTLS" in out


def test_instructions_without_a_client_prints_every_guide(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["instructions", ADDRESS, "--name", "Joe"]) == 0
    out = capsys.readouterr().out
    for title in ("Outlook (classic) for Windows", "Outlook (new) for Windows", "Mail filters"):
        assert title in out


def test_mobileconfig_writes_an_unsigned_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "joe.mobileconfig"
    assert run(["mobileconfig", ADDRESS, "--name", "Joe Bloggs", "--out", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    profile = plistlib.loads(target.read_bytes())
    assert profile["PayloadContent"][0]["EmailAddress"] == ADDRESS


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not found")
def test_mobileconfig_signs_with_a_passphrase_taken_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives import serialization

    ca = trustme.CA()
    leaf = ca.issue_cert("profiles.test.example")
    cert, key, chain = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "chain.pem"
    leaf.cert_chain_pems[0].write_to_path(cert)
    ca.cert_pem.write_to_path(chain)
    private = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"it-team-secret"),
        )
    )
    monkeypatch.setenv("PROFILE_KEY_PASS", "it-team-secret")
    target = tmp_path / "signed.mobileconfig"
    argv = ["mobileconfig", ADDRESS, "--name", "Joe", "--out", str(target)]
    argv += ["--sign-cert", str(cert), "--sign-key", str(key), "--sign-chain", str(chain)]
    argv += ["--sign-passphrase-env", "PROFILE_KEY_PASS"]
    assert run(argv) == 0
    verified = subprocess.run(
        ["openssl", "smime", "-verify", "-noverify", "-inform", "der", "-in", str(target)],
        capture_output=True,
        check=False,
    )
    assert verified.returncode == 0
    assert plistlib.loads(verified.stdout)["PayloadType"] == "Configuration"
    capsys.readouterr()
    monkeypatch.delenv("PROFILE_KEY_PASS")
    assert run(argv) == 2
    assert "PROFILE_KEY_PASS" in one_error_line(capsys)
