"""What the log reader produces: time stamps that may lack a year, and one session per
connection (or delivery) with its outcome in plain words.

Plain dataclasses so the CLI, the GUI and the tests share one shape; ``to_json`` is the
documented ``logs --json`` form.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.logs.redact import redact
from wizard.servers import dovecot, haraka
from wizard.servers.outcome import Outcome, Reason

__all__ = ["Delivery", "Outcome", "Reason", "Server", "Session", "Stamp", "Transaction"]

# The year given to year-less stamps ("Dec 01 21:31:53") so they can be held in a datetime.
# A leap year, so that "Feb 29" parses. It is never shown: ``Stamp.iso`` leaves it out.
PLACEHOLDER_YEAR = 2000

# How many original lines one session keeps; the rest are counted, not stored, so that one
# endless connection cannot grow without bound.
MAX_LINES_PER_SESSION = 400
# A line longer than this is cut before it is read or kept (the cut is said at its end). Real
# Dovecot and Haraka lines stay under a few KB; a crafted log with 1 MB lines must not make
# every unfinished session hold megabytes (issue 28, finding 7).
MAX_LINE_CHARS = 16 * 1024
# The characters that one server's unfinished sessions may keep together (their lines, and
# Haraka's message and delivery records). Past it the oldest are finished early, as they stand,
# and counted (``Stats.evicted``). One session keeps at most 400 lines of 16 KB (and bounded
# records), so one session alone never reaches it.
OPEN_BUDGET_CHARS = 16 << 20


@dataclass(frozen=True, order=True)
class Stamp:
    """A log time in UTC. ``year_known`` is False for syslog-style stamps, which carry none."""

    when: datetime  # naive, UTC
    year_known: bool = True
    zone_known: bool = True

    @property
    def iso(self) -> str:
        """ISO 8601; a year-less stamp takes the "year omitted" form ``--MM-DDThh:mm:ss``."""
        text = self.when.isoformat(timespec="milliseconds" if self.when.microsecond else "seconds")
        if not self.year_known:
            text = "--" + text[5:]
        return text + ("Z" if self.zone_known else "")

    @property
    def clock(self) -> str:
        return self.when.strftime("%H:%M:%S")

    def label(self) -> str:
        """For people: "2020-12-01 21:31:53 UTC" or "Dec 01 21:31:53 (no year in the log)"."""
        if self.year_known:
            return self.when.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if self.zone_known else "")
        return self.when.strftime("%b %d %H:%M:%S") + " (no year in the log)"

    def short(self) -> str:
        """For a table column: the label without the note about the missing year."""
        return self.when.strftime("%Y-%m-%d %H:%M:%S" if self.year_known else "%b %d %H:%M:%S")

    def comparable(self, other: datetime) -> datetime:
        """This stamp as an aware UTC datetime to compare with ``other``.

        A year-less stamp borrows ``other``'s year: the log cannot say more, and a bound or a
        report time is the best guess there is.
        """
        when = self.when
        if not self.year_known:
            try:
                when = when.replace(year=other.astimezone(UTC).year)
            except ValueError:  # Feb 29 against a year without one
                when = when.replace(year=other.astimezone(UTC).year, day=28)
        return when.replace(tzinfo=UTC)

    def plus(self, seconds: float) -> Stamp:
        return Stamp(self.when + timedelta(seconds=seconds), self.year_known, self.zone_known)


class Server(enum.StrEnum):
    """Which server wrote the lines (its key in ``wizard.servers``)."""

    DOVECOT = dovecot.KEY
    HARAKA = haraka.KEY


@dataclass
class Delivery:
    """One outbound delivery of a Haraka transaction (``UUID.1.1``), with its retries."""

    delivery_id: str
    domain: str = ""
    mx_host: str = ""
    attempts: int = 0
    failures: int = 0  # "Temp failing" lines
    target: str = ""  # ip:port of the last attempt
    tls: str = ""  # "verified" / "not verified (ERR_…)" / ""
    cert_name: str = ""
    errors: list[str] = field(default_factory=list)
    # Each distinct error once: a repeated one is appended as the same string (a reference).
    distinct_errors: dict[str, str] = field(default_factory=dict, repr=False)
    outcome: Outcome | None = None  # DELIVERED / DEFERRED / BOUNCED
    next_retry: Stamp | None = None
    retry_in_s: int = 0
    response: str = ""
    remote_host: str = ""
    remote_ip: str = ""
    mode: str = ""
    port: str = ""
    bounce_reason: str = ""
    finished_at: Stamp | None = None


@dataclass
class Transaction:
    """One message submitted in a Haraka connection (``UUID.1``)."""

    txn_id: str
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    message_id: str = ""
    size: int = 0
    queued: bool = False
    rejected: str = ""
    deliveries: dict[str, Delivery] = field(default_factory=dict)


@dataclass
class Session:
    """What happened on one connection, as far as the log tells."""

    server: Server
    service: str  # imap, managesieve, submission, pop3, smtp
    started: Stamp
    session_id: str = ""
    client_ip: str = ""
    client_port: str = ""
    user: str = ""
    outcome: Outcome = Outcome.UNKNOWN
    reason: Reason | None = None
    explanation: str = ""
    lines: list[str] = field(default_factory=list)
    lines_dropped: int = 0
    ended: Stamp | None = None
    tls: bool | None = None
    authenticated: bool = False
    blocklist: str = ""  # the list that has the client's address
    blocklist_msg: str = ""
    transactions: dict[str, Transaction] = field(default_factory=dict)
    closed: bool = False  # the server logged the end of the connection
    facts: dict[str, str] = field(default_factory=dict)
    # Set by report matching: how this session relates to the report given with --report.
    report_match: str = ""
    report_service: str = ""
    # Characters held in ``lines``, for the trackers' budget of unfinished sessions.
    kept_chars: int = 0

    def add_line(self, line: str, *, before_last: bool = False) -> int:
        """Keep ``line`` (redacted) unless the session holds enough; the characters kept."""
        if len(self.lines) >= MAX_LINES_PER_SESSION:
            self.lines_dropped += 1
            return 0
        kept = redact(line)
        if before_last:
            self.lines.insert(max(0, len(self.lines) - 1), kept)
        else:
            self.lines.append(kept)
        self.kept_chars += len(kept)
        return len(kept)

    @property
    def last(self) -> Stamp:
        return self.ended or self.started

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "server": self.server.value,
            "service": self.service,
            "started": self.started.iso,
            "year_known": self.started.year_known,
            "ended": self.ended.iso if self.ended else None,
            "client_ip": self.client_ip or None,
            "user": self.user or None,
            "outcome": self.outcome.value,
            "reason": self.reason.value if self.reason else None,
            "explanation": self.explanation,
            "session_id": self.session_id or None,
            "lines": list(self.lines),
        }
        if self.lines_dropped:
            out["lines_dropped"] = self.lines_dropped
        if self.blocklist:
            out["blocklist"] = self.blocklist
        if self.transactions:
            out["messages"] = [_txn_json(t) for t in self.transactions.values()]
        if self.report_match:
            out["report_match"] = self.report_match
            out["report_service"] = self.report_service or None
        return out


def _txn_json(t: Transaction) -> dict[str, Any]:
    return {
        "queue_id": t.txn_id,
        "sender": t.sender or None,
        "recipients": list(t.recipients),
        "message_id": t.message_id or None,
        "size": t.size or None,
        "deliveries": [
            {
                "id": d.delivery_id,
                "outcome": d.outcome.value if d.outcome else None,
                "domain": d.domain or None,
                "remote_host": d.remote_host or d.mx_host or None,
                "remote_ip": d.remote_ip or None,
                "attempts": d.attempts,
                "tls": d.tls or None,
                "errors": list(d.errors),
                "next_retry": d.next_retry.iso if d.next_retry else None,
                "response": d.response or None,
            }
            for d in t.deliveries.values()
        ],
    }
