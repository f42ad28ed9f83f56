"""Mail server products: how each names itself, what its log lines say, where its log usually is.

One table, one entry per product, so that a hint for IT is true for the server actually in front
of us: a Dovecot gets Dovecot's log words, a Haraka its session id, and a server that does not
say what it is gets no quoted words at all (the report would only be guessing).

Recognition uses what the server sends anyway: the IMAP greeting, the SMTP banner and EHLO
reply, the ManageSieve IMPLEMENTATION capability. IMAP ID (RFC 2971) is not sent: imaplib waits
for each tagged reply before the next command, so ID before LOGIN is one more round trip on the
path to the verdict, and after LOGIN it is only possible when the login worked, which is when it
is needed least. Every greeting of the servers below already names the product.

Fragments are templates (``{user}``, ``{session}``, ``{seen_ip}``, ``{refusal}``) for words that
appear literally in that product's log line for that outcome. Only products whose real log lines
the test suite reads carry fragments (Dovecot, Haraka, Exim: ``tests/test_log_hints*.py``,
``tests/test_haraka_report.py``); the others are recognised and their log's usual place is
named, but nothing of theirs is quoted.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from wizard.services import Service


class Outcome(enum.StrEnum):
    """What happened on the server's side, in the terms its log uses."""

    LOGGED_IN = "logged_in"
    AUTH_FAILED = "auth_failed"
    ACCOUNT_DISABLED = "account_disabled"
    AUTH_UNAVAILABLE = "auth_unavailable"
    BLOCKED = "blocked"  # refused at connect time (blocklist)
    NO_LOGIN = "no_login"  # connected, but the check stopped before any login attempt


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    # Any match names the product; a group named "version", when it matches, gives the version.
    patterns: tuple[re.Pattern[str], ...]
    usual_log: str
    # Per service and outcome, the words its log line has (templates, see the module docstring).
    fragments: Mapping[tuple[Service, Outcome], tuple[str, ...]] = field(default_factory=dict)
    # A session id the server shows the client, as it appears in the server's own log.
    session_pattern: re.Pattern[str] | None = None
    # Its EHLO reply names the connecting address even when that equals our own HELO literal.
    ehlo_states_peer: bool = False

    def label(self, version: str | None) -> str:
        return f"{self.name} {version}" if version else self.name


def _dovecot_fragments() -> dict[tuple[Service, Outcome], tuple[str, ...]]:
    # Dovecot's login processes write one line per connection when it ends ("Disconnected")
    # or logs in ("Login:"); the same shape for IMAP, submission and ManageSieve. Through a log
    # file the level comes in between ("imap-login: Info: Login:"), through syslog it does not,
    # so the process name and the words after it are separate fragments.
    table: dict[tuple[Service, Outcome], tuple[str, ...]] = {}
    for service, process in (
        (Service.IMAP, "imap-login:"),
        (Service.SMTP, "submission-login:"),
        (Service.SIEVE, "managesieve-login:"),
    ):
        table[(service, Outcome.LOGGED_IN)] = (process, "Login: user=<{user}>")
        table[(service, Outcome.AUTH_FAILED)] = (
            process,
            "Disconnected",
            "(auth failed",
            "user=<{user}>",
        )
        # The password matched but the account may not log in (passdb "nologin").
        table[(service, Outcome.ACCOUNT_DISABLED)] = (
            process,
            "Disconnected",
            "successful auths",
            "user=<{user}>",
        )
        table[(service, Outcome.AUTH_UNAVAILABLE)] = (
            process,
            "Disconnected",
            "auth service reported temporary failure",
            "user=<{user}>",
        )
        table[(service, Outcome.NO_LOGIN)] = (process, "Disconnected", "no auth attempts")
    return table


def _haraka_fragments() -> dict[tuple[Service, Outcome], tuple[str, ...]]:
    # Haraka prefixes every line of a connection with its UUID, whose first characters the
    # banner shows; its "disconnect" line carries the address it saw and the last refusal
    # (lr="535 ..."). Its failure lines never name the user.
    return {
        (Service.SMTP, Outcome.LOGGED_IN): ("[{session}", "[core] disconnect", "ip={seen_ip}"),
        (Service.SMTP, Outcome.AUTH_FAILED): (
            "[{session}",
            "[core] disconnect",
            "ip={seen_ip}",
            'lr="535',
        ),
        (Service.SMTP, Outcome.BLOCKED): ("retval=DENY", 'msg="{refusal}"'),
    }


def _exim_fragments() -> dict[tuple[Service, Outcome], tuple[str, ...]]:
    # Exim's mainlog has one line per refused login, with the address it saw and the login
    # (set_id); a good login is logged only with a message, so there is nothing to point at.
    return {
        (Service.SMTP, Outcome.AUTH_FAILED): (
            "authenticator failed for",
            "[{seen_ip}]",
            "535 Incorrect authentication data",
            "(set_id={user})",
        ),
        (Service.SMTP, Outcome.AUTH_UNAVAILABLE): (
            "authenticator failed for",
            "[{seen_ip}]",
            "435 Unable to authenticate at present",
            "(set_id={user})",
        ),
    }


