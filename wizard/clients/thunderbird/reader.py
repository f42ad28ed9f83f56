"""Reading which Thunderbird accounts a profile has for an address; read-only, works while it runs.

Thunderbird's account model in prefs.js (the same facts ``account.py`` writes):
``mail.accountmanager.accounts`` lists account keys; ``mail.account.<a>.server`` and
``.identities`` link an account to its incoming server and identities; ``mail.server.<s>.*``
(type, hostname, port, socketType, authMethod, userName) is the incoming server;
``mail.identity.<i>.useremail`` and ``.smtpServer`` (else ``mail.smtp.defaultserver``) say the
address and the outgoing server; ``mail.smtpserver.<k>.*`` (hostname, port, try_ssl,
authMethod, username) is the outgoing server. "Work offline" is one setting for all accounts:
``offline.startup_state`` (0 remember the last state, 1 ask, 2 always online, 3 always offline,
4 automatic) and, for "remember", ``network.online`` as Thunderbird last saved it.

A damaged prefs.js is read as far as it is sound (the statements before the first error) and
the problem is named; reading never changes a byte.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from wizard.clients.found import ProgramAccount, SavedPassword, ServerFound, shown
from wizard.clients.thunderbird import prefsjs
from wizard.clients.thunderbird.logins import server_origins
from wizard.clients.thunderbird.prefsjs import PrefValue
from wizard.clients.thunderbird.profile_files import LinkRefused, read_plain_file
from wizard.provider import Provider
from wizard.services import Security, Service

# Larger than any real prefs.js by far; beyond it we read the first part and say so.
MAX_READ_BYTES = 32_000_000

_SOCKET = {0: Security.PLAIN, 1: Security.PLAIN, 2: Security.STARTTLS, 3: Security.TLS}
# nsMsgAuthMethod -> the autoconfig words the comparison uses.
AUTH_WORDS = {
    0: "",
    1: "none",
    2: "password-cleartext",  # "old": password as is
    3: "password-cleartext",
    4: "password-encrypted",
    5: "gssapi",
    6: "ntlm",
    7: "tls-client-cert",
    8: "secure",
    9: "any",
    10: "oauth2",
}

# The form Gecko itself writes: one ``user_pref("name", value);`` per line, ``//`` comments,
# blank lines, LF line ends. A file in that form (every line starts as one of those, checked by
# counting at C speed, and no ``/*`` anywhere) is read with one regular expression that picks
# just the prefs below, each matched as a whole line: a 5 MB prefs.js in tens of milliseconds
# instead of a second. Anything else (hand edits, block comments, CRLF) takes the full parser.
_ACCOUNT_PREFS = (
    r"mail\.(?:accountmanager\.accounts|smtp\.defaultserver"
    r"|account\.[^\".]+\.(?:server|identities)"
    r"|server\.[^\".]+\.(?:type|hostname|port|socketType|authMethod|userName)"
    r"|identity\.[^\".]+\.(?:useremail|smtpServer|fullName)"
    r"|smtpserver\.[^\".]+\.(?:hostname|port|try_ssl|authMethod|username))"
    r"|offline\.startup_state|network\.online"
)
# Anchored on the line break before each statement (not ``^`` with re.M): a literal prefix
# lets the regex engine skip ahead at C speed instead of trying every position.
_WANTED = re.compile(
    (
        r'\nuser_pref\("(' + _ACCOUNT_PREFS + r')", ("(?:[^"\\\n]|\\.)*"|-?\d+|true|false)\);'
        r"(?=\n|$)"
    ).encode()
)
_LINE_STARTS = (b'user_pref("', b"//", b"\n")


def _gecko_form(raw: bytes) -> bool:
    """Every line starts as a statement, a ``//`` comment or is blank; no ``/*``, no CR."""
    if b"/*" in raw or b"\r" in raw or not raw:
        return False
    end = len(raw) - 1 if raw.endswith(b"\n") else len(raw)
    lines = raw.count(b"\n", 0, end) + 1
    known = int(raw.startswith(_LINE_STARTS)) + sum(
        raw.count(b"\n" + start, 0, end + 1) for start in _LINE_STARTS
    )
    return lines == known


