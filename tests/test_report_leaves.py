"""The report leaves the app by one function (render, notes for IT, the last redaction) and
ends with a data block that ``logs --report`` reads instead of the prose (issue 23 #5); a deep
or huge JSON given to ``logs --report`` is one line on stderr, never a traceback (issue 28 #9)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult, Direction, TranscriptLine
from wizard.cli import main
from wizard.logs import LogFileError, load_report
from wizard.outgoing import Form, outgoing_report
from wizard.provider import load_default_provider
from wizard.report import Report, mailto_link, make_report, render_json
from wizard.report_data import BEGIN, CHECK_KEYS, END, MAX_DEPTH, deeper_than, find_block
from wizard.services import Security, Service

ADDRESS = "joe.bloggs@sepheo.co"
PASSWORD = "Tr0ub4dor&3-leaks"  # noqa: S105 - the secret every road must mask
FASTMAIL = Path(__file__).parent / "data" / "logs" / "howto-haraka-fastmail-delivered.log"
STARTED = datetime(2020, 12, 1, 22, 15, 10, 400000, tzinfo=UTC)


def _report(alert: str = "", transcript_lines: int = 0) -> Report:
    """A failed SMTP check as the runner records it, with a server message that repeats the
    password (a case the masking at the source does not see)."""
    result = CheckResult(
        service=Service.SMTP,
        host="my.sepheo.co",
        port=587,
        security=Security.STARTTLS,
        username=ADDRESS,
        ok=False,
        cause=Cause.AUTH_FAILED,
        message="The server did not accept the email address and password.",
        advice="Check the password.",
        started_at=STARTED,
        finished_at=STARTED + timedelta(milliseconds=2100),
        local=("192.168.0.54", 50123),
        server_alert=alert,
        server_seen_ip="1.2.3.4",
        server_session="D33D62",
        server_software="Haraka",
    )
    for i in range(transcript_lines):
        line = TranscriptLine(STARTED, Direction.RECEIVED, f"250-line {i} " + "x" * 60)
        result.transcript.append(line)
    return make_report(ADDRESS, load_default_provider(), [result])


@pytest.mark.parametrize("form", list(Form))
def test_every_form_passes_the_last_redaction(form):
    report = _report(alert=f"your password {PASSWORD} is wrong")
    text = outgoing_report(report, form, password=PASSWORD, username=ADDRESS)
    assert PASSWORD not in text
    assert "your password ******** is wrong" in text.replace('\\"', '"')


@pytest.mark.parametrize("form", list(Form))
def test_a_password_with_a_control_character_is_masked_in_its_escaped_form_too(form):
    odd = "ab\x1bcd-9"
    report = _report(alert=f"your password {odd} is wrong")
    text = outgoing_report(report, form, password=odd, username=ADDRESS)
    assert odd not in text and "ab\\x1bcd-9" not in text and "ab\\\\x1bcd-9" not in text
    assert "your password ******** is wrong" in text


def test_notes_for_it_go_in_the_text_and_the_json():
    report = _report()
    notes = ["The provider file gives a short login."]
    text = outgoing_report(report, Form.TEXT, password=PASSWORD, notes=notes)
    assert "== Notes for IT\nThe provider file gives a short login.\n" in text
    data = json.loads(outgoing_report(report, Form.JSON, password=PASSWORD, notes=notes))
    assert data["notes_for_it"] == notes


def test_the_text_report_ends_with_the_data_block_holding_the_json_reports_keys():
    report = _report()
    text = outgoing_report(report, Form.TEXT, password=PASSWORD, notes=["a note"])
    lines = text.rstrip("\n").splitlines()
    assert lines[-3] == BEGIN and lines[-1] == END
    block = json.loads(lines[-2])
    full = render_json(report)
    assert block["address"] == full["address"] and block["public_ip"] == full["public_ip"]
    (check,) = block["checks"]
    assert tuple(check) == CHECK_KEYS
    assert check == {key: full["checks"][0][key] for key in CHECK_KEYS}


def test_text_and_json_reports_give_logs_report_the_same_keys(tmp_path):
    report = _report()
    as_text = tmp_path / "report.txt"
    as_text.write_text(outgoing_report(report, Form.TEXT, password=PASSWORD))
    as_json = tmp_path / "report.json"
    as_json.write_text(outgoing_report(report, Form.JSON, password=PASSWORD))
    assert load_report(str(as_text)) == load_report(str(as_json))
    (a,) = load_report(str(as_text)).attempts
    assert (a.service, a.server_ip, a.server_session, a.local_ip) == (
        "smtp",
        "1.2.3.4",
        "D33D62",
        "192.168.0.54",
    )
    assert a.started == STARTED and a.duration_s == pytest.approx(2.1)


def test_the_prose_of_a_report_is_not_read_any_more(tmp_path):
    text = outgoing_report(_report(), Form.TEXT, password=PASSWORD)
    prose = tmp_path / "prose.txt"
    prose.write_text(text.split(BEGIN)[0])
    with pytest.raises(LogFileError, match="no report data block"):
        load_report(str(prose))


def test_a_block_a_mail_program_wrapped_is_joined_again():
    text = outgoing_report(_report(), Form.TEXT, password=PASSWORD)
    head, _, rest = text.partition(BEGIN + "\n")
    body, _, tail = rest.partition("\n" + END)
    wrapped = "\n".join(body[i : i + 72] for i in range(0, len(body), 72))
    assert find_block(f"{head}{BEGIN}\n{wrapped}\n{END}{tail}") == json.loads(body)


def test_a_long_report_mailed_to_it_keeps_its_data_block():
    report = _report(transcript_lines=200)
    body = outgoing_report(report, Form.TEXT, password=PASSWORD)
    assert len(body) > 12000
    link = mailto_link(report, body)
    assert link is not None
    mailed = urllib.parse.unquote(link.split("body=", 1)[1])
    assert "[…report shortened" in mailed
    assert find_block(mailed) == find_block(body)


def test_a_text_report_of_a_run_needs_no_escaping_note():
    text = outgoing_report(_report(), Form.TEXT, password=PASSWORD)
    assert "shown escaped" not in text
    assert "escaped" not in json.loads(outgoing_report(_report(), Form.JSON, password=PASSWORD))


# -- hostile reports given to logs --report ------------------------------------------------------


def _logs_report(report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wizard", "logs", str(FASTMAIL), "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"checks": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "{" + '"a":{' * 5000 + "}" * 5001,
    ],
    ids=["deep-list", "deep-checks", "deep-objects"],
)
def test_deeply_nested_json_is_one_clear_line_not_a_traceback(tmp_path, content):
    report = tmp_path / "deep.json"
    # A report is read as JSON when it starts with "{".
    report.write_text('{"x": ' + content + "}" if content.startswith("[") else content)
    proc = _logs_report(report)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line == (
        f"error: cannot read report {report}: its JSON is nested more than {MAX_DEPTH} levels deep"
    )


def test_a_deep_block_in_a_text_report_is_refused_the_same_way(tmp_path):
    report = tmp_path / "deep.txt"
    report.write_text(f"Summary: hello\n\n{BEGIN}\n" + "[" * 80_000 + f"\n{END}\n")
    with pytest.raises(LogFileError, match="nested more than"):
        load_report(str(report))


def test_a_huge_report_is_refused_before_it_is_parsed(tmp_path):
    report = tmp_path / "huge.json"
    with report.open("w") as fh:
        fh.write('{"address": "')
        fh.write("a" * (9 * 1024 * 1024))
        fh.write('"}')
    proc = _logs_report(report)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "larger than 8 MB" in line and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "check",
    [
        {"started_at": 5, "service": "smtp"},
        {"started_at": "2020-12-01T22:15:10Z", "duration_ms": "long", "local": {"a": 1}},
        {"started_at": ["x"]},
    ],
)
def test_wrong_types_in_a_report_are_skipped_not_a_crash(tmp_path, check, capsys):
    report = tmp_path / "odd.json"
    report.write_text(json.dumps({"address": ADDRESS, "checks": [check]}))
    code = main(["logs", str(FASTMAIL), "--report", str(report)])
    err = capsys.readouterr().err
    if "duration_ms" in check:
        assert code in (0, 1) and err == ""
    else:
        assert code == 2 and "no checks in it" in err


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert not deeper_than('["' + "[" * 1000 + '"]', 2)
    assert not deeper_than('["a\\"[[[[", [[1]]]', 3)
    assert deeper_than('["a\\"[[[[", [[[1]]]]', 3)


def test_a_crafted_report_of_quotes_and_backslashes_is_read_in_linear_time(tmp_path):
    # A string scanner that backtracks would take hours on this; the check takes well under
    # a second on an idle machine (the bound leaves room for a loaded one).
    report = tmp_path / "quotes.json"
    report.write_text('{"a": "' + '\\"' * 3_500_000 + "\\")
    started = time.monotonic()
    with pytest.raises(LogFileError, match="not valid JSON"):
        load_report(str(report))
    assert time.monotonic() - started < 10


def test_the_block_docs_report_md_shows_is_one_the_reader_reads():
    doc = (Path(__file__).parent.parent / "docs" / "report.md").read_text(encoding="utf-8")
    data = find_block(doc)
    assert set(data) == {"address", "public_ip", "checks"}
    assert tuple(data["checks"][0]) == CHECK_KEYS


@pytest.mark.parametrize("form", [Form.TEXT, Form.JSON])
def test_a_report_saved_on_windows_with_a_bom_and_crlf_is_read(tmp_path, form):
    text = outgoing_report(_report(), form, password=PASSWORD)
    saved = tmp_path / "report.txt"
    saved.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    (a,) = load_report(str(saved)).attempts
    assert (a.service, a.server_session) == ("smtp", "D33D62")
