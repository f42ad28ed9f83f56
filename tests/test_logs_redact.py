"""What Haraka and Dovecot write about a password into their own logs never leaves this app:
the lines a session shows (CLI, JSON, GUI) carry the mask instead."""

from __future__ import annotations

import base64
import json

from wizard.cli import main
from wizard.logs.redact import MASK, redact

SECRET = "wrong-password"
B64 = base64.b64encode(SECRET.encode()).decode()


def haraka_auth_log(tmp_path):
    u = "2FD8657D-7415-423E-9221-D8B6D5DFE1C9"
    lines = [
        f"2026-12-01T09:06:21.354Z [NOTICE] [{u}] [core] connect ip=127.0.0.1 port=59784 "
        f"local_ip=127.0.0.1 local_port=53181",
        f"2026-12-01T09:06:22.514Z [INFO] [{u}] [core]  hook=unrecognized_command "
        f'plugin=auth/flat_file function=hook_unrecognized_command params=AUTH retval=OK msg=""',
        f"2026-12-01T09:06:24.527Z [INFO] [{u}] [core]  hook=unrecognized_command "
        f'plugin=auth/flat_file function=hook_unrecognized_command params="{B64}" retval=OK '
        f'msg=""',
        f"2026-12-01T09:06:24.528Z [NOTICE] [{u}] [core] disconnect ip=127.0.0.1 rdns=x "
        f"helo=client.lan relay=N early=N esmtp=Y tls=Y pipe=N errors=0 txns=0 rcpts=0/0/0 "
        f'msgs=0/0/0 bytes=0 lr="535 5.7.8 Authentication failed" time=3.1',
        f"Dec 01 09:06:25 auth: Info: passwd-file(joe.bloggs@sepheo.co,127.0.0.1,<abc>): "
        f"Password mismatch (given password: {SECRET})",
    ]
    path = tmp_path / "mail.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_auth_answers_and_given_passwords_are_masked_in_every_output(tmp_path, capsys):
    log = haraka_auth_log(tmp_path)
    assert main(["logs", str(log), "--json"]) == 0
    out = capsys.readouterr().out
    assert B64 not in out and SECRET not in out
    sessions = json.loads(out)["sessions"]
    assert any(MASK in line for s in sessions for line in s["lines"])
    haraka = next(s for s in sessions if s["server"] == "haraka")
    assert haraka["outcome"] == "login_failed"  # retval=OK of the AUTH hook is not a login
    assert main(["logs", str(log)]) == 0
    assert B64 not in capsys.readouterr().out


def test_commands_are_left_alone():
    line = "hook=unrecognized_command plugin=tls function=upgrade_connection params=STARTTLS x"
    assert redact(line) == line
