"""Hints for IT hold to the real server's log: every backticked fragment is on the very line
Dovecot wrote for that attempt, in the UTC second the hint gives."""

from __future__ import annotations

import pytest

from tests.support.checks import check_all
from tests.support.dovecot_server import (
    DISABLED_PASSWORD,
    DISABLED_USER,
    GOOD_PASSWORD,
    GOOD_USER,
    DovecotServer,
)
from tests.support.log_lines import backticked, dovecot_stamp, wait_for_line, within_window
from wizard.checks.errors import Cause
from wizard.log_hints import hint_for, outcome_of
from wizard.logs import Filters, read_sessions
from wizard.provider import load_provider, parse_provider
from wizard.report import make_report, summary
from wizard.servers import Logged, Reason
from wizard.servers.outcome import LOGIN_REFUSED
from wizard.services import Service

pytestmark = pytest.mark.dovecot


def _check_against_log(server: DovecotServer, provider, user: str, password: str, ca=None):
    offset = len(server.log_text())
    results = check_all(provider, user, password, ca_file=ca or server.ca_pem)
    hints = {}
    for r in results:
        hint = hint_for(r, provider, results)
        assert hint is not None, r.service
        fragments = backticked(hint.text)
        assert fragments, hint.text
        assert tuple(fragments) == hint.fragments
        line = wait_for_line(server.log_text, fragments, after=offset)
        assert line is not None, f"{r.service}: no line in Dovecot's log with {fragments}"
        assert within_window(hint.text, dovecot_stamp(line)), (hint.text, line)
        hints[r.service] = (hint, line, r)
    return hints


@pytest.mark.parametrize(
    ("user", "password", "cause", "words"),
    [
        (GOOD_USER, "wrong-password", Cause.AUTH_FAILED, "(auth failed"),
        (GOOD_USER, GOOD_PASSWORD, None, "Login: user=<"),
        (DISABLED_USER, DISABLED_PASSWORD, Cause.ACCOUNT_DISABLED, "successful auths"),
    ],
    ids=["wrong-password", "success", "disabled"],
)
def test_every_quoted_fragment_is_on_dovecots_own_line_for_that_attempt(
    dovecot, provider_file, user, password, cause, words
):
    provider = load_provider(provider_file)
    hints = _check_against_log(dovecot, provider, user, password)
    assert set(hints) == {Service.IMAP, Service.SMTP, Service.SIEVE}
    for service, process in (
        (Service.IMAP, "imap-login:"),
        (Service.SMTP, "submission-login:"),
        (Service.SIEVE, "managesieve-login:"),
    ):
        hint, line, result = hints[service]
        assert result.cause == cause
        assert result.server_software == "Dovecot"
        assert process in hint.fragments and words in line
        assert f"user=<{user}>" in line and user in hint.text
        assert "Dovecot's log on localhost is usually /var/log/mail.log" in hint.text
        # Dovecot never says which address it sees: only our own, labelled as ours.
        assert "the server did not say which address it sees" in hint.text
        assert "this computer's own address is 127.0.0.1" in hint.text


@pytest.mark.parametrize(
    ("user", "password", "broken"),
    [
        (GOOD_USER, "wrong-password", False),
        (GOOD_USER, GOOD_PASSWORD, False),
        (DISABLED_USER, DISABLED_PASSWORD, False),
        (GOOD_USER, GOOD_PASSWORD, True),
    ],
    ids=["wrong-password", "success", "disabled", "auth-down"],
)
def test_the_log_reader_reads_the_hinted_line_as_the_outcome_the_hint_quoted_it_for(
    dovecot_factory, user, password, broken
):
    # The hint's words and the reader's come from one place (wizard.servers.dovecot): the line
    # the hint points at is, for the log reader, the very outcome the hint was written for.
    server = dovecot_factory(broken_passdb=broken)
    provider = parse_provider(server.provider_xml().encode())
    hints = _check_against_log(server, provider, user, password)
    sessions = list(read_sessions([str(server.log_path)], Filters(address=user)))
    for service, (_hint, line, result) in hints.items():
        [session] = [s for s in sessions if line in s.lines]
        read = Logged(session.outcome, session.reason)
        if read.reason in (Reason.WRONG_PASSWORD, Reason.UNKNOWN_USER):
            # The auth process's verdict line tells the reader more than the client knew.
            read = LOGIN_REFUSED
        assert read == outcome_of(result), service


