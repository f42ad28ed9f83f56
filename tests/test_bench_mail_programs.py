"""Smoke test of bench/mail_programs.py's generator: the profile is in Thunderbird's own form
(so the benchmark measures the reader Thunderbird's files get) and holds the wrong account."""

from __future__ import annotations

from pathlib import Path

from bench.mail_programs import generate_profile
from tests.test_mail_programs import ADDRESS, PROVIDER
from wizard.clients.thunderbird import reader
from wizard.mail_programs.look import look_at_mail_programs


def test_generated_profile_is_gecko_form_with_fifty_accounts_and_one_wrong(tmp_path: Path) -> None:
    profile = generate_profile(tmp_path / "p", ADDRESS, "my.sepheo.co", size_mb=0.5)
    raw = (profile / "prefs.js").read_bytes()
    assert 500_000 <= len(raw) < 600_000 and reader._gecko_form(raw)
    values = reader.read_prefs(profile).values
    assert len(str(values["mail.accountmanager.accounts"]).split(",")) == 50
    look = look_at_mail_programs(PROVIDER, ADDRESS, profile=profile, platform="linux")
    [finding] = look.findings
    assert {d.setting.value for d in finding.differences} == {"username", "port", "security"}
    assert finding.account.saved_passwords and not look.problems
