"""Reading the mail server's own logs for IT: Dovecot and Haraka lines grouped into sessions,
each with its outcome in plain words, filtered by address, client address, time or a saved
report. Qt-free; the CLI (``logs``) and the GUI's log reader both use it."""

from wizard.logs.model import Outcome, Reason, Server, Session, Stamp
from wizard.logs.reader import Filters, Stats, read_sessions
from wizard.logs.report_match import ReportKeys, load_report
from wizard.logs.source import LogFileError

__all__ = [
    "Filters",
    "LogFileError",
    "Outcome",
    "Reason",
    "ReportKeys",
    "Server",
    "Session",
    "Stamp",
    "Stats",
    "load_report",
    "read_sessions",
]