PRODUCTS: tuple[Product, ...] = (
    Product(
        key="dovecot",
        name="Dovecot",
        patterns=(re.compile(r"\bDovecot\b"),),
        usual_log="/var/log/mail.log, or the file Dovecot's log_path setting names "
        "(doveadm log find prints it)",
        fragments=_dovecot_fragments(),
    ),
    Product(
        key="haraka",
        name="Haraka",
        patterns=(
            re.compile(r"\bHaraka(?:/(?P<version>\d[\w.]*))?"),
            re.compile(r"Haraka is at your service"),
            # A refusal at connect time comes before any banner; these are the words of
            # Haraka's dns-list plugin and of its older dnsbl plugin.
            re.compile(r"^host \[[0-9A-Fa-f:.]+\] is (?:listed on|blacklisted by) "),
        ),
        usual_log="Haraka's standard output, or the file its log.ini names",
        fragments=_haraka_fragments(),
        # Banner "… ESMTP Haraka ready (EE0EDA)": the first characters of the connection UUID.
        session_pattern=re.compile(r"\(([0-9A-F][0-9A-F.-]{3,})\)\s*$"),
        ehlo_states_peer=True,
    ),
    Product(
        key="postfix",
        name="Postfix",
        patterns=(re.compile(r"\bPostfix\b"),),
        usual_log="/var/log/mail.log or the journal (journalctl -u postfix)",
    ),
    Product(
        key="exim",
        name="Exim",
        patterns=(re.compile(r"\bExim (?P<version>\d[\d.]*)"), re.compile(r"\bExim\b")),
        usual_log="/var/log/exim4/mainlog (Debian) or /var/log/exim/main.log, in local time",
        fragments=_exim_fragments(),
        ehlo_states_peer=True,
    ),
    Product(
        key="sendmail",
        name="Sendmail",
        patterns=(re.compile(r"\bSendmail (?P<version>\d[\w.]*)"),),
        usual_log="/var/log/maillog or /var/log/mail.log",
        ehlo_states_peer=True,
    ),
    Product(
        key="opensmtpd",
        name="OpenSMTPD",
        patterns=(re.compile(r"\bOpenSMTPD\b"),),
        usual_log="/var/log/maillog or /var/log/mail.log",
    ),
    Product(
        key="cyrus",
        name="Cyrus",
        patterns=(
            re.compile(r"\bCyrus IMAP(?:4)?(?: v?(?P<version>\d[\w.-]*))?"),
            re.compile(r"\bCyrus timsieved(?: v?(?P<version>\d[\w.-]*))?"),
            re.compile(r"\bCyrus\b"),
        ),
        usual_log="the system log, facility mail (/var/log/mail.log or the journal)",
    ),
    Product(
        key="courier",
        name="Courier",
        patterns=(re.compile(r"\bCourier(?:-IMAP| mail server)?\b"),),
        usual_log="/var/log/mail.log (or /var/log/maillog)",
    ),
    Product(
        key="exchange",
        name="Microsoft Exchange",
        patterns=(
            re.compile(r"Microsoft Exchange"),
            re.compile(r"Microsoft ESMTP MAIL Service"),
        ),
        usual_log="the IMAP4 and SMTP Receive protocol logs (protocol logging must be on)",
        ehlo_states_peer=True,
    ),
)

BY_KEY: Mapping[str, Product] = {p.key: p for p in PRODUCTS}


@dataclass(frozen=True)
class Identified:
    product: Product
    version: str | None

    @property
    def label(self) -> str:
        return self.product.label(self.version)


def identify(*texts: str) -> Identified | None:
    """The product named in the server's own words, or None when it does not say."""
    for text in texts:
        if not text:
            continue
        for product in PRODUCTS:
            for pattern in product.patterns:
                m = pattern.search(text)
                if m:
                    version = m.groupdict().get("version")
                    return Identified(product, version)
    return None


_IP_LITERAL = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")


def seen_ip_from_ehlo(first_line: str, own_helo: str, product: Product | None) -> str | None:
    """The address the server says it sees us as, from the first line of its EHLO reply.

    Haraka, Exim, Sendmail and Exchange put it in brackets ("Hello [1.2.3.4]", Exim after our
    own HELO name: "Hello [192.168.0.5] [1.2.3.4]"), so the last literal is the one. A lone
    literal equal to our own HELO argument could be an echo of it, so it counts only for a
    product known to state the peer.
    """
    literals = _IP_LITERAL.findall(first_line)
    if not literals:
        return None
    ip = str(literals[-1])
    own = own_helo.strip("[]").removeprefix("IPv6:")
    if len(literals) == 1 and ip == own and not (product and product.ehlo_states_peer):
        return None
    return ip if _looks_like_ip(ip) else None


def seen_ip_from_refusal(text: str) -> str | None:
    """A refusal at connect time often names the refused address ("host [1.2.3.4] is listed")."""
    literals = [ip for ip in _IP_LITERAL.findall(text) if _looks_like_ip(ip)]
    return str(literals[0]) if len(literals) == 1 else None


def session_from_banner(banner: str, product: Product | None) -> str | None:
    if product is None or product.session_pattern is None:
        return None
    m = product.session_pattern.search(banner)
    return m.group(1) if m else None


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