@dataclass(frozen=True)
class PrefsRead:
    values: dict[str, PrefValue]
    problem: str | None = None  # what was wrong, when the file was read only in part


def read_prefs(profile: Path) -> PrefsRead:
    """The profile's prefs as Thunderbird would see them, as far as the file is sound."""
    path = profile / "prefs.js"
    try:
        raw = read_plain_file(path, MAX_READ_BYTES)
    except LinkRefused:
        try:
            raw = read_plain_file(path.resolve(strict=True), MAX_READ_BYTES)
        except OSError as exc:
            return PrefsRead({}, f"prefs.js cannot be read ({exc.strerror or exc})")
    except OSError as exc:
        if exc.errno == errno.EFBIG:  # read the first part only
            with path.open("rb") as handle:
                raw = handle.read(MAX_READ_BYTES)
            values, problem = _parse(raw)
            return PrefsRead(values, problem or f"prefs.js is over {MAX_READ_BYTES // 10**6} MB")
        return PrefsRead({}, f"prefs.js cannot be read ({exc.strerror or exc})")
    if raw is None:
        return PrefsRead({}, None)
    values, problem = _parse(raw)
    return PrefsRead(values, problem)


def _parse(raw: bytes) -> tuple[dict[str, PrefValue], str | None]:
    if _gecko_form(raw):
        fast = _fast_values(raw)
        if fast is not None:
            return fast, None
    document, error = prefsjs.parse_prefs_prefix(prefsjs.decode(raw))
    problem = None
    if error is not None:
        problem = f"prefs.js is damaged at line {error.line} ({error.reason}); read up to there"
    return document.values(), problem


def _fast_values(raw: bytes) -> dict[str, PrefValue] | None:
    values: dict[str, PrefValue] = {}
    for match in _WANTED.finditer(b"\n" + raw):
        name, literal = prefsjs.decode(match.group(1)), prefsjs.decode(match.group(2))
        try:
            if literal[0] == '"':
                values[name] = prefsjs.string_literal(literal)
            elif literal in ("true", "false"):
                values[name] = literal == "true"
            else:
                number = int(literal)
                if not -(2**31) <= number < 2**31:
                    return None
                values[name] = number
        except prefsjs.PrefsSyntaxError:
            return None  # let the full parser name the problem
    return values


def offline(values: Mapping[str, PrefValue]) -> bool:
    state = _int(values, "offline.startup_state")
    if state == 3:
        return True
    if state in (None, 0):
        return values.get("network.online") is False
    return False


def accounts_for(
    values: Mapping[str, PrefValue],
    address: str,
    provider: Provider,
    *,
    profile: str,
    saved: tuple[SavedPassword, ...] = (),
) -> list[ProgramAccount]:
    """Every account for ``address``: by identity address, by login, or by the provider's host."""
    wanted = address.lower()
    local = wanted.partition("@")[0]
    logins = {wanted, local, provider.imap.username_for(address).lower()}
    host = provider.imap.hostname.lower().rstrip(".")
    is_offline = offline(values)
    found: list[ProgramAccount] = []
    for account in _keys(values, "mail.accountmanager.accounts"):
        server = _text(values, f"mail.account.{account}.server")
        kind = _text(values, f"mail.server.{server}.type").lower()
        if not server or kind not in ("imap", "pop3"):
            continue
        identities = _keys(values, f"mail.account.{account}.identities")
        emails = {i: _text(values, f"mail.identity.{i}.useremail").lower() for i in identities}
        user = _text(values, f"mail.server.{server}.userName").lower()
        hostname = _text(values, f"mail.server.{server}.hostname").lower().rstrip(".")
        mine = [i for i, e in emails.items() if e == wanted]
        by_login = user in logins and (hostname == host or not any(emails.values()))
        by_host = hostname == host and not any(e and e != wanted for e in emails.values())
        if not (mine or by_login or by_host):
            continue
        identity = mine[0] if mine else (identities[0] if identities else "")
        incoming = _incoming(values, server, kind)
        outgoing, smtp_key = _outgoing(values, identity)
        found.append(
            ProgramAccount(
                program="thunderbird",
                profile=shown(profile),
                account=shown(account),
                address=shown(emails.get(identity, "") or address),
                incoming=incoming,
                outgoing=outgoing,
                offline=is_offline,
                outgoing_owner=_owner(values, smtp_key, account, wanted),
                saved_passwords=_saved_for(saved, incoming, outgoing),
                identity=identity,
            )
        )
    if len(found) > 1:
        found = [replace(a, duplicate=True) for a in found]
    return found