def test_a_login_service_that_is_down_is_found_by_dovecots_temporary_failure_words(
    dovecot_factory,
):
    broken = dovecot_factory(broken_passdb=True)
    provider = parse_provider(broken.provider_xml().encode())
    hints = _check_against_log(broken, provider, GOOD_USER, GOOD_PASSWORD)
    for hint, _line, result in hints.values():
        assert result.cause == Cause.AUTH_UNAVAILABLE
        assert "`auth service reported temporary failure`" in hint.text


def test_a_refused_certificate_after_starttls_points_at_the_no_login_line(dovecot_factory):
    wrong_name = dovecot_factory(cert_hosts=("mail.example.net",))
    provider = parse_provider(wrong_name.provider_xml().encode())
    offset = len(wrong_name.log_text())
    results = check_all(provider, GOOD_USER, GOOD_PASSWORD, ca_file=wrong_name.ca_pem)
    smtp = next(r for r in results if r.service is Service.SMTP)
    assert smtp.cause == Cause.CERTIFICATE_HOSTNAME_MISMATCH
    hint = hint_for(smtp, provider, results)
    assert hint is not None
    assert backticked(hint.text) == ["submission-login:", "Disconnected", "no auth attempts"]
    line = wait_for_line(wrong_name.log_text, hint.fragments, after=offset)
    assert line is not None and within_window(hint.text, dovecot_stamp(line))
    # IMAP on 993 fails before the greeting: the software is unknown, so nothing is quoted.
    imap = next(r for r in results if r.service is Service.IMAP)
    assert imap.server_software is None
    report_text = summary(make_report(GOOD_USER, provider, results))
    assert "never got as far as logging in" in report_text
    assert "logs at most the connection" in report_text


def test_the_provider_files_log_location_is_named_and_the_builtin_gives_cloudrons(
    dovecot, tmp_path
):
    xml = dovecot.provider_xml().replace(
        "<branding>",
        '<serverLogs><log service="imap" product="dovecot">ssh mail.example.org '
        "tail /var/log/dovecot.log</log>"
        '<log product="postfix">/var/log/postfix.log</log></serverLogs><branding>',
    )
    provider = parse_provider(xml.encode())
    results = check_all(provider, GOOD_USER, "wrong", ca_file=dovecot.ca_pem)
    by_service = {r.service: hint_for(r, provider, results) for r in results}
    imap_hint = by_service[Service.IMAP]
    assert imap_hint is not None
    assert (
        "Log on localhost (from the provider file): ssh mail.example.org tail "
        "/var/log/dovecot.log." in imap_hint.text
    )
    # The Postfix entry is not used for a server that says it is Dovecot.
    smtp_hint = by_service[Service.SMTP]
    assert smtp_hint is not None
    assert "postfix.log" not in smtp_hint.text and "usually" in smtp_hint.text


def test_a_server_that_hides_its_name_gets_words_only_when_the_provider_file_says_what_it_is(
    dovecot_factory,
):
    quiet = dovecot_factory(login_greeting="Sepheo mail ready.")
    plain = parse_provider(quiet.provider_xml().encode())
    offset = len(quiet.log_text())
    results = check_all(plain, GOOD_USER, "wrong", ca_file=quiet.ca_pem, only=[Service.IMAP])
    [imap] = results
    assert imap.greeting.endswith("Sepheo mail ready.") and imap.server_software is None
    unknown = hint_for(imap, plain, results)
    assert unknown is not None and backticked(unknown.text) == []
    assert "the server did not say what it runs" in unknown.text

    declared = parse_provider(
        quiet.provider_xml()
        .replace(
            "<branding>",
            '<serverLogs><log service="imap" product="dovecot">/var/log/dovecot.log</log>'
            "</serverLogs><branding>",
        )
        .encode()
    )
    hint = hint_for(imap, declared, results)
    assert hint is not None
    assert "from the provider file, which says it is Dovecot; the server did not say" in hint.text
    line = wait_for_line(quiet.log_text, hint.fragments, after=offset)
    assert hint.fragments and line is not None, hint.text
    assert within_window(hint.text, dovecot_stamp(line))
