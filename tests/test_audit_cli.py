"""``python -m wizard audit``: bad input refused in one line (exit 2), the kit written where
asked from the provider file, the JSON shape of the issue, and the whole run within 10 s even
when the resolver and the servers never answer."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

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
        "Thunderbird",
        "Thunderbird for Android",
        "Outlook (classic)",
        "new Outlook",
        "Apple Mail (macOS, iOS)",
        "Mail Setup Wizard",
    }
    for program in programs.values():
        assert set(program) == {"program", "will_use", "how", "ok"}
    assert programs["Thunderbird"]["will_use"] is None  # nothing answered
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    assert "config-v1.1.xml" in names and "sepheo.co.mobileconfig" in names
    assert "README.txt" in names and "dns-records.zone" in names
