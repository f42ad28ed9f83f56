"""The mail-program page's sentence after a repair: what changed, in the person's words; the
account key and backup file name stay in the full message, which goes to IT's report."""

from __future__ import annotations

from pathlib import Path

from wizard.clients.thunderbird import Cause, WriteResult
from wizard.clients.thunderbird.logins import ForgetResult
from wizard.ui_text.mail_programs import fix_outcome, forget_outcome

PROFILE = Path("/home/joe/.thunderbird/abc.default")


def test_a_fix_says_it_is_done_without_the_account_key_or_backup_file():
    result = WriteResult(
        ok=True,
        message="Updated the account in Thunderbird (account1). The previous settings are "
        "saved as prefs.js.wizard-20261207-200000.",
        profile=PROFILE,
        changed=True,
        account_key="account1",
        backup=PROFILE / "prefs.js.wizard-20261207-200000",
    )
    words = fix_outcome(result)
    assert words.startswith("Done")
    assert "account1" not in words and "prefs.js" not in words


def test_a_fix_refused_because_thunderbird_is_open_names_the_button_to_press_again():
    result = WriteResult(ok=False, message="x", profile=PROFILE, cause=Cause.THUNDERBIRD_RUNNING)
    words = fix_outcome(result)
    assert "Close it completely" in words and "“Fix it in Thunderbird”" in words
    assert "Nothing was changed" in words


def test_forgetting_says_thunderbird_will_ask_without_the_backup_file():
    result = ForgetResult(
        True,
        "Thunderbird will ask for the password again the next time it connects "
        "(imap://mail.example). The previous file is saved as logins.json.wizard-1.",
        removed=("imap://mail.example",),
        backup=PROFILE / "logins.json.wizard-1",
    )
    words = forget_outcome(result)
    assert "will ask for the password" in words and "logins.json" not in words


def test_nothing_to_forget_keeps_the_plain_message():
    result = ForgetResult(True, "Thunderbird has no saved password for this server.")
    assert forget_outcome(result) == result.message
