"""Recognise one log line: its time stamp, the optional syslog/journal prefix, and which
server wrote it.

Formats, tried per line (a file may mix them after a logging change):

* Dovecot's own log file with ``log_timestamp = "%Y-%m-%d %H:%M:%S "``:
  ``2020-12-01 21:31:53 imap-login: Info: Login: …`` (no zone: read as UTC);
* Dovecot's default stamp and the how-to's samples: ``Dec 01 21:31:53 imap-login: Info: …``
  (no year — kept as unknown, never guessed);
* syslog / ``journalctl`` (short, short-iso, RFC 3339 / 5424): ``Dec  1 21:31:53 host
  dovecot[123]: imap-login: Login: …``, ``2020-12-01T21:31:53+0000 host dovecot: …``;
* Haraka: ``2020-12-01T22:15:11.000Z [NOTICE] [UUID] [core] …`` (also behind a syslog prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from wizard.logs.model import PLACEHOLDER_YEAR, Stamp
from wizard.servers import dovecot

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    )
}

# ISO date and time, "T" or space, optional fraction and zone.
_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"(Z|[+-]\d\d(?::?\d\d)?)? "
)
# "Dec 01 21:31:53 " and syslog's "Dec  1 21:31:53 ".
_BSD = re.compile(
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d\d):(\d\d):(\d\d)"
    r"(?:\.(\d{1,9}))? "
)
# syslog's "host program[pid]: " after the stamp.
_SYSLOG_PROG = re.compile(r"(\S+) ([A-Za-z][\w./-]*)(?:\[\d+\])?: ")
# RFC 5424: "<34>1 2020-…Z host app procid msgid [sd] msg" after the priority.
_PRI = re.compile(r"<\d{1,3}>(?:1 )?")

_HARAKA = re.compile(r"\[(DATA|PROTOCOL|DEBUG|INFO|NOTICE|WARN|ERROR|CRIT|ALERT|EMERG)\] ")
# Dovecot's "service(who)<pid><session>: Level: " or, under syslog, "service(who): ".
_DOVECOT = re.compile(
    r"(?:dovecot: )?([a-z][a-z0-9-]*)(?:\(([^)]*)\))?(?:<(\d+)>)?(?:<([^>]+)>)?: "
    r"(?:(Info|Warning|Error|Fatal|Panic|Debug): )?"
)


@dataclass(frozen=True)
class DovecotLine:
    stamp: Stamp
    service: str
    who: str  # "(…)" after the service: the user, or "123" for auth-worker
    pid: str
    session: str
    level: str
    message: str


@dataclass(frozen=True)
class HarakaLine:
    stamp: Stamp
    level: str
    uuid: str  # "-" for lines of no connection
    plugin: str
    message: str


def _fraction(text: str | None) -> int:
    return int((text or "0").ljust(6, "0")[:6])


def parse_stamp(line: str) -> tuple[Stamp, int] | None:
    """The time at the start of ``line`` and where the rest begins."""
    m = _ISO.match(line)
    if m:
        y, mo, d, h, mi, s, frac, zone = m.groups()
        try:
            when = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), _fraction(frac))
        except ValueError:
            return None
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            when = when - sign * offset
        return Stamp(when, year_known=True, zone_known=bool(zone)), m.end()
    m = _BSD.match(line)
    if m:
        mon, d, h, mi, s, frac = m.groups()
        try:
            when = datetime(
                PLACEHOLDER_YEAR, _MONTHS[mon], int(d), int(h), int(mi), int(s), _fraction(frac)
            )
        except ValueError:
            return None
        return Stamp(when, year_known=False, zone_known=False), m.end()
    return None


def parse_line(line: str) -> DovecotLine | HarakaLine | None:
    """One line as Dovecot's or Haraka's, or None when it is neither (counted as skipped)."""
    pri = _PRI.match(line)
    if pri:
        line = line[pri.end() :]
    got = parse_stamp(line)
    if got is None:
        return None
    stamp, pos = got
    rest = line[pos:]
    parsed = _after_stamp(stamp, rest)
    if parsed is None:
        # syslog/journal: "host program[pid]: " between the stamp and the server's own text.
        m = _SYSLOG_PROG.match(rest)
        if m:
            body = rest[m.end() :]
            parsed = _after_stamp(stamp, body)
            if parsed is None:
                # a forwarded line may keep its own stamp after the syslog prefix
                inner = parse_stamp(body)
                if inner is not None:
                    parsed = _after_stamp(inner[0], body[inner[1] :])
    return parsed


def _after_stamp(stamp: Stamp, rest: str) -> DovecotLine | HarakaLine | None:
    m = _HARAKA.match(rest)
    if m:
        tail = rest[m.end() :]
        uuid, tail = _bracket(tail)
        plugin, tail = _bracket(tail)
        if uuid is None:
            return None
        return HarakaLine(stamp, m.group(1), uuid, plugin or "", tail)
    m = _DOVECOT.match(rest)
    if m and m.group(1) in dovecot.PROCESSES:
        service, who, pid, session, level = m.groups()
        return DovecotLine(
            stamp, service, who or "", pid or "", session or "", level or "", rest[m.end() :]
        )
    return None


def _bracket(text: str) -> tuple[str | None, str]:
    if not text.startswith("["):
        return None, text
    end = text.find("]")
    if end < 0:
        return None, text
    return text[1:end], text[end + 1 :].removeprefix(" ")
