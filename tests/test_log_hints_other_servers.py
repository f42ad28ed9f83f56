"""Hints for servers other than Dovecot and Haraka: Exim's quoted words are on its own mainlog
line; Cyrus, which logs only to syslog here, is named but nothing of it is quoted."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.checks import check_all
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from tests.support.log_lines import backticked, wait_for_line, within_window

# The Cyrus and Exim instances of test_checks_other_servers (module-scoped there).
from tests.test_checks_other_servers import (
    _provider,
    cyrus,
    exim,
    exim_userdb_missing,
    server_dir,
)
from wizard.checks.errors import Cause
from wizard.log_hints import hint_for
from wizard.services import Service


def _exim_stamp(line: str) -> datetime:
    """Exim's mainlog stamp ("2026-12-01 09:20:07"), in the machine's local time."""
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").astimezone()


@pytest.mark.parametrize(
    ("instance", "password", "cause", "words"),
    [
        ("exim", "not-the-password", Cause.AUTH_FAILED, "535 Incorrect authentication data"),
        ("exim_userdb_missing", GOOD_PASSWORD, Cause.AUTH_UNAVAILABLE, "435 Unable to"),
    ],
)
def test_exims_refused_login_is_found_by_the_words_on_its_mainlog_line(
    request, cyrus, tmp_path, instance, password, cause, words
):
    server = request.getfixturevalue(instance)
    provider = _provider(tmp_path, cyrus, server)
    offset = len(server.log_text())
    results = check_all(provider, GOOD_USER, password, ca_file=cyrus.ca_pem, only=[Service.SMTP])
    [smtp] = results
    assert smtp.cause == cause
    assert smtp.server_software == "Exim 4.96" or smtp.server_software.startswith("Exim ")
    assert smtp.server_seen_ip == "127.0.0.1"  # "Hello [127.0.0.1] [127.0.0.1]"
    hint = hint_for(smtp, provider, results)
    assert hint is not None
    fragments = backticked(hint.text)
    assert fragments and any(words in f for f in fragments), hint.text
    assert f"(set_id={GOOD_USER})" in fragments
    line = wait_for_line(server.log_text, fragments, after=offset)
    assert line is not None, f"no Exim line with {fragments}:\n{server.log_text()[offset:]}"
    assert within_window(hint.text, _exim_stamp(line)), (hint.text, line)
    assert "usually /var/log/exim4/mainlog" in hint.text


def test_cyrus_is_named_but_nothing_of_it_is_quoted(cyrus, exim, tmp_path):
    provider = _provider(tmp_path, cyrus, exim)
    results = check_all(provider, GOOD_USER, "not-the-password", ca_file=cyrus.ca_pem)
    for r in results:
        if r.service is Service.SMTP:
            continue
        assert r.server_software and r.server_software.startswith("Cyrus ")
        hint = hint_for(r, provider, results)
        assert hint is not None
        assert backticked(hint.text) == [], hint.text
        assert f"is {r.server_software}" in hint.text and GOOD_USER in hint.text
        assert "Cyrus's log on localhost is usually the system log" in hint.text
