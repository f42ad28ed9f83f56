"""Line shapes the samples do not show, as Haraka's and Dovecot's sources write them: a bounce
after a permanent refusal, Haraka behind a syslog prefix, Dovecot's auth-worker and
disabled-plaintext lines, a session whose start was rotated away."""

from __future__ import annotations

from wizard.logs import Filters, Outcome, Reason, read_sessions

U = "6A1F0C2E-1B2C-4D5E-8F90-1234567890AB"


def read(tmp_path, text: str):
    path = tmp_path / "mail.log"
    path.write_text(text)
    return list(read_sessions([str(path)], Filters()))


def test_permanent_refusal_is_bounced_with_the_remote_answer(tmp_path):
    (s,) = read(
        tmp_path,
        f"2024-05-02T10:00:00.000Z [NOTICE] [{U}] [core] connect ip=198.51.100.4 port=5000 "
        f"local_ip=:: local_port=587\n"
        f"2024-05-02T10:00:00.100Z [INFO] [-] [cloudron] authenticated as : ann@sepheo.co\n"
        f"2024-05-02T10:00:00.100Z [INFO] [{U}] [core]  hook=unrecognized_command "
        f'plugin=cloudron function=hook_unrecognized_command params=AUTH retval=OK msg=""\n'
        f"2024-05-02T10:00:00.200Z [NOTICE] [{U}.1] [core] sender <ann@sepheo.co> "
        f'code=CONT msg=""\n'
        f"2024-05-02T10:00:00.300Z [NOTICE] [{U}.1] [core] recipient <nobody@example.org> "
        f'code=OK msg="" sender=ann@sepheo.co\n'
        f'2024-05-02T10:00:00.400Z [NOTICE] [{U}.1] [core] queue code=OK msg="Message Queued"\n'
        f"2024-05-02T10:00:00.500Z [NOTICE] [{U}.1] [core] disconnect ip=198.51.100.4 relay=Y "
        f'tls=Y txns=1 lr="" time=0.5\n'
        f"2024-05-02T10:00:01.000Z [INFO] [{U}.1.1] [outbound] Looking up A records for: "
        f"mx.example.org\n"
        f"2024-05-02T10:00:02.000Z [NOTICE] [{U}.1.1] [outbound] recipient <nobody@example.org> "
        f"rejected: 550 5.1.1 No such user\n"
        f"2024-05-02T10:00:02.000Z [INFO] [{U}.1.1] [outbound] bouncing mail: 550 5.1.1 No "
        f"such user\n",
    )
    assert (s.outcome, s.user) == (Outcome.BOUNCED, "ann@sepheo.co")
    assert "bounced: 550 5.1.1 No such user" in s.explanation


def test_haraka_behind_a_syslog_prefix(tmp_path):
    (s,) = read(
        tmp_path,
        f"May  2 10:00:00 mail haraka[77]: [NOTICE] [{U}] [core] connect ip=198.51.100.4 "
        f"port=5000 local_ip=:: local_port=587\n"
        f"May  2 10:00:01 mail haraka[77]: [NOTICE] [{U}] [core] disconnect ip=198.51.100.4 "
        f'relay=N tls=N txns=0 lr="" time=1\n',
    )
    assert (s.client_ip, s.reason) == ("198.51.100.4", Reason.NO_AUTH_ATTEMPT)
    assert s.started.year_known is False


def test_dovecot_sub_second_stamps_and_auth_worker_lines(tmp_path):
    (s,) = read(
        tmp_path,
        "2024-05-02 10:00:00.123 auth-worker(812): Info: "
        "ldap(ann@sepheo.co,198.51.100.4,<Qx9>): invalid credentials\n"
        "2024-05-02 10:00:02.456 imap-login: Info: Aborted login (auth failed, 1 attempts in 2 "
        "secs): user=<ann@sepheo.co>, method=PLAIN, rip=198.51.100.4, lip=10.0.0.2, TLS, "
        "session=<Qx9>\n",
    )
    assert (s.reason, s.session_id) == (Reason.WRONG_PASSWORD, "Qx9")
    assert s.started.iso == "2024-05-02T10:00:00.123"


def test_lines_of_a_session_whose_login_was_rotated_away(tmp_path):
    (s,) = read(
        tmp_path,
        "Dec 01 21:31:54 imap(joe.bloggs@sepheo.co)<15034><A9/32m21m7BYYWPt>: Info: "
        "Disconnected: Logged out in=933 out=1947\n",
    )
    assert s.outcome is Outcome.LOGIN_OK and "not in this log" in s.explanation


def test_a_deferral_whose_retry_never_shows_up_is_reported_and_forgotten(tmp_path):
    lines = [
        f"2024-05-02T10:00:00.000Z [NOTICE] [{U}] [core] connect ip=198.51.100.4 port=5 "
        f"local_ip=:: local_port=587",
        f'2024-05-02T10:00:00.200Z [NOTICE] [{U}.1] [core] sender <ann@sepheo.co> code=CONT msg=""',
        f'2024-05-02T10:00:00.400Z [NOTICE] [{U}.1] [core] queue code=OK msg="Message Queued"',
        f"2024-05-02T10:00:00.500Z [NOTICE] [{U}.1] [core] disconnect ip=198.51.100.4 relay=Y "
        f'tls=Y txns=1 lr="" time=0.5',
        f"2024-05-02T10:00:01.000Z [INFO] [{U}.1.1] [outbound] Temp failing x for 64 seconds: "
        f"Tried all MXs",
    ]
    # hours of other traffic after it, long past the announced retry
    for minute in range(0, 180, 10):
        lines.append(
            f"2024-05-02T{10 + minute // 60:02d}:{minute % 60:02d}:30.000Z [NOTICE] "
            f"[00000000-0000-0000-0000-{minute:012d}] [core] connect ip=10.0.0.1 port=1 "
            f"local_ip=:: local_port=25"
        )
    path = tmp_path / "mail.log"
    path.write_text("\n".join(lines) + "\n")
    (s,) = [x for x in read_sessions([str(path)], Filters(address="ann@sepheo.co"), chunk_size=256)]
    assert s.outcome is Outcome.DEFERRED and "No later attempt is in the log" in s.explanation


def test_a_mail_process_line_logged_before_its_login_line_is_one_session(tmp_path):
    (s,) = read(
        tmp_path,
        "Dec 01 10:00:00 submission(joe.bloggs@sepheo.co)<5466><08tUX45h6MB/AAAB>: Info: "
        "Disconnected: Failed to connect to relay server (connect) (state=GREETING)\n"
        "Dec 01 10:00:00 submission-login: Info: Login: user=<joe.bloggs@sepheo.co>, "
        "method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=5466, TLS, session=<08tUX45h6MB/AAAB>\n",
    )
    assert s.outcome is Outcome.LOGIN_OK and "the login worked" in s.explanation
    assert len(s.lines) == 2 and s.closed
