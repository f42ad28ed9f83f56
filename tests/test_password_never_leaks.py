"""The password must not appear in any output, plain or encoded, on success or failure."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse

import pytest

from tests.support.checks import check_all
from tests.support.cli import diagnose
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from wizard.provider import load_provider
from wizard.report import mailto_link, make_report, render_json_text, render_text

pytestmark = pytest.mark.dovecot

WRONG = "Wr0ng-but-s3cret!"


def encoded_forms(password: str, user: str = GOOD_USER) -> list[str]:
    forms = [
        password,
        urllib.parse.quote(password),
        urllib.parse.quote_plus(password),
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
        json.dumps(password)[1:-1],
    ]
    return [f for f in forms if len(f) >= 4]


def assert_clean(text: str, password: str) -> None:
    for form in encoded_forms(password):
        assert form not in text, f"password leaked as {form!r}"


@pytest.mark.parametrize("password", [GOOD_PASSWORD, WRONG])
def test_cli_outputs_never_contain_the_password(dovecot, provider_file, password):
    for extra in ([], ["--json"], ["--report"]):
        r = diagnose(dovecot, provider_file, password, *extra)
        assert r.returncode in (0, 1)
        assert_clean(r.stdout + r.stderr, password)
    assert "C: " in r.stdout  # the --report run did include the transcript


@pytest.mark.parametrize("password", [GOOD_PASSWORD, WRONG])
def test_reports_logs_and_mail_link_never_contain_the_password(
    dovecot, provider_file, caplog, password
):
    caplog.set_level(logging.DEBUG)
    provider = load_provider(provider_file)
    results = check_all(provider, GOOD_USER, password, ca_file=dovecot.ca_pem)
    report = make_report(GOOD_USER, provider, results)
    text = render_text(report)
    link = mailto_link(report, text) or ""
    everything = "\n".join(
        [text, render_json_text(report), link, urllib.parse.unquote(link), caplog.text]
    )
    assert_clean(everything, password)
    # the transcript really recorded the login, masked
    imap_sent = [line.text for line in results[0].transcript if line.direction.value == "C:"]
    assert any("LOGIN" in t or "AUTHENTICATE PLAIN" in t for t in imap_sent)
    assert any("********" in t for t in imap_sent)
    assert any("AUTH PLAIN ********" in line.text for line in results[1].transcript)
