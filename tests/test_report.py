"""The report IT gets: summary, log hints, facts per step, and the mail link."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.support.checks import check_all
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, free_port
from wizard.provider import load_provider
from wizard.report import headline, mailto_link, make_report, render_text, summary
from wizard.services import Service

pytestmark = pytest.mark.dovecot


def test_wrong_password_report_tells_it_which_log_line_to_find(dovecot, provider_file):
    provider = load_provider(provider_file)
    results = check_all(provider, GOOD_USER, "nope", ca_file=dovecot.ca_pem)
    report = make_report(GOOD_USER, provider, results)
    text = summary(report)
    assert "did not accept" in text
    m = re.search(
        r"For IT: Receiving mail \(IMAP\) on localhost is Dovecot\..*"
        r"`imap-login:` … `Disconnected` … `\(auth failed` … `user=<(\S+)>`, written "
        r"(?:at|between) (\d\d:\d\d:\d\d)",
        text,
    )
    assert m and m.group(1) == GOOD_USER
    # the time given really is when the attempt happened, to the second
    started = results[0].started_at.strftime("%H:%M:%S")
    assert m.group(2) == started
    assert "this computer's own address is 127.0.0.1" in text
    imap, smtp, sieve = (r.port for r in results)
    assert headline(report) == (
        "Receiving mail, sending mail and mail filters: the server did not accept the email "
        f"address and password (localhost ports {imap}, {smtp} and {sieve})."
    )


def test_full_report_has_every_fact_it_needs(dovecot, provider_file):
    provider = load_provider(provider_file)
    results = check_all(
        provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, only=[Service.IMAP]
    )
    text = render_text(make_report(GOOD_USER, provider, results))
    r = results[0]
    for expected in (
        f"connected to 127.0.0.1 port {r.port} from 127.0.0.1 port {r.local[1]}",
        r.tls.version,
        r.tls.cipher,
        r.tls.sha256,
        "issuer O=trustme",
        "greeting: * OK",
        "capabilities: IMAP4REV1",
        f"login {GOOD_USER}",
        " UTC (",
        "C: ",
        "S: ",
    ):
        assert expected in text, expected


def test_unreachable_server_says_the_logs_will_show_nothing(dovecot, tmp_path):
    provider = load_provider(
        dovecot.write_provider(
            tmp_path / "p.xml", imap_port=free_port(), smtp_port=free_port(), with_sieve=False
        )
    )
    report = make_report(GOOD_USER, provider, check_all(provider, GOOD_USER, "x"))
    assert "never got as far as logging in" in summary(report)


def test_mail_link_goes_to_support_with_the_report_and_no_password(dovecot, provider_file):
    provider = load_provider(provider_file)
    report = make_report(
        GOOD_USER, provider, check_all(provider, GOOD_USER, "S3cret-Wrong", ca_file=dovecot.ca_pem)
    )
    link = mailto_link(report, render_text(report))
    assert link.startswith("mailto:support@sepheo.co?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert "not working" in query["subject"][0]
    assert "auth_failed" in query["body"][0]
    assert "S3cret-Wrong" not in urllib.parse.unquote(link)


def test_all_three_refused_names_each_service_with_its_own_port(dovecot, tmp_path):
    ports = {"imap_port": free_port(), "smtp_port": free_port(), "sieve_port": free_port()}
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml", **ports))
    results = check_all(provider, GOOD_USER, "x")
    assert {r.cause for r in results} == {"connection_refused"}
    report = make_report(GOOD_USER, provider, results)
    text = summary(report)
    for r in results:
        assert str(r.port) in r.message
        assert (
            f"{r.service.label}: The server localhost refused the connection on port {r.port}"
            in (text)
        )
        # No other service's port in this service's own message.
        assert not any(str(o.port) in r.message for o in results if o is not r)
    assert all(str(p) in headline(report) for p in ports.values())


def test_one_failing_service_is_named_with_its_host_and_port(dovecot, tmp_path):
    closed = free_port()
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml", smtp_port=closed))
    results = check_all(provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    report = make_report(GOOD_USER, provider, results)
    assert headline(report).startswith("Sending mail: ")
    assert f"localhost refused the connection on port {closed}" in headline(report)
    assert f"Sending mail (SMTP): The server localhost refused the connection on port {closed}" in (
        summary(report)
    )
    assert "Working: Receiving mail (IMAP), Mail filters (ManageSieve)." in summary(report)


def test_every_cause_message_names_the_services_host_and_port():
    from wizard.checks.errors import Cause
    from wizard.diagnosis import explain
    from wizard.provider import load_default_provider

    provider = load_default_provider()
    for server in provider.servers:
        for cause in Cause:
            d = explain(cause, server, provider, "joe.bloggs@sepheo.co", "joe.bloggs@sepheo.co")
            assert server.hostname in d.message, (cause, d.message)
            assert str(server.port) in d.message, (cause, d.message)
