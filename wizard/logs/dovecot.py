"""Dovecot's login lines grouped into sessions, each with an outcome in plain words.

A session is one client connection: the auth process's verdict lines
(``auth: Info: passwd-file(user,ip,<SESSION>): Password mismatch``), then the login process's
line (``imap-login: Info: Login: … session=<SESSION>`` or ``Disconnected (auth failed, …)``),
then the mail process's lines (``imap(user)<pid><SESSION>: …``). Older Dovecot and the how-to's
samples leave the session id off the mail process's lines (``imap(user): Info: Logged out``);
those join the latest login of that user on that service.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from wizard.logs.lineformat import DovecotLine
from wizard.logs.model import OPEN_BUDGET_CHARS, Outcome, Reason, Server, Session, Stamp
from wizard.servers import dovecot as words

_FIELD = re.compile(r"\b(user|method|rip|lip|rport|lport|mpid|session)=(?:<([^>]*)>|([^,\s]*))")
# auth: "passwd-file(user,1.2.3.4,<session>): Password mismatch" (any passdb driver)
_AUTH = re.compile(r"([a-z][\w-]*)\(([^,()]*),([^,()]*)(?:,<([^>]*)>)?\): (.*)")

_SERVICE_WORDS = {
    "imap": "IMAP",
    "pop3": "POP3",
    "sieve": "ManageSieve (filters)",
    "submission": "SMTP submission",
}

# How long (seconds of log time) a finished session still takes year-less, id-less lines of
# the same user and service (the how-to's "imap(user): Info: Logged out" lines).
_GRACE_S = 120.0


class DovecotTracker:
    """Feeds on Dovecot lines; finished sessions are collected with ``drain``."""

    def __init__(
        self,
        *,
        max_open: int = 20000,
        domain_hint: str = "",
        budget_chars: int = OPEN_BUDGET_CHARS,
    ) -> None:
        self._open: OrderedDict[str, Session] = OrderedDict()
        self._recent: OrderedDict[str, Session] = OrderedDict()  # closed, within the grace
        self._by_user: dict[tuple[str, str], str] = {}  # (service, user) → latest session key
        self._done: list[Session] = []
        self._max_open = max_open
        self._domain_hint = domain_hint
        self._anon = 0
        self._budget = budget_chars
        self._kept = 0  # characters of kept lines in _open and _recent
        self.evicted = 0

    # -- feeding -------------------------------------------------------------------------

    def feed(self, line: DovecotLine, raw: str) -> None:
        if line.service in words.AUTH_PROCESSES:
            self._auth(line, raw)
            return
        service = words.SERVICE_OF_PROCESS.get(line.service)
        if service is None:
            return  # master, lmtp, config …: not a client's login
        if line.service.endswith("-login"):
            self._login_process(line, service, raw)
        else:
            self._mail_process(line, service, raw)

    def _auth(self, line: DovecotLine, raw: str) -> None:
        m = _AUTH.match(line.message)
        if not m:
            return
        _driver, user, ip, session_id, verdict = m.groups()
        if not session_id:
            return  # without the session id it cannot be joined reliably
        s = self._get(session_id, line.stamp, "", raw)
        s.user = s.user or user
        s.client_ip = s.client_ip or ip
        text = verdict.lower()
        if _has(text, words.PASSWORD_MISMATCH):
            s.facts["auth"] = "password_mismatch"
        elif _has(text, words.UNKNOWN_USER):
            s.facts["auth"] = "unknown_user"
        elif _has(text, words.ACCOUNT_OFF):
            s.facts["auth"] = "account_off"
        elif line.level in ("Error", "Fatal", "Panic") or words.TEMPORARY in text:
            s.facts["auth"] = "unavailable"
            s.facts["auth_error"] = verdict

    def _login_process(self, line: DovecotLine, service: str, raw: str) -> None:
        fields = _fields(line.message)
        session_id = fields.get("session", "")
        key = session_id or self._new_anon()
        s = self._get(key, line.stamp, service, raw)
        s.service = service
        s.session_id = session_id
        s.user = fields.get("user") or s.user
        s.client_ip = fields.get("rip") or s.client_ip
        s.client_port = fields.get("rport") or s.client_port
        msg = line.message
        if _has(msg, words.TLS_SECURED):
            s.tls = True
        if msg.startswith(words.LOGIN):
            s.facts.pop("login_not_in_log", None)
            s.authenticated = True
            s.outcome = Outcome.LOGIN_OK
            s.facts["method"] = fields.get("method", "")
            if s.user:
                self._by_user[(service, s.user)] = key
            if s.facts.get("end"):  # its end came first (see _get): the session is over
                self._close(key, line.stamp)
            return
        # Any other login-process line ends the connection without a login.
        if words.TLS_HANDSHAKING in msg:
            s.facts["tls_error"] = msg[msg.index(words.TLS_HANDSHAKING) :].split(", session=")[0]
        s.facts["disconnect"] = msg
        s.outcome = Outcome.LOGIN_FAILED
        s.reason = self._why(s, msg)
        self._close(key, line.stamp)

    def _mail_process(self, line: DovecotLine, service: str, raw: str) -> None:
        user = line.who
        key = line.session if line.session and line.session in self._open else ""
        if not key:
            key = self._by_user.get((service, user), "")
        s = self._open.get(key) or self._recent.get(key) if key else None
        if s is None:
            # the login is not in this log (rotated away, or before --since)
            key = line.session or self._new_anon()
            s = self._get(key, line.stamp, service, raw)
            s.user = user
            s.session_id = line.session
            s.outcome = Outcome.LOGIN_OK
            s.authenticated = True
            s.facts["login_not_in_log"] = "1"
        else:
            if key in self._recent:
                self._recent.move_to_end(key)
            else:
                self._open.move_to_end(key)
            self._keep(s, raw)
            s.ended = line.stamp
        msg = line.message
        if msg.startswith(words.DISCONNECTED) or _has(msg, words.SESSION_ENDED):
            s.facts["end"] = msg.removeprefix(f"{words.DISCONNECTED}: ")
            if key in self._open:
                self._close(key, line.stamp)

    # -- bookkeeping ---------------------------------------------------------------------

    def _new_anon(self) -> str:
        self._anon += 1
        return f"#{self._anon}"

    def _get(self, key: str, stamp: Stamp, service: str, raw: str) -> Session:
        s = self._open.get(key)
        if s is None and key[:1] != "#" and key in self._recent:
            # Dovecot's processes log through one log process, and under load a mail
            # process's last line can arrive before its login process's line: same session.
            s = self._open[key] = self._recent.pop(key)
        if s is None:
            s = Session(Server.DOVECOT, service, stamp, session_id=key if key[:1] != "#" else "")
            self._open[key] = s
            if len(self._open) > self._max_open:
                self._evict_oldest()
        else:
            self._open.move_to_end(key)
        self._keep(s, raw)
        s.ended = stamp
        return s

    def _keep(self, s: Session, raw: str) -> None:
        """Keep the line in its session; past the budget, the oldest sessions are let go."""
        self._kept += s.add_line(raw)
        while self._kept > self._budget:
            # Closed sessions waiting out their grace go first, then the oldest open one;
            # never ``s`` itself (the newest of either: it was just moved to the end).
            recent = next(iter(self._recent.values()), None)
            oldest = next(iter(self._open.values()), None)
            if recent is not None and recent is not s:
                key, old = self._recent.popitem(last=False)
                self._forget(key, old)
                self._finish(old)
            elif oldest is not None and oldest is not s:
                self._evict_oldest()
            else:
                break

    def _evict_oldest(self) -> None:
        _key, old = self._open.popitem(last=False)
        self.evicted += 1
        self._finish(old)

    def _close(self, key: str, stamp: Stamp) -> None:
        s = self._open.pop(key)
        s.closed = True
        s.ended = stamp
        self._recent[key] = s
        self._expire(stamp)

    def _expire(self, now: Stamp) -> None:
        while self._recent:
            key, s = next(iter(self._recent.items()))
            if (now.when - s.last.when).total_seconds() < _GRACE_S and len(self._recent) < 5000:
                break
            self._recent.popitem(last=False)
            self._forget(key, s)
            self._finish(s)

    def _forget(self, key: str, s: Session) -> None:
        if self._by_user.get((s.service, s.user)) == key:
            del self._by_user[(s.service, s.user)]

    def _finish(self, s: Session) -> None:
        self._kept -= s.kept_chars
        s.explanation = explain(s, self._domain_hint)
        self._done.append(s)

    def drain(self) -> list[Session]:
        done, self._done = self._done, []
        return done

    def flush(self) -> list[Session]:
        """End of input: everything still open is reported as it stands."""
        for key, s in list(self._recent.items()):
            self._forget(key, s)
            self._finish(s)
        self._recent.clear()
        for s in self._open.values():
            self._finish(s)
        self._open.clear()
        self._by_user.clear()
        return self.drain()

    def _why(self, s: Session, msg: str) -> Reason:
        auth = s.facts.get("auth", "")
        if words.PLAINTEXT_REFUSED in msg:
            return Reason.NO_TLS
        if words.AUTH_FAILED in msg or auth in ("password_mismatch", "unknown_user"):
            if auth == "unavailable":
                return Reason.AUTH_UNAVAILABLE
            if s.user and "@" not in s.user and auth != "password_mismatch":
                return Reason.SHORT_USERNAME
            if auth == "password_mismatch":
                return Reason.WRONG_PASSWORD
            if auth == "unknown_user":
                return Reason.UNKNOWN_USER
            return Reason.WRONG_PASSWORD_OR_UNKNOWN_USER
        if auth == "account_off" or words.DISABLED in msg:
            return Reason.ACCOUNT_DISABLED
        if (
            auth == "unavailable"
            or words.TEMPORARY_FAILURE in msg
            or _has(msg, words.AUTH_SERVICE_DOWN)
        ):
            return Reason.AUTH_UNAVAILABLE
        if words.TLS_HANDSHAKING in msg and "failed" in msg[msg.index(words.TLS_HANDSHAKING) :]:
            return Reason.TLS_FAILED
        return Reason.NO_AUTH_ATTEMPT


def _has(text: str, any_of: tuple[str, ...]) -> bool:
    return any(w in text for w in any_of)


def _fields(message: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _FIELD.finditer(message):
        out.setdefault(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
    return out


def explain(s: Session, domain_hint: str = "") -> str:
    """The session in one or two plain sentences for IT."""
    svc = _SERVICE_WORDS.get(s.service, s.service or "Dovecot")
    frm = f" from {s.client_ip}" if s.client_ip else ""
    over = " over TLS" if s.tls else ""
    if s.outcome is Outcome.LOGIN_OK:
        if s.facts.get("login_not_in_log"):
            text = f"{s.user} was already logged in to {svc} (the login itself is not in this log)."
        else:
            method = s.facts.get("method")
            how = f" with {method}" if method else ""
            text = f"{s.user} logged in to {svc}{frm}{how}{over}: the login worked."
        end = s.facts.get("end")
        if end:
            text += f" The session then ended: {end}."
        elif not s.closed:
            text += " The log has no end of this session (still connected, or cut off)."
        return text
    user = s.user or "(no login name)"
    reason = s.reason
    if reason is Reason.WRONG_PASSWORD:
        return f"{svc} login as {user}{frm} failed: the password was wrong (the user exists)."
    if reason is Reason.UNKNOWN_USER:
        return (
            f"{svc} login as {user}{frm} failed: the server has no such user — check the "
            f"spelling of the address."
        )
    if reason is Reason.WRONG_PASSWORD_OR_UNKNOWN_USER:
        return (
            f"{svc} login as {user}{frm} failed: wrong password or unknown user (the log does "
            f"not say which; turn on {words.VERBOSE_SETTING} in Dovecot to see it)."
        )
    if reason is Reason.SHORT_USERNAME:
        full = f"{user}@{domain_hint}" if domain_hint else f"{user}@…"
        return (
            f"{svc} login as “{user}”{frm} failed: that is only the first part of the address. "
            f"The login must be the full email address ({full})."
        )
    if reason is Reason.NO_TLS:
        return (
            f"{svc}: the mail program{frm} tried to log in without encryption and the server "
            f"refused (it takes passwords only over TLS). Set the connection security to "
            f"SSL/TLS on port 993 for IMAP, or STARTTLS."
        )
    if reason is Reason.ACCOUNT_DISABLED:
        return (
            f"{svc} login as {user}{frm}: the password was right, but the server refused the "
            f"login afterwards — the mailbox is disabled or could not be opened."
        )
    if reason is Reason.AUTH_UNAVAILABLE:
        err = s.facts.get("auth_error", "")
        return (
            f"{svc} login as {user}{frm} failed because the server's login service could not "
            f"check the password (not the person's fault)" + (f": {err}" if err else "") + "."
        )
    if reason is Reason.TLS_FAILED:
        err = s.facts.get("tls_error", "")
        return (
            f"{svc}: the connection{frm} broke off while setting up encryption, before any "
            f"login — often the mail program (or an antivirus 'mail shield') did not trust the "
            f"server's certificate. Dovecot said: {err}."
        )
    return (
        f"{svc}: a connection{frm} ended without any login attempt "
        f"({_short(s.facts.get('disconnect', ''))})."
    )


def _short(msg: str) -> str:
    return msg.split(": user=<")[0].removeprefix(f"{words.DISCONNECTED}: ")
