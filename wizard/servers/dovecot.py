"""Dovecot (IMAP, POP3, ManageSieve, submission): how it names itself and what its log says.

Its login processes write one line per connection when it ends ("Disconnected") or logs in
("Login:"), the same shape for IMAP, submission and ManageSieve; the auth process writes its
verdict before it (``passwd-file(user,ip,<session>): Password mismatch``); the mail process
writes after a login, under the same session id. Through a log file the level comes in between
("imap-login: Info: Login:"), through syslog it does not, so the process name and the words
after it are separate fragments. Both the report's hints and the log reader
(``wizard/logs/dovecot.py``) read these words from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from wizard.servers.outcome import (
    ACCOUNT_DISABLED,
    AUTH_UNAVAILABLE,
    LOGGED_IN,
    LOGIN_REFUSED,
    NO_LOGIN,
    Logged,
)
from wizard.servers.product import Product
from wizard.services import Service

KEY = "dovecot"

# The login process of each service the app checks, as its lines name it.
LOGIN_PROCESS: Mapping[Service, str] = {
    Service.IMAP: "imap-login",
    Service.SMTP: "submission-login",
    Service.SIEVE: "managesieve-login",
}
# A process's lines are about this service (the log reader's words for it).
SERVICE_OF_PROCESS: Mapping[str, str] = {
    "imap-login": "imap",
    "imap": "imap",
    "pop3-login": "pop3",
    "pop3": "pop3",
    "managesieve-login": "sieve",
    "managesieve": "sieve",
    "submission-login": "submission",
    "submission": "submission",
}
AUTH_PROCESSES = frozenset({"auth", "auth-worker"})
# Every process whose lines are Dovecot's (the others: not a client's login, but Dovecot's).
PROCESSES = (
    frozenset(SERVICE_OF_PROCESS)
    | AUTH_PROCESSES
    | {
        "lmtp",
        "lda",
        "master",
        "config",
        "anvil",
        "log",
        "indexer",
        "indexer-worker",
        "dict",
        "stats",
        "doveadm",
        "quota-status",
    }
)

# The login process's words, per outcome.
LOGIN = "Login:"  # the line of a good login starts with it
DISCONNECTED = "Disconnected"
AUTH_FAILED = "(auth failed"
DISABLED = "successful auths"  # the password matched, the account may not log in (nologin)
TEMPORARY_FAILURE = "auth service reported temporary failure"
NO_AUTH_ATTEMPTS = "no auth attempts"
PLAINTEXT_REFUSED = "plaintext auth"  # "tried to use disallowed plaintext auth"
TLS_HANDSHAKING = "TLS handshaking"
TLS_SECURED = (", TLS", "secured")
# The auth process's verdicts (any passdb driver), lower case.
PASSWORD_MISMATCH = ("password mismatch", "invalid credentials")
UNKNOWN_USER = ("unknown user", "no such user")
ACCOUNT_OFF = ("disabled", "nologin")
TEMPORARY = "temporary"
AUTH_SERVICE_DOWN = ("auth process", "Authentication server")
# A mail process's words when the session ends (besides a line that starts "Disconnected").
SESSION_ENDED = ("Logged out", "Connection closed")
# With auth_verbose_passwords the auth process adds "(given password: …)" (or a hash of it).
GIVEN_PASSWORD = "given password"  # noqa: S105 - the words around a secret, not one
# The setting that makes the auth process say which of the two a refused login was.
VERBOSE_SETTING = "auth_verbose"


def _fragments() -> dict[tuple[Service, Logged], tuple[str, ...]]:
    table: dict[tuple[Service, Logged], tuple[str, ...]] = {}
    for service, name in LOGIN_PROCESS.items():
        process = f"{name}:"
        table[(service, LOGGED_IN)] = (process, f"{LOGIN} user=<{{user}}>")
        table[(service, LOGIN_REFUSED)] = (process, DISCONNECTED, AUTH_FAILED, "user=<{user}>")
        table[(service, ACCOUNT_DISABLED)] = (process, DISCONNECTED, DISABLED, "user=<{user}>")
        table[(service, AUTH_UNAVAILABLE)] = (
            process,
            DISCONNECTED,
            TEMPORARY_FAILURE,
            "user=<{user}>",
        )
        table[(service, NO_LOGIN)] = (process, DISCONNECTED, NO_AUTH_ATTEMPTS)
    return table


PRODUCT = Product(
    key=KEY,
    name="Dovecot",
    patterns=(re.compile(r"\bDovecot\b"),),
    usual_log="/var/log/mail.log, or the file Dovecot's log_path setting names "
    "(doveadm log find prints it)",
    fragments=_fragments(),
)