def _incoming(values: Mapping[str, PrefValue], server: str, kind: str) -> ServerFound:
    branch = f"mail.server.{server}."
    socket = _int(values, branch + "socketType")
    security = _SOCKET.get(socket if socket is not None else 0)
    port = _int(values, branch + "port")
    if not port:  # Thunderbird's default port for the protocol and security
        secure = security is Security.TLS
        port = {"imap": 993 if secure else 143, "pop3": 995 if secure else 110}[kind]
    auth = _int(values, branch + "authMethod")
    return ServerFound(
        service=Service.IMAP,
        protocol=kind,
        hostname=shown(_text(values, branch + "hostname")),
        port=port,
        security=security,
        username=shown(_text(values, branch + "userName")),
        authentication=AUTH_WORDS.get(auth if auth is not None else 3, ""),
    )


def _smtp_key(values: Mapping[str, PrefValue], identity: str) -> str:
    key = _text(values, f"mail.identity.{identity}.smtpServer") if identity else ""
    return key or _text(values, "mail.smtp.defaultserver")


def _outgoing(values: Mapping[str, PrefValue], identity: str) -> tuple[ServerFound | None, str]:
    key = _smtp_key(values, identity)
    branch = f"mail.smtpserver.{key}."
    if not key or not _text(values, branch + "hostname"):
        return None, key
    socket = _int(values, branch + "try_ssl")
    security = _SOCKET.get(socket if socket is not None else 0)
    port = _int(values, branch + "port") or (465 if security is Security.TLS else 587)
    auth = _int(values, branch + "authMethod")
    return (
        ServerFound(
            service=Service.SMTP,
            protocol="smtp",
            hostname=shown(_text(values, branch + "hostname")),
            port=port,
            security=security,
            username=shown(_text(values, branch + "username")),
            authentication=AUTH_WORDS.get(auth if auth is not None else 3, ""),
        ),
        key,
    )


def _owner(values: Mapping[str, PrefValue], smtp_key: str, ours: str, wanted: str) -> str | None:
    """The other address whose outgoing server this is, when the login is not ours."""
    if not smtp_key:
        return None
    user = _text(values, f"mail.smtpserver.{smtp_key}.username").lower()
    if user and (user == wanted or user == wanted.partition("@")[0]):
        return None
    for account in _keys(values, "mail.accountmanager.accounts"):
        if account == ours:
            continue
        for identity in _keys(values, f"mail.account.{account}.identities"):
            email = _text(values, f"mail.identity.{identity}.useremail").lower()
            if email and email != wanted and _smtp_key(values, identity) == smtp_key:
                return shown(email)
    return None


def _saved_for(
    saved: tuple[SavedPassword, ...], *servers: ServerFound | None
) -> tuple[SavedPassword, ...]:
    origins = {o for s in servers if s for o in server_origins(s.protocol, s.hostname)}
    return tuple(p for p in saved if p.server.lower() in origins)


def _text(values: Mapping[str, PrefValue], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(values: Mapping[str, PrefValue], name: str) -> int | None:
    value = values.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _keys(values: Mapping[str, PrefValue], name: str) -> list[str]:
    return [part.strip() for part in _text(values, name).split(",") if part.strip()]
