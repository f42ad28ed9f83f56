"""A saved diagnosis report (text or JSON, from ``diagnose`` or the wizard's Save report…) as
the keys IT matches against the server's logs, and the matching itself.

Per check the report gives the service, the login tried, when it started and how long it took,
the computer's own address, and — when the report has them — the address the server saw (the
public one, behind NAT) and the server's session id. A log session belongs to a check when its
service fits, it started within the check's time ± a few seconds, and its login, client address
or session id agrees; the session id alone is proof.

The keys are read from a stated format, never from the report's sentences: the JSON report
itself, or the data block a text report ends with (``wizard.report_data``, docs/report.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.logs.causes import LOGIN_CAUSES
from wizard.logs.model import Outcome, Reason, Server, Session
from wizard.logs.source import LogFileError
from wizard.report_data import MAX_REPORT_BYTES, ReportDataError, find_block, loads

# Clocks differ a little, and a login is logged when it ends, not when the check started.
SLACK_S = 5.0


_SERVICE_WORDS = {"imap": "IMAP", "smtp": "SMTP", "sieve": "ManageSieve"}


@dataclass(frozen=True)
class Attempt:
    service: str  # imap / smtp / sieve
    username: str
    started: datetime  # aware, UTC
    duration_s: float
    ok: bool
    cause: str
    local_ip: str = ""
    server_ip: str = ""  # the address the server saw this computer as
    server_session: str = ""

    @property
    def reached_login(self) -> bool:
        """The check sent its login, so the server's session names the user."""
        return self.ok or self.cause in LOGIN_CAUSES

    @property
    def window(self) -> tuple[datetime, datetime]:
        slack = timedelta(seconds=SLACK_S)
        return self.started - slack, self.started + timedelta(seconds=self.duration_s) + slack

    def label(self) -> str:
        return (
            f"{_SERVICE_WORDS.get(self.service, self.service)} check at "
            f"{self.started.astimezone(UTC).strftime('%H:%M:%S')} UTC as {self.username}"
        )


@dataclass
class ReportKeys:
    address: str
    attempts: list[Attempt] = field(default_factory=list)
    public_ip: str = ""

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if not self.attempts:
            return None
        return (min(a.window[0] for a in self.attempts), max(a.window[1] for a in self.attempts))

    def hints(self) -> tuple[str, ...]:
        out: list[str] = []
        for a in self.attempts:
            out += [a.username, a.username.split("@", 1)[0], a.server_ip, a.server_session]
        out += [self.public_ip, self.address.split("@", 1)[0]]
        return tuple(dict.fromkeys(h for h in out if h))


def load_report(path: str) -> ReportKeys:
    text = _read_capped(path)
    stripped = text.lstrip()
    try:
        data = loads(stripped) if stripped.startswith("{") else find_block(text)
    except ReportDataError as exc:
        raise LogFileError(f"cannot read report {path}: {exc}") from None
    if data is None:
        raise LogFileError(
            f"{path} is not a Mail Setup Wizard report (no report data block in it; a report "
            f"saved by a version before the block can be made again with `diagnose --json`)"
        )
    keys = _from_json(data)
    if not keys.attempts:
        raise LogFileError(f"{path} is not a Mail Setup Wizard report (no checks in it)")
    return keys


