"""`python -m wizard diagnose` as IT and scripts use it: output, JSON shape, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import diagnose, run_cli
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER

pytestmark = pytest.mark.dovecot


def test_right_password_exits_0_and_lists_every_step(dovecot, provider_file):
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("✓ Logging in") == 3
    assert "Everything works" in r.stdout
    assert "Traceback" not in r.stderr


def test_wrong_password_exits_1_with_the_cause(dovecot, provider_file):
    r = diagnose(dovecot, provider_file, "nope")
    assert r.returncode == 1
    assert "Cause (auth_failed)" in r.stdout
    assert "For IT: Receiving mail (IMAP) on localhost is Dovecot." in r.stdout
    assert "`imap-login:` … `Disconnected` … `(auth failed`" in r.stdout


def test_json_output_has_the_documented_shape(dovecot, provider_file):
    r = diagnose(dovecot, provider_file, GOOD_PASSWORD, "--json", "--only", "imap,smtp")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["address"] == GOOD_USER and data["ok"] is True
    assert [c["service"] for c in data["checks"]] == ["imap", "smtp"]
    for check in data["checks"]:
        assert {
            "service",
            "host",
            "port",
            "security",
            "ok",
            "cause",
            "message",
            "advice",
            "steps",
        } <= set(check)
        assert check["security"] in ("tls", "starttls", "plain")
        for step in check["steps"]:
            assert {"name", "ok", "duration_ms", "detail"} <= set(step)
    assert data["checks"][1]["security"] == "starttls"


def test_closed_port_exits_1_with_connection_refused(dovecot, tmp_path):
    from tests.support.dovecot_server import free_port

    provider = dovecot.write_provider(tmp_path / "p.xml", imap_port=free_port())
    r = diagnose(dovecot, provider, "x", "--json", "--only", "imap")
    assert r.returncode == 1
    assert json.loads(r.stdout)["checks"][0]["cause"] == "connection_refused"


@pytest.mark.parametrize(
    "args, stdin, expected",
    [
        (["diagnose", "joe.bloggs@", "--password-stdin"], "x\n", "after the “@”"),
        (["diagnose", "joe bloggs@sepheo.co", "--password-stdin"], "x\n", "spaces"),
        (["diagnose", GOOD_USER, "--password-stdin"], "\n", "password is empty"),
        (["diagnose", GOOD_USER], "", "no password"),
        (
            ["diagnose", GOOD_USER, "--provider", "/nonexistent/provider.xml", "--password-stdin"],
            "x\n",
            "cannot read provider file",
        ),
        (["diagnose", GOOD_USER, "--only", "pop3", "--password-stdin"], "x\n", "--only"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(args, stdin, expected):
    r = run_cli(*args, stdin=stdin)
    assert r.returncode == 2
    assert expected in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_malformed_provider_file_exits_2_naming_the_element(tmp_path: Path):
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<clientConfig version="1.1"><emailProvider id="x"><domain>x.org</domain>'
        "<displayName>X</displayName></emailProvider></clientConfig>"
    )
    r = run_cli("diagnose", GOOD_USER, "--provider", str(bad), "--password-stdin", stdin="x\n")
    assert r.returncode == 2
    assert '<incomingServer type="imap">' in r.stderr


def test_version_prints_the_version():
    from wizard import __version__

    r = run_cli("--version")
    assert r.returncode == 0 and __version__ in r.stdout
