"""The reader's results for people (a timeline, one block per session) and for scripts
(``logs --json``). Both write as sessions arrive, so a huge unfiltered read never piles up.

A log line is written by whoever talked to the server (a login name, an EHLO, a bounce text):
every line and every JSON string is made safe to print (``wizard.safe_text``) before it goes
out, and the summary says so when something was escaped."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from wizard.checks.errors import Cause
from wizard.logs.causes import LOGIN_CAUSES
from wizard.logs.model import Outcome, Reason, Session
from wizard.logs.reader import Stats
from wizard.logs.report_match import Attempt, ReportKeys
from wizard.safe_text import NOTE as ESCAPED_NOTE
from wizard.safe_text import visible, visible_json, visible_lines
from wizard.servers import BY_KEY

_SERVICE = {
    "imap": "IMAP",
    "pop3": "POP3",
    "sieve": "ManageSieve",
    "submission": "SMTP submission",
    "smtp": "SMTP",
}
# A check with one of these causes (or none: it passed) reached the server's log.
_EXPECTED_IN_LOG = LOGIN_CAUSES | {Cause.PROTOCOL_ERROR}

_OUTCOME = {
    Outcome.LOGIN_OK: "login OK",
    Outcome.LOGIN_FAILED: "login FAILED",
    Outcome.BLOCKLISTED: "BLOCKLISTED",
    Outcome.MESSAGE_ACCEPTED: "message accepted",
    Outcome.DELIVERED: "delivered",
    Outcome.DEFERRED: "DEFERRED (will retry)",
    Outcome.BOUNCED: "BOUNCED",
    Outcome.UNKNOWN: "start not in the log",
}


def service_label(s: Session) -> str:
    server = BY_KEY[s.server.value].name
    return f"{server} {_SERVICE.get(s.service, s.service)}"


def outcome_label(s: Session) -> str:
    if s.reason is Reason.NO_AUTH_ATTEMPT:
        return "no login attempt"
    return _OUTCOME[s.outcome]


def headline(s: Session) -> str:
    """One line, safe to show: the login and the address come from the log."""
    return visible(_headline(s))


def _headline(s: Session) -> str:
    who = f"  {s.user}" if s.user else ""
    frm = f"  from {s.client_ip}" if s.client_ip else ""
    return f"{s.started.label()}  {service_label(s)}{frm}  — {outcome_label(s)}{who}"


def session_text(s: Session) -> str:
    """The session's block, every line safe to print or to show in a text view."""
    return "\n".join(session_lines(s)[0])


def session_lines(s: Session) -> tuple[list[str], bool]:
    """The block's lines made safe, and whether any needed it."""
    out = [_headline(s)]
    if s.report_match:
        out.append(f"  ► {s.report_match}")
    out.append(f"  {s.explanation}")
    if s.session_id:
        out.append(f"  session {s.session_id}")
    out.extend(f"    {line}" for line in s.lines)
    if s.lines_dropped:
        out.append(f"    … and {s.lines_dropped} more lines")
    return visible_lines(out)


def notes(stats: Stats) -> list[str]:
    out = []
    if stats.year_unknown:
        out.append(
            "Some log lines carry no year (syslog-style “Dec 01 21:31:53”): their dates are "
            "shown without one, never guessed."
        )
    if stats.zone_unknown:
        out.append("Times without a time zone in the log are read as UTC.")
    if stats.evicted:
        out.append(
            f"{stats.evicted} unfinished sessions were reported early to keep memory bounded."
        )
    if stats.cancelled:
        out.append("Stopped before the end of the logs.")
    return out


def summary_text(counts: Counter[str], stats: Stats) -> str:
    n = sum(counts.values())
    if n:
        parts = ", ".join(f"{v} {k}" for k, v in counts.most_common())
        text = f"{n} session{'s' if n != 1 else ''}: {parts}."
    else:
        text = "No sessions matched."
    if not stats.selective:
        text += f" Read {stats.lines_read} line{'s' if stats.lines_read != 1 else ''}"
    else:
        text += (
            f" Searched {_size(stats.bytes_read)} and read the {stats.lines_examined} "
            f"lines that could belong to the filter"
        )
    if stats.skipped_lines:
        text += f"; {stats.skipped_lines} lines were not Dovecot's or Haraka's and were skipped"
    return text + "."


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1000:.0f} kB" if n >= 1000 else f"{n} bytes"


def report_lines(keys: ReportKeys, found: dict[int, list[Session]]) -> list[str]:
    out = [f"The report for {keys.address}:"]
    for i, a in enumerate(keys.attempts):
        mine = found.get(i, [])
        if mine:
            ids = ", ".join(s.session_id or s.started.clock for s in mine)
            out.append(f"  {a.label()}: found in the log ({ids}).")
        elif not a.cause or a.cause in _EXPECTED_IN_LOG:
            out.append(
                f"  {a.label()}: not found in these logs (another server, or another file?)."
            )
        else:
            out.append(
                f"  {a.label()}: not found — expected, the check stopped before logging in "
                f"({a.cause})."
            )
    return out


def write_text(
    sessions: Iterable[Session],
    stats: Stats,
    out: TextIO,
    keys: ReportKeys | None = None,
    attempts: dict[int, list[Session]] | None = None,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    escaped = False
    for s in sessions:
        counts[s.outcome.value] += 1
        lines, changed = session_lines(s)
        escaped = escaped or changed
        out.write("\n".join(lines) + "\n\n")
        out.flush()
    if keys is not None and attempts is not None:
        lines, changed = visible_lines(report_lines(keys, attempts))
        escaped = escaped or changed
        out.write("\n".join(lines) + "\n\n")
    out.write(summary_text(counts, stats) + "\n")
    for note in notes(stats) + ([ESCAPED_NOTE] if escaped else []):
        out.write(visible(note) + "\n")
    return counts


def write_json(
    sessions: Iterable[Session],
    stats: Stats,
    out: TextIO,
    keys: ReportKeys | None = None,
    attempts: dict[int, list[Session]] | None = None,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    escaped = False
    out.write('{"sessions": [')
    first = True
    for s in sessions:
        counts[s.outcome.value] += 1
        data, changed = visible_json(s.to_json())
        escaped = escaped or changed
        out.write(("\n  " if first else ",\n  ") + json.dumps(data, ensure_ascii=False))
        first = False
    tail: dict[str, Any] = {
        "skipped_lines": stats.skipped_lines,
        "summary": summary_text(counts, stats),
        "outcomes": dict(counts),
        "lines_read": stats.lines_read or None,
        "bytes_read": stats.bytes_read,
        "lines_examined": stats.lines_examined,
        "year_known": not stats.year_unknown,
        "notes": notes(stats),
        "files": stats.files,
    }
    if keys is not None and attempts is not None:
        tail["report"] = [
            _attempt_json(a, attempts.get(i, [])) for i, a in enumerate(keys.attempts)
        ]
    safe_tail, changed = visible_json(tail)
    if escaped or changed:
        safe_tail["notes"].append(ESCAPED_NOTE)
    body = json.dumps(safe_tail, ensure_ascii=False)
    out.write(("\n" if not first else "") + "], " + body[1:] + "\n")
    return counts


def _attempt_json(a: Attempt, found: list[Session]) -> dict[str, Any]:
    return {
        "service": a.service,
        "username": a.username,
        "started": a.started.isoformat(),
        "ok": a.ok,
        "cause": a.cause or None,
        "sessions": [s.session_id or s.started.iso for s in found],
    }
