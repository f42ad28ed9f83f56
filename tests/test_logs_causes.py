"""A check's cause and what the server's log shows for it: one mapping, for the hints and for
matching a saved report (whose causes arrive as the JSON's strings)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wizard.checks.errors import Cause
from wizard.logs.causes import LOGIN_CAUSES, logged_for
from wizard.logs.report_match import Attempt
from wizard.servers.outcome import ACCOUNT_DISABLED, AUTH_UNAVAILABLE, BLOCKLISTED, LOGIN_REFUSED


def test_the_causes_the_server_decided_are_what_its_log_shows():
    assert logged_for(Cause.AUTH_FAILED) == LOGIN_REFUSED
    assert logged_for(Cause.ACCOUNT_DISABLED) == ACCOUNT_DISABLED
    assert logged_for(Cause.AUTH_UNAVAILABLE) == AUTH_UNAVAILABLE
    assert logged_for(Cause.CONNECTION_BLOCKED) == BLOCKLISTED
    assert logged_for(Cause.CERTIFICATE_UNTRUSTED) is None
    assert {Cause.AUTH_FAILED, Cause.ACCOUNT_DISABLED, Cause.AUTH_UNAVAILABLE} == LOGIN_CAUSES


@pytest.mark.parametrize("text", ["auth_failed", "", "no_such_cause", None])
def test_a_saved_reports_cause_string_is_read_with_the_same_mapping(text):
    expected = LOGIN_REFUSED if text == "auth_failed" else None
    assert logged_for(text) == expected


def test_a_report_attempt_reached_the_login_exactly_for_the_login_causes():
    def attempt(cause: str) -> Attempt:
        return Attempt("imap", "joe@example.org", datetime.now(UTC), 1.0, False, cause)

    assert {c for c in Cause if attempt(c.value).reached_login} == set(LOGIN_CAUSES)