def _read_capped(path: str) -> str:
    """The report's text, refused when it is larger than any report the app writes."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        raise LogFileError(f"cannot read report {path}: no such file") from None
    except IsADirectoryError:
        raise LogFileError(f"cannot read report {path}: it is a folder") from None
    except OSError as exc:
        raise LogFileError(f"cannot read report {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise LogFileError(
            f"cannot read report {path}: it is larger than {MAX_REPORT_BYTES // (1024 * 1024)} "
            f"MB, more than any report the app writes"
        )
    return raw.decode("utf-8-sig", errors="replace")  # Notepad saves with a BOM


def _time(text: object) -> datetime | None:
    if not text or not isinstance(text, str):
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _from_json(data: Any) -> ReportKeys:
    if not isinstance(data, dict):
        return ReportKeys("")
    public = str(data.get("public_ip") or "")
    keys = ReportKeys(str(data.get("address") or ""), public_ip=public)
    for c in data.get("checks") or []:
        if not isinstance(c, dict):
            continue
        started = _time(c.get("started_at"))
        if started is None:
            continue
        local = c.get("local")
        local = local if isinstance(local, list) else []
        duration = c.get("duration_ms")
        duration = duration if isinstance(duration, int | float) else 0
        keys.attempts.append(
            Attempt(
                service=str(c.get("service") or ""),
                username=str(c.get("username") or keys.address),
                started=started,
                duration_s=float(duration) / 1000,
                ok=bool(c.get("ok")),
                cause=str(c.get("cause") or ""),
                local_ip=str(local[0]) if local else "",
                server_ip=str(c.get("server_seen_ip") or c.get("public_ip") or public or ""),
                server_session=str(c.get("server_session") or ""),
            )
        )
    return keys


# -- matching ---------------------------------------------------------------------------------


def _fits_service(a: Attempt, s: Session) -> bool:
    if a.service == "smtp":
        return s.server is Server.HARAKA or s.service == "submission"
    return s.service == a.service


def _same_login(a: Attempt, s: Session) -> bool:
    if not s.user:
        return False
    return s.user.lower() == a.username.lower()


def _same_session(a: Attempt, s: Session) -> bool:
    """The server's own id for the connection; Haraka's banner shows only the UUID's first
    characters (``uuid.banner_chars``), so a prefix of four or more counts."""
    mine, theirs = a.server_session.upper(), s.session_id.upper()
    if not mine or not theirs:
        return False
    return mine == theirs or (len(mine) >= 4 and theirs.startswith(mine))


def _same_result(a: Attempt, s: Session) -> bool:
    refused = s.outcome is Outcome.BLOCKLISTED and not s.authenticated
    failed = s.outcome is Outcome.LOGIN_FAILED or refused
    if a.ok:
        return not failed
    if a.reached_login:
        return failed and s.reason is not Reason.NO_AUTH_ATTEMPT
    return failed  # stopped before the login: the server saw a connection and no login


def match(keys: ReportKeys, s: Session) -> Attempt | None:
    """The report's check this session is the server's side of, if any."""
    best: tuple[int, Attempt] | None = None
    for a in keys.attempts:
        if not _fits_service(a, s):
            continue
        if _same_session(a, s):
            return a
        lo, hi = a.window
        t = s.started.comparable(lo)
        if t < lo or t > hi:
            continue
        if s.user and not _same_login(a, s):
            continue  # someone else's login at the same moment, maybe from the same network
        if a.reached_login and not s.user and s.server is not Server.HARAKA:
            # The check sent its login and Dovecot logs it: a session without one is another
            # connection. (Haraka's own auth plugins do not log the login: there the address
            # and the time have to do.)
            continue
        if not s.user and not _same_result(a, s):
            continue  # only the address and the time to go by: the outcome must agree too
        score = 2 if s.user else 0
        # The address the server said it saw beats this computer's own (behind NAT the
        # server never sees that one).
        ips = {a.server_ip, keys.public_ip} - {""} or {a.local_ip} - {""}
        if s.client_ip and s.client_ip in ips:
            score += 1
        if score == 0:
            continue
        if best is None or score > best[0]:
            best = (score, a)
    return best[1] if best and best[0] > 0 else None


_VERDICT = {
    Reason.WRONG_PASSWORD: "the password was wrong",
    Reason.UNKNOWN_USER: "the server does not know this login",
    Reason.WRONG_PASSWORD_OR_UNKNOWN_USER: "the password was wrong (or the login unknown)",
    Reason.SHORT_USERNAME: "the login was not the full email address",
    Reason.NO_TLS: "it tried to log in without encryption",
    Reason.NO_AUTH_ATTEMPT: "it never got as far as logging in",
    Reason.ACCOUNT_DISABLED: "the password was right but the mailbox is disabled",
    Reason.TLS_FAILED: "the encrypted connection could not be set up",
    Reason.AUTH_UNAVAILABLE: "the server's login service was not working",
}


def describe(a: Attempt, s: Session) -> str:
    """ "this is the login attempt from the report: the password was wrong"."""
    if s.outcome is Outcome.LOGIN_FAILED and s.reason is not None:
        verdict = _VERDICT[s.reason]
    elif s.outcome is Outcome.BLOCKLISTED:
        verdict = f"the computer's address is on the blocklist {s.blocklist}"
    elif s.outcome in (Outcome.LOGIN_OK, Outcome.MESSAGE_ACCEPTED, Outcome.DELIVERED):
        verdict = "the login worked"
    else:
        verdict = s.outcome.value.replace("_", " ")
    if _same_session(a, s):
        how = "the server's session id"
    else:
        how = "time and login" if s.user else "time and address"
    return f"This is the login attempt from the report ({a.label()}, matched by {how}): {verdict}."


def annotate(keys: ReportKeys, s: Session) -> Attempt | None:
    a = match(keys, s)
    if a is not None:
        s.report_match = describe(a, s)
        s.report_service = a.service
    return a
