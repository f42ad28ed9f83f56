"""Haraka's log grouped into sessions: one per SMTP connection, with its transactions and their
outbound deliveries, retries included.

Haraka names every line after the connection's UUID: ``UUID`` for the connection, ``UUID.1``
for its first transaction (one message), ``UUID.1.1`` for that message's outbound delivery —
whose retries can come minutes or hours later in the file. Lines of no connection carry ``[-]``;
Cloudron's own auth plugin writes ``[-] [cloudron] authenticated as : USER`` that way, so it is
joined to the connection whose AUTH hook line (``plugin=cloudron … params=AUTH retval=OK``)
follows it within a few seconds: the order and the time are all the log offers.
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque

from wizard.logs.lineformat import HarakaLine
from wizard.logs.model import (
    OPEN_BUDGET_CHARS,
    Delivery,
    Outcome,
    Reason,
    Server,
    Session,
    Stamp,
    Transaction,
)

_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
_LISTED = re.compile(r"(?:black|block|deny)?listed (?:by|on|in|at) \[?([\w.-]+)", re.I)
_ANGLE = re.compile(r"<([^>]*)>")
_TEMP_FAIL = re.compile(r"Temp failing (\S+) for (\d+) seconds: (.*)")
_ATTEMPT = re.compile(r"Attempting to deliver to: (\S+)")
_LOOKUP = re.compile(r"Looking up \S+ records for: (\S+)")
_FAILED_TO = re.compile(r"Ongoing connection failed to (\S+) : (.*)")
_POOL_FAILED = re.compile(r"Failed to get (?:pool entry|socket):? (.*)")
_AUTH_PLUGIN = re.compile(r'AUTH user="([^"]*)" success=(true|false)', re.I)
_CLOUDRON_AUTH = re.compile(r"authenticated as\s*:\s*(\S+)")
_CLOUDRON_FAIL = re.compile(
    r"(?:authentication failed|failed to authenticate|auth failed)\D*?:?\s*(\S+)?", re.I
)

# A connection that has closed, whose queued messages show no delivery line for this long
# (log time), is finished as "message accepted": local deliveries write none.
_QUIET_S = 600.0
# A deferred delivery with no line this long after its announced retry gets no more in this log.
_RETRY_GRACE_S = 3600.0
# Cloudron's "authenticated as" joins an AUTH hook line at most this much later.
_JOIN_S = 5.0

_TLS_ERRORS = {
    "ERR_TLS_CERT_ALTNAME_INVALID": "the remote server's certificate is for another name",
    "CERT_HAS_EXPIRED": "the remote server's certificate has expired",
    "DEPTH_ZERO_SELF_SIGNED_CERT": "the remote server's certificate is self-signed",
    "SELF_SIGNED_CERT_IN_CHAIN": "the remote server's certificate chain is self-signed",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE": "the remote server's certificate could not be verified",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": "the remote certificate's issuer is not trusted",
}


def _kv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in _KV.findall(text):
        if k not in out:
            out[k] = v[1:-1] if len(v) >= 2 and v[0] == '"' and v[-1] == '"' else v
    return out


def _hook_matters(msg: str) -> bool:
    """Most hook lines (helo, rcpt, data …) say nothing this reader reports; skip their parse."""
    return (
        "retval=DENY" in msg
        or "params=AUTH" in msg
        or "plugin=auth" in msg
        or "listed" in msg
        or "plugin=dns" in msg
    )


class HarakaTracker:
    """Feeds on Haraka lines; finished sessions are collected with ``drain``."""

    def __init__(self, *, max_open: int = 10000, budget_chars: int = OPEN_BUDGET_CHARS) -> None:
        self._open: OrderedDict[str, Session] = OrderedDict()
        self._done: list[Session] = []
        self._pending_auth: deque[tuple[Stamp, str, str]] = deque(maxlen=64)
        self._max_open = max_open
        self._budget = budget_chars
        self._kept = 0  # characters of kept lines in _open
        self.evicted = 0

    def feed(self, line: HarakaLine, raw: str) -> None:
        if line.uuid == "-" or not line.uuid:
            self._global(line, raw)
            return
        base, _, rest = line.uuid.partition(".")
        parts = rest.split(".") if rest else []
        s = self._open.get(base)
        if s is None:
            s = Session(Server.HARAKA, "smtp", line.stamp, session_id=base)
            self._open[base] = s
            if len(self._open) > self._max_open:
                self._evict_oldest()
        else:
            self._open.move_to_end(base)
        self._keep(s, raw)
        s.ended = line.stamp
        if len(parts) >= 2:
            self._delivery(s, line, f"{base}.{parts[0]}", line.uuid)
        elif len(parts) == 1:
            self._transaction(s, line, line.uuid)
        else:
            self._connection(s, line)
        if s.closed and _settled(s):
            self._finish(self._open.pop(base))

    # -- per level -----------------------------------------------------------------------

    def _global(self, line: HarakaLine, raw: str) -> None:
        msg = line.message
        m = _CLOUDRON_AUTH.search(msg) if line.plugin == "cloudron" else None
        if m:
            self._pending_auth.append((line.stamp, m.group(1), raw))
            return
        if line.plugin == "cloudron":
            f = _CLOUDRON_FAIL.search(msg)
            if f:
                self._pending_auth.append((line.stamp, "!" + (f.group(1) or ""), raw))

    def _connection(self, s: Session, line: HarakaLine) -> None:
        msg = line.message.strip()
        if line.plugin == "core" and msg.startswith("connect "):
            kv = _kv(msg)
            s.started = line.stamp
            s.client_ip = kv.get("ip", "")
            s.client_port = kv.get("port", "")
            s.facts["local_port"] = kv.get("local_port", "")
            return
        if line.plugin == "tls" and msg.startswith("secured"):
            s.tls = True
            return
        if line.plugin == "core" and msg.startswith("HAProxy "):
            src = _kv(msg).get("src_ip", "")
            if src:
                s.facts["proxy"] = s.client_ip
                s.client_ip = src.rsplit(":", 1)[0] if src.count(":") != 1 or "." in src else src
            return
        self._common(s, line, msg)

    def _common(self, s: Session, line: HarakaLine, msg: str) -> None:
        """Lines that may come with the connection's or a transaction's id."""
        if "hook=" in msg and "retval=" in msg:
            if not _hook_matters(msg):
                return
            kv = _kv(msg)
            plugin, retval = kv.get("plugin", ""), kv.get("retval", "")
            hook_msg = kv.get("msg", "")
            listed = _LISTED.search(hook_msg)
            dnsbl = "dnsbl" in plugin or "dns-list" in plugin or "dns_list" in plugin
            if listed or (dnsbl and retval.startswith("DENY")):
                s.blocklist = listed.group(1) if listed else plugin
                s.blocklist_msg = hook_msg
            if kv.get("params", "").upper().startswith("AUTH") or plugin.startswith("auth"):
                self._auth_hook(s, line, retval)
            return
        m = _AUTH_PLUGIN.search(msg)
        if m:
            s.facts["auth_tried"] = "1"
            if m.group(2).lower() == "true":
                s.authenticated, s.user = True, m.group(1)
            else:
                s.user = s.user or m.group(1)
            return
        if line.plugin.startswith("auth") and "delaying for" in msg:
            # auth_base slows a failed AUTH down before answering 535; the login tried is not
            # logged at INFO level.
            s.facts["auth_tried"] = s.facts["auth_failed"] = "1"
            return
        if line.plugin == "core" and msg.startswith("disconnect "):
            kv = _kv(msg)
            s.closed = True
            s.facts["lr"] = kv.get("lr", "")
            if s.facts["lr"].startswith(("535", "5.7.8")):
                s.facts["auth_tried"] = s.facts["auth_failed"] = "1"
            if kv.get("tls") == "Y":
                s.tls = True
            # The address Haraka settled on (behind a PROXY front, the real client's).
            s.client_ip = kv.get("ip", "") or s.client_ip
            s.facts["relay"] = kv.get("relay", "")

    def _auth_hook(self, s: Session, line: HarakaLine, retval: str) -> None:
        s.facts["auth_tried"] = "1"
        joined = None
        while self._pending_auth:
            at, user, raw = self._pending_auth.popleft()
            if (line.stamp.when - at.when).total_seconds() <= _JOIN_S:
                joined = (user, raw)
        if joined:
            user, raw = joined
            if raw not in s.lines:
                # keep the line in the session, just before the hook line that claimed it
                self._keep(s, raw, before_last=True)
            if user.startswith("!"):
                s.user = s.user or user[1:]
                s.facts["auth_failed"] = "1"
                return
            # Cloudron's plugin said who logged in; the hook's retval=OK alone would not say
            # it: it only means a plugin took the command (a wrong password shows it too).
            s.user = user
            s.authenticated = True
        elif retval.upper().startswith("DENY"):
            s.facts["auth_failed"] = "1"

    def _transaction(self, s: Session, line: HarakaLine, txn_id: str) -> None:
        t = s.transactions.get(txn_id)
        if t is None:
            t = s.transactions[txn_id] = Transaction(txn_id)
        msg = line.message.strip()
        if line.plugin == "core":
            kv = _kv(msg)
            if msg.startswith("sender "):
                m = _ANGLE.search(msg)
                t.sender = m.group(1) if m else ""
                if kv.get("code", "").startswith("DENY"):
                    t.rejected = f"sender refused: {kv.get('msg', '')}"
                return
            if msg.startswith("recipient "):
                m = _ANGLE.search(msg)
                if kv.get("code", "").startswith("DENY"):
                    t.rejected = f"recipient {m.group(1) if m else ''} refused: {kv.get('msg')}"
                elif m and m.group(1) not in t.recipients:
                    t.recipients.append(m.group(1))
                return
            if msg.startswith("message "):
                t.message_id = kv.get("mid", "").strip("<>")
                size = kv.get("size", "")
                t.size = int(size) if size.isdigit() else 0
                return
            if msg.startswith("queue "):
                if kv.get("code") == "OK":
                    t.queued = True
                elif kv.get("code", "").startswith("DENY"):
                    t.rejected = f"not queued: {kv.get('msg', '')}"
                return
        self._common(s, line, msg)

    def _delivery(self, s: Session, line: HarakaLine, txn_id: str, delivery_id: str) -> None:
        t = s.transactions.get(txn_id)
        if t is None:
            t = s.transactions[txn_id] = Transaction(txn_id)
        d = t.deliveries.get(delivery_id)
        if d is None:
            d = t.deliveries[delivery_id] = Delivery(delivery_id)
        msg = line.message.strip()
        if msg.startswith("[outbound] "):
            msg = msg[len("[outbound] ") :]
        m = _LOOKUP.match(msg)
        if m:
            d.mx_host = m.group(1)
            return
        m = _ATTEMPT.match(msg)
        if m:
            d.attempts += 1
            d.target = m.group(1)
            d.tls = ""
            return
        if msg.startswith("secured"):
            kv = _kv(msg)
            verified = kv.get("verified") == "true"
            err = kv.get("error", "")
            d.cert_name = kv.get("cn", "")
            if verified:
                d.tls = "verified"
            elif err == "ERR_TLS_CERT_ALTNAME_INVALID" and d.cert_name:
                wanted = f", not for {d.mx_host}" if d.mx_host else ""
                d.tls = (
                    f"not verified: the remote server's certificate is for {d.cert_name}{wanted}"
                )
            else:
                d.tls = f"not verified: {_TLS_ERRORS.get(err, err or 'no trusted certificate')}"
            return
        m = _FAILED_TO.match(msg)
        if m:
            d.errors.append(f"the connection to {m.group(1)} failed: {m.group(2).strip()}")
            return
        m = _POOL_FAILED.match(msg)
        if m:
            d.errors.append(_connect_error(m.group(1).strip()))
            return
        m = _TEMP_FAIL.match(msg)
        if m:
            secs = int(m.group(2))
            d.failures += 1
            d.attempts = max(d.attempts, d.failures)
            d.outcome = Outcome.DEFERRED
            d.retry_in_s = secs
            d.next_retry = line.stamp.plus(secs)
            d.errors.append(f"Haraka gave up the attempt: {m.group(3)}")
            d.finished_at = line.stamp
            return
        if msg.startswith("delivered"):
            kv = _kv(msg)
            d.outcome = Outcome.DELIVERED
            d.domain = kv.get("domain", "")
            d.remote_host = kv.get("host", "")
            d.remote_ip = kv.get("ip", "")
            d.mode = kv.get("mode", "")
            d.port = kv.get("port", "")
            d.response = kv.get("response", "")
            fails = kv.get("fails", "")
            d.attempts = max(d.attempts, d.failures + 1, int(fails) + 1 if fails.isdigit() else 1)
            d.finished_at = line.stamp
            d.next_retry = None
            if kv.get("tls") == "N":
                d.tls = "none"
            return
        if msg.startswith("bouncing mail:") or msg.startswith("Double bounce"):
            d.outcome = Outcome.BOUNCED
            d.bounce_reason = msg.split(":", 1)[1].strip() if ":" in msg else msg
            d.finished_at = line.stamp
            d.next_retry = None
            return
        if msg.startswith("recipient ") and "rejected" in msg:
            d.errors.append(msg)

    # -- bookkeeping ---------------------------------------------------------------------

    def _keep(self, s: Session, raw: str, *, before_last: bool = False) -> None:
        """Keep the line in its session; past the budget, the oldest sessions are let go
        (never ``s``: it was just moved to the end)."""
        self._kept += s.add_line(raw, before_last=before_last)
        while self._kept > self._budget and next(iter(self._open.values())) is not s:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        _key, old = self._open.popitem(last=False)
        self.evicted += 1
        self._finish(old)

    def expire(self, now: Stamp) -> None:
        """Finish closed connections that will say nothing more: queued messages quiet for a
        long time, or a deferred delivery whose announced retry is long past with no line (the
        queue was flushed, or Haraka restarted). Keeps the state bounded by time, not only by
        the cap."""
        stale = [k for k, s in self._open.items() if s.closed and _stale(s, now)]
        for k in stale:
            s = self._open.pop(k)
            if _deferred(s):
                s.facts["retry_missing"] = "1"
            self._finish(s)

    def _finish(self, s: Session) -> None:
        self._kept -= s.kept_chars
        if not s.authenticated and s.facts.get("relay") == "Y":
            # Relaying allowed on a submission connection: it logged in (Haraka's own auth
            # plugins log no success line at INFO level), or its address is trusted. With
            # constrain_sender the sender is the login.
            s.facts["relay_allowed"] = "1"
            if not s.user:
                s.user = next((t.sender for t in s.transactions.values() if t.sender), "")
        s.outcome, s.reason = judge(s)
        s.explanation = explain(s)
        self._done.append(s)

    def drain(self) -> list[Session]:
        done, self._done = self._done, []
        return done

    def flush(self) -> list[Session]:
        for s in self._open.values():
            self._finish(s)
        self._open.clear()
        return self.drain()


_ERRNO_WORDS = {
    "ECONNREFUSED": "connection refused: nothing is listening there",
    "ETIMEDOUT": "the connection timed out",
    "EHOSTUNREACH": "the host is unreachable",
    "ENETUNREACH": "the network is unreachable",
    "ECONNRESET": "the connection was reset",
    "ENOTFOUND": "the name does not resolve",
}


def _connect_error(text: str) -> str:
    """ "connect ECONNREFUSED 127.0.0.1:33815" in words."""
    m = re.search(r"\b(E[A-Z]+)\b\s*(\S+)?", text)
    if not m:
        return f"could not connect: {text}"
    words = _ERRNO_WORDS.get(m.group(1), m.group(1))
    where = m.group(2) or ""
    out = f"could not connect to {where} ({words})" if where else f"could not connect ({words})"
    if m.group(1) == "ECONNREFUSED" and where.startswith(("127.", "[::1]", "::1")):
        out += " — a local delivery: is the mailbox server's LMTP side (Dovecot) down?"
    return out


def _deliveries(s: Session) -> list[Delivery]:
    return [d for t in s.transactions.values() for d in t.deliveries.values()]


def _deferred(s: Session) -> bool:
    return any(d.outcome is Outcome.DEFERRED for d in _deliveries(s))


def _stale(s: Session, now: Stamp) -> bool:
    if now.year_known != s.last.year_known:
        return False  # a year-less clock cannot be held against a dated one
    quiet = (now.when - s.last.when).total_seconds()
    if not _deferred(s):
        return quiet > _QUIET_S
    retries = [d.next_retry for d in _deliveries(s) if d.next_retry is not None]
    latest = max(retries).when if retries else s.last.when
    return (now.when - latest).total_seconds() > _RETRY_GRACE_S


def _settled(s: Session) -> bool:
    """Closed and nothing more to come: every queued message delivered or bounced."""
    for t in s.transactions.values():
        if t.queued and not t.deliveries:
            return False
        for d in t.deliveries.values():
            if d.outcome not in (Outcome.DELIVERED, Outcome.BOUNCED):
                return False
    return True


def judge(s: Session) -> tuple[Outcome, Reason | None]:
    deliveries = _deliveries(s)
    if s.blocklist:
        return Outcome.BLOCKLISTED, None
    if any(d.outcome is Outcome.BOUNCED for d in deliveries):
        return Outcome.BOUNCED, None
    if any(d.outcome is Outcome.DEFERRED for d in deliveries):
        return Outcome.DEFERRED, None
    if deliveries and all(d.outcome is Outcome.DELIVERED for d in deliveries):
        return Outcome.DELIVERED, None
    if any(t.queued for t in s.transactions.values()):
        return Outcome.MESSAGE_ACCEPTED, None
    if s.authenticated or s.facts.get("relay_allowed"):
        return Outcome.LOGIN_OK, None
    if s.facts.get("auth_failed") or s.facts.get("auth_tried"):
        if s.user and "@" not in s.user:
            return Outcome.LOGIN_FAILED, Reason.SHORT_USERNAME
        return Outcome.LOGIN_FAILED, Reason.WRONG_PASSWORD_OR_UNKNOWN_USER
    if not s.client_ip and deliveries:
        return Outcome.UNKNOWN, None
    return Outcome.LOGIN_FAILED, Reason.NO_AUTH_ATTEMPT


def explain(s: Session) -> str:
    parts: list[str] = []
    frm = f" from {s.client_ip}" if s.client_ip else ""
    if not s.client_ip and not s.facts.get("local_port"):
        parts.append("The start of this connection is not in the log.")
    if s.blocklist:
        parts.append(
            f"The sending address{frm} is on the blocklist {s.blocklist}"
            + (f" (“{s.blocklist_msg}”)" if s.blocklist_msg else "")
            + "."
        )
        if s.authenticated:
            parts.append(
                f"It still authenticated as {s.user or 'a user'}, so it can send — but the "
                f"address is listed, and other servers may refuse its mail; the person's "
                f"network (or a device on it) should be checked."
            )
        else:
            parts.append("It did not authenticate.")
    elif s.authenticated:
        tls = " over TLS" if s.tls else " without TLS"
        parts.append(f"Authenticated as {s.user}{frm}{tls}.")
    elif s.facts.get("relay_allowed"):
        tls = " over TLS" if s.tls else " without TLS"
        parts.append(
            f"The connection{frm}{tls} was allowed to send (relay=Y): it logged in — Haraka's "
            f"auth plugin does not log the login itself at this log level — or its address is "
            f"trusted."
        )
    elif s.facts.get("auth_tried"):
        who = f" as {s.user}" if s.user else ""
        if s.user and "@" not in s.user:
            parts.append(
                f"Login{who}{frm} was refused: the login must be the full email address, "
                f"not only “{s.user}”."
            )
        else:
            parts.append(f"Login{who}{frm} was refused: wrong password or unknown user.")
            if not s.user:
                parts.append("(Haraka does not log which login was tried.)")
    elif s.client_ip:
        parts.append(f"A connection{frm} that never logged in.")
    for t in s.transactions.values():
        parts.extend(_explain_txn(t))
    if (
        not s.transactions
        and s.client_ip
        and (s.authenticated or s.blocklist or s.facts.get("relay_allowed"))
    ):
        parts.append("No message was sent in this connection.")
    if s.facts.get("retry_missing"):
        parts.append(
            "No later attempt is in the log, although the retry was due more than an hour "
            "earlier: look in Haraka's queue (or a later log file) for this message."
        )
    lr = s.facts.get("lr", "")
    if lr and not s.authenticated and s.facts.get("auth_tried"):
        parts.append(f"The server's last answer: {lr}.")
    return " ".join(parts)


def _explain_txn(t: Transaction) -> list[str]:
    out: list[str] = []
    to = ", ".join(t.recipients) or "no recipient"
    if t.rejected:
        out.append(f"Message from {t.sender or '?'} to {to} was refused ({t.rejected}).")
    elif t.queued or t.deliveries:
        size = f", {t.size} bytes" if t.size else ""
        mid = f" {t.message_id}" if t.message_id else ""
        out.append(
            f"Message{mid} from {t.sender or '?'} to {to} was accepted (queue id {t.txn_id}{size})."
        )
    for d in t.deliveries.values():
        out.append(_explain_delivery(d))
    return out


def _explain_delivery(d: Delivery) -> str:
    where = d.remote_host or d.mx_host or d.target or "the remote server"
    if d.remote_ip and d.remote_ip != where:
        where += f" ({d.remote_ip})"
    if d.mode == "LMTP":
        where = f"the mailbox server over LMTP ({d.remote_ip or d.remote_host}:{d.port})"
    if d.outcome is Outcome.DELIVERED:
        if d.mode == "LMTP":
            tls = ""
        elif d.tls == "verified":
            tls = "over TLS with a verified certificate"
        elif d.tls == "none":
            tls = "without TLS"
        elif d.tls:
            tls = f"over TLS, certificate {d.tls}"
        else:
            tls = "over TLS" if d.tls else ""
        said = f'; it answered "{d.response}"' if d.response else ""
        tries = f" after {d.attempts} attempts" if d.attempts > 1 else ""
        earlier = "; ".join(dict.fromkeys(d.errors))
        if earlier:
            earlier = f" (earlier attempts: {earlier})"
        return f"Delivered to {where} {tls}{tries}{earlier}{said}.".replace("  ", " ")
    if d.outcome is Outcome.BOUNCED:
        to = "" if where == "the remote server" else f" to {where}"
        said = "; ".join(dict.fromkeys(d.errors))
        said = f" ({said})" if said else ""
        return (
            f"Delivery{to} failed for good and bounced: {d.bounce_reason}{said}; the sender "
            f"gets a bounce message."
        )
    if d.outcome is Outcome.DEFERRED:
        why = list(d.errors)
        if d.tls and d.tls != "verified":
            why.insert(0, f"TLS {d.tls}")
        why_text = "; ".join(dict.fromkeys(why)) or "temporary failure"
        when = d.next_retry.label() if d.next_retry else "later"
        return (
            f"Delivery to {where} is deferred after {d.attempts} attempt"
            f"{'s' if d.attempts != 1 else ''} ({why_text}). Haraka retries at {when} "
            f"(in {d.retry_in_s} s); this is temporary, the message is still queued."
        )
    if d.attempts:
        return f"Delivery to {where} was being attempted when the log ends."
    return ""
