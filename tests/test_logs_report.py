"""Saved reports as keys into the logs: the fields issue 16 adds (the address the server saw,
the server's session id, the public address), read from JSON and from text, and matched to
the how-to's Haraka sessions; without them the local address and the times still work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main
from wizard.logs import LogFileError, load_report
from wizard.logs.report_match import match

DATA = Path(__file__).parent / "data" / "logs"
FASTMAIL = DATA / "howto-haraka-fastmail-delivered.log"
BLOCKLISTED = DATA / "howto-haraka-blocklisted.log"


def json_report(tmp_path: Path, **check: object) -> Path:
    data = {
        "address": "joe.bloggs@sepheo.co",
        "ok": True,
        "public_ip": check.pop("public_ip", None),
        "checks": [
            {
                "service": "smtp",
                "username": "joe.bloggs@sepheo.co",
                "ok": True,
                "cause": None,
                "started_at": "2020-12-01T22:15:10.400000+00:00",
                "duration_ms": 2100.0,
                "local": ["192.168.0.54", 50123],
                **check,
            }
        ],
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    return path


TEXT_REPORT = """Mail Setup Wizard 0.1.0 — mail check report

Summary: Everything works for joe.bloggs@sepheo.co: outgoing mail.

Address:   joe.bloggs@sepheo.co
Provider:  Sepheo Mail
Report at: 2020-12-01 22:15:13 UTC (local 23:15:13 CET)
Seen as:   The mail server sees this computer as 1.2.3.4 (its SMTP server said so).

== Outgoing mail (SMTP): OK
   server my.sepheo.co port 587, security STARTTLS, login joe.bloggs@sepheo.co
   started 2020-12-01 22:15:10 UTC (local 23:15:10 CET), took 2100 ms
   connected to 203.0.113.9 port 587 from 192.168.0.54 port 50123
   server software: Haraka; sees this computer as: 1.2.3.4; session: D33D62
   steps:

-----BEGIN REPORT DATA-----
{"address":"joe.bloggs@sepheo.co","public_ip":"1.2.3.4","checks":[{"service":"smtp",\
"username":"joe.bloggs@sepheo.co","ok":true,"cause":null,\
"started_at":"2020-12-01T22:15:10.400000+00:00","duration_ms":2100.0,\
"local":["192.168.0.54",50123],"server_seen_ip":"1.2.3.4","server_session":"D33D62"}]}
-----END REPORT DATA-----
"""


def test_json_report_session_id_prefix_is_proof(tmp_path, capsys):
    report = json_report(tmp_path, server_session="D33D62", server_seen_ip="1.2.3.4")
    assert main(["logs", str(FASTMAIL), "--report", str(report), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (s,) = out["sessions"]
    assert s["report_match"] == (
        "This is the login attempt from the report (SMTP check at 22:15:10 UTC as "
        "joe.bloggs@sepheo.co, matched by the server's session id): the login worked."
    )
    assert out["report"][0]["sessions"] == ["D33D6290-C923-4DAC-A4B4-D0E7B8FAF010"]


def test_text_report_with_seen_address_and_session(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(TEXT_REPORT)
    keys = load_report(str(path))
    (a,) = keys.attempts
    assert (a.service, a.server_ip, a.server_session, a.local_ip) == (
        "smtp",
        "1.2.3.4",
        "D33D62",
        "192.168.0.54",
    )
    assert keys.public_ip == "1.2.3.4"
    assert "D33D62" in keys.hints() and "1.2.3.4" in keys.hints()


def test_without_the_new_fields_time_and_login_still_match(tmp_path, capsys):
    report = json_report(tmp_path)
    assert main(["logs", str(FASTMAIL), str(BLOCKLISTED), "--report", str(report)]) == 0
    text = capsys.readouterr().out
    assert "matched by time and login): the login worked." in text
    assert text.count("►") == 1  # the blocklisted session at 20:57 is not the report's


def test_a_session_of_another_login_at_that_time_is_not_the_reports(tmp_path):
    from wizard.logs import Filters, read_sessions

    (s,) = read_sessions([str(FASTMAIL)], Filters())
    keys = load_report(str(json_report(tmp_path, username="contact@sepheo.co")))
    assert match(keys, s) is None


@pytest.mark.parametrize("content", ["{not json", "just some text\n", '{"checks": []}'])
def test_a_file_that_is_not_a_report_is_refused_with_its_name(tmp_path, content, capsys):
    path = tmp_path / "notes.txt"
    path.write_text(content)
    with pytest.raises(LogFileError, match="notes.txt"):
        load_report(str(path))
    assert main(["logs", str(FASTMAIL), "--report", str(path)]) == 2
    assert "notes.txt" in capsys.readouterr().err
