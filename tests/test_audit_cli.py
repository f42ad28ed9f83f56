"""``python -m wizard audit``: bad input refused in one line (exit 2), the kit written where
asked from the provider file, the JSON shape of the issue, and the whole run within 10 s even
when the resolver and the servers never answer."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import trustme

from tests.support.cli import run_cli
from wizard.audit.cli import EXIT_BAD_INPUT, EXIT_FAILED


@pytest.mark.parametrize(
    "domain", ["bad domain", "joe@sepheo.co", "https://sepheo.co/", "bad_label.org", "sepheo", ""]
)
def test_an_invalid_domain_is_refused_with_one_line(domain: str) -> None:
    result = run_cli("audit", domain)
    assert result.returncode == EXIT_BAD_INPUT
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: ")
    assert result.stdout == ""


def test_the_kit_needs_a_provider_file_that_covers_the_domain(tmp_path: Path) -> None:
    result = run_cli("audit", "example.org", "--kit", str(tmp_path / "kit"))
    assert result.returncode == EXIT_BAD_INPUT
    assert "provider file" in result.stderr
    assert not (tmp_path / "kit").exists()


def test_audit_writes_the_kit_and_answers_in_the_issues_json_within_ten_seconds(
    tmp_path: Path,
) -> None:
    # A resolver that never answers: every look-up runs into its bound.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        started = time.monotonic()
        result = run_cli(
            "audit",
            "sepheo.co",
            "--json",
            "--kit",
            str(tmp_path / "kit"),
            "--dns-server",
            f"127.0.0.1:{silent.getsockname()[1]}",
            "--timeout",
            "1",
        )
        took = time.monotonic() - started
    finally:
        silent.close()
    assert took < 10 + 2  # the audit's 10 s, plus starting Python
    assert result.returncode == EXIT_FAILED, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"domain", "elapsed_ms", "findings", "programs"}
    assert report["domain"] == "sepheo.co" and report["elapsed_ms"] < 10_000
    for finding in report["findings"]:
        assert set(finding) == {"id", "ok", "what", "found", "why"}
        assert finding["ok"] in (True, False, None)
    programs = {p["program"]: p for p in report["programs"]}
    assert set(programs) == {
        "Thunderbird (desktop)",
        "Thunderbird for Android",
        "Outlook (classic)",
        "new Outlook",
        "Apple Mail (macOS, iOS)",
        "Mail Setup Wizard",
    }
    for program in programs.values():
        assert set(program) == {"program", "will_use", "how", "ok"}
    assert programs["Thunderbird (desktop)"]["will_use"] is None  # nothing answered
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    assert "config-v1.1.xml" in names and "sepheo.co.mobileconfig" in names
    assert "README.txt" in names and "dns-records.zone" in names


def test_the_kits_profile_is_signed_when_a_certificate_and_key_are_given(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    ca = trustme.CA()
    leaf = ca.issue_cert("profiles.sepheo.co")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        result = run_cli(
            "audit",
            "sepheo.co",
            "--kit",
            str(tmp_path / "kit"),
            "--sign-cert",
            str(cert),
            "--sign-key",
            str(key),
            "--dns-server",
            f"127.0.0.1:{silent.getsockname()[1]}",
            "--timeout",
            "0.5",
        )
    finally:
        silent.close()
    assert result.returncode == EXIT_FAILED, result.stderr
    profile = (tmp_path / "kit" / "sepheo.co.mobileconfig").read_bytes()
    assert profile[:1] == b"\x30"  # DER CMS, not the plain XML plist
    verified = subprocess.run(
        ["openssl", "smime", "-verify", "-noverify", "-inform", "der"],
        input=profile,
        capture_output=True,
        check=False,
    )
    assert verified.returncode == 0 and b"com.apple.mail.managed" in verified.stdout
    assert "(signed)" in (tmp_path / "kit" / "README.txt").read_text()


def test_signing_needs_both_files_and_a_kit(tmp_path: Path) -> None:
    result = run_cli("audit", "sepheo.co", "--sign-cert", str(tmp_path / "c.pem"))
    assert result.returncode == EXIT_BAD_INPUT and "--sign-key" in result.stderr


def test_a_provider_file_for_other_domains_is_refused(tmp_path: Path) -> None:
    provider = tmp_path / "provider.xml"
    provider.write_text(
        """<clientConfig version="1.1"><emailProvider id="example.org">
        <domain>example.org</domain><displayName>Example</displayName>
        <incomingServer type="imap"><hostname>mail.example.org</hostname><port>993</port>
        <socketType>SSL</socketType></incomingServer>
        <outgoingServer type="smtp"><hostname>mail.example.org</hostname><port>587</port>
        <socketType>STARTTLS</socketType></outgoingServer>
        <branding><organization>Example</organization></branding>
        </emailProvider></clientConfig>"""
    )
    result = run_cli("audit", "sepheo.co", "--provider", str(provider))
    assert result.returncode == EXIT_BAD_INPUT
    assert "does not cover sepheo.co" in result.stderr and result.stdout == ""
