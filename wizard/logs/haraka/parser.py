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

from wizard.logs.haraka.judge import deferred, judge, settled, stale
from wizard.logs.haraka.sentences import connect_error, explain
from wizard.logs.lineformat import HarakaLine
from wizard.logs.model import (
    OPEN_BUDGET_CHARS,
    Delivery,
    Outcome,
    Server,
    Session,
    Stamp,
    Transaction,
)
from wizard.servers import haraka as words
from wizard.servers.blocklist import listed_on

# The line grammar: key=value pairs (values may be quoted) and <addresses>.
_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
_ANGLE = re.compile(r"<([^>]*)>")

# Cloudron's "authenticated as" joins an AUTH hook line at most this much later.
_JOIN_S = 5.0
# What one connection keeps besides its lines is bounded too, whatever a log repeats: messages
# and deliveries per connection, recipients per message, failures (distinct ones, and all)
# per delivery. With the lines
# (400 of 16 KB) that stays under the budget (model.OPEN_BUDGET_CHARS), so the budget can
# always let older sessions go instead.
_MAX_TRANSACTIONS = 100
_MAX_DELIVERIES = 50
_MAX_RECIPIENTS = 100
_MAX_ERRORS = 1000  # a repeated failure costs a reference: Haraka retries for days
_MAX_DISTINCT_ERRORS = 10
# What a message or a delivery record costs against the budget of kept characters, about.
_RECORD_CHARS = 1000


def _kv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in _KV.findall(text):
        if k not in out:
            out[k] = v[1:-1] if len(v) >= 2 and v[0] == '"' and v[-1] == '"' else v
    return out


def _hook_matters(msg: str) -> bool:
    """Most hook lines (helo, rcpt, data …) say nothing this reader reports; skip their parse."""
    return any(w in msg for w in words.HOOK_WORDS)


class HarakaTracker:
    """Feeds on Haraka lines; finished sessions are collected with ``drain``."""

    def __init__(self, *, max_open: int = 10000, budget_chars: int = OPEN_BUDGET_CHARS) -> None:
        self._open: OrderedDict[str, Session] = OrderedDict()
        self._done: list[Session] = []
        self._pending_auth: deque[tuple[Stamp, str, str]] = deque(maxlen=64)
        self._max_open = max_open
        self._budget = budget_chars
        self._kept = 0  # characters kept by the sessions in _open (lines and records)
        self.evicted = 0

    def feed(self, line: HarakaLine, raw: str) -> None:
        if line.uuid == words.NO_CONNECTION or not line.uuid:
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
        if s.closed and settled(s):
            self._finish(self._open.pop(base))

    # -- per level -----------------------------------------------------------------------

    def _global(self, line: HarakaLine, raw: str) -> None:
        msg = line.message
        m = words.CLOUDRON_AUTH.search(msg) if line.plugin == words.CLOUDRON else None
        if m:
            self._pending_auth.append((line.stamp, m.group(1), raw))
            return
        if line.plugin == words.CLOUDRON:
            f = words.CLOUDRON_FAIL.search(msg)
            if f:
                self._pending_auth.append((line.stamp, "!" + (f.group(1) or ""), raw))

    def _connection(self, s: Session, line: HarakaLine) -> None:
        msg = line.message.strip()
        if line.plugin == words.CORE and msg.startswith(words.CONNECT):
            kv = _kv(msg)
            s.started = line.stamp
            s.client_ip = kv.get("ip", "")
            s.client_port = kv.get("port", "")
            s.facts["local_port"] = kv.get("local_port", "")
            return
        if line.plugin == words.TLS_PLUGIN and msg.startswith(words.TLS_SECURED):
            s.tls = True
            return
        if line.plugin == words.CORE and msg.startswith(words.HAPROXY):
            src = _kv(msg).get("src_ip", "")
            if src:
                s.facts["proxy"] = s.client_ip
                s.client_ip = src.rsplit(":", 1)[0] if src.count(":") != 1 or "." in src else src
            return
        self._common(s, line, msg)

    def _common(self, s: Session, line: HarakaLine, msg: str) -> None:
        """Lines that may come with the connection's or a transaction's id."""
        if words.HOOK in msg and words.RETVAL in msg:
            if not _hook_matters(msg):
                return
            kv = _kv(msg)
            plugin, retval = kv.get("plugin", ""), kv.get("retval", "")
            hook_msg = kv.get("msg", "")
            listed = listed_on(hook_msg)
            dnsbl = any(name in plugin for name in words.DNS_LIST_PLUGINS)
            if listed or (dnsbl and retval.startswith(words.DENIED)):
                s.blocklist = listed or plugin
                s.blocklist_msg = hook_msg
            if kv.get("params", "").upper().startswith("AUTH") or plugin.startswith(
                words.AUTH_PLUGIN
            ):
                self._auth_hook(s, line, retval)
            return
        m = words.AUTH_RESULT.search(msg)
        if m:
            s.facts["login_tried"] = "1"
            if m.group(2).lower() == "true":
                s.authenticated, s.user = True, m.group(1)
            else:
                s.user = s.user or m.group(1)
            return
        if line.plugin.startswith(words.AUTH_PLUGIN) and words.AUTH_DELAYED in msg:
            # auth_base slows a failed AUTH down before answering 535; the login tried is not
            # logged at INFO level.
            s.facts["login_tried"] = s.facts["login_refused"] = "1"
            return
        if line.plugin == words.CORE and msg.startswith(words.DISCONNECT):
            kv = _kv(msg)
            s.closed = True
            s.facts["lr"] = kv.get("lr", "")
            if s.facts["lr"].startswith(words.AUTH_REFUSED):
                s.facts["login_tried"] = s.facts["login_refused"] = "1"
            if kv.get("tls") == "Y":
                s.tls = True
            # The address Haraka settled on (behind a PROXY front, the real client's).
            s.client_ip = kv.get("ip", "") or s.client_ip
            s.facts["relay"] = kv.get("relay", "")

    def _auth_hook(self, s: Session, line: HarakaLine, retval: str) -> None:
        s.facts["login_tried"] = "1"
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
                s.facts["login_refused"] = "1"
                return
            # Cloudron's plugin said who logged in; the hook's retval=OK alone would not say
            # it: it only means a plugin took the command (a wrong password shows it too).
            s.user = user
            s.authenticated = True
        elif retval.upper().startswith(words.DENIED):
            s.facts["login_refused"] = "1"

    def _transaction(self, s: Session, line: HarakaLine, txn_id: str) -> None:
        t = self._transaction_of(s, txn_id)
        if t is None:
            return
        msg = line.message.strip()
        if line.plugin == words.CORE:
            kv = _kv(msg)
            if msg.startswith(words.SENDER):
                m = _ANGLE.search(msg)
                t.sender = m.group(1) if m else ""
                if kv.get("code", "").startswith(words.DENIED):
                    t.rejected = f"sender refused: {kv.get('msg', '')}"
                return
            if msg.startswith(words.RECIPIENT):
                m = _ANGLE.search(msg)
                if kv.get("code", "").startswith(words.DENIED):
                    t.rejected = f"recipient {m.group(1) if m else ''} refused: {kv.get('msg')}"
                elif m and m.group(1) not in t.recipients and len(t.recipients) < _MAX_RECIPIENTS:
                    t.recipients.append(m.group(1))
                    self._charge(s, len(m.group(1)))
                return
            if msg.startswith(words.MESSAGE):
                t.message_id = kv.get("mid", "").strip("<>")
                size = kv.get("size", "")
                t.size = int(size) if size.isdigit() else 0
                return
            if msg.startswith(words.QUEUE):
                if kv.get("code") == "OK":
                    t.queued = True
                elif kv.get("code", "").startswith(words.DENIED):
                    t.rejected = f"not queued: {kv.get('msg', '')}"
                return
        self._common(s, line, msg)

    def _delivery(self, s: Session, line: HarakaLine, txn_id: str, delivery_id: str) -> None:
        t = self._transaction_of(s, txn_id)
        d = t.deliveries.get(delivery_id) if t is not None else None
        if t is not None and d is None and _delivery_count(s) < _MAX_DELIVERIES:
            d = t.deliveries[delivery_id] = Delivery(delivery_id)
            self._charge(s, _RECORD_CHARS)
        if d is None:
            return
        msg = line.message.strip()
        msg = msg.removeprefix(words.OUTBOUND)
        m = words.LOOKUP.match(msg)
        if m:
            d.mx_host = m.group(1)
            return
        m = words.ATTEMPT.match(msg)
        if m:
            d.attempts += 1
            d.target = m.group(1)
            d.tls = ""
            return
        if msg.startswith(words.TLS_SECURED):
            kv = _kv(msg)
            verified = kv.get("verified") == "true"
            err = kv.get("error", "")
            d.cert_name = kv.get("cn", "")
            if verified:
                d.tls = "verified"
            elif err == words.ALTNAME_INVALID and d.cert_name:
                wanted = f", not for {d.mx_host}" if d.mx_host else ""
                d.tls = (
                    f"not verified: the remote server's certificate is for {d.cert_name}{wanted}"
                )
            else:
                why = words.TLS_ERRORS.get(err, err or "no trusted certificate")
                d.tls = f"not verified: {why}"
            return
        m = words.CONNECT_FAILED.match(msg)
        if m:
            self._failed(s, d, f"the connection to {m.group(1)} failed: {m.group(2).strip()}")
            return
        m = words.POOL_FAILED.match(msg)
        if m:
            self._failed(s, d, connect_error(m.group(1).strip()))
            return
        m = words.TEMP_FAIL.match(msg)
        if m:
            secs = int(m.group(2))
            d.failures += 1
            d.attempts = max(d.attempts, d.failures)
            d.outcome = Outcome.DEFERRED
            d.retry_in_s = secs
            d.next_retry = line.stamp.plus(secs)
            self._failed(s, d, f"Haraka gave up the attempt: {m.group(3)}")
            d.finished_at = line.stamp
            return
        if msg.startswith(words.DELIVERED):
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
        if msg.startswith(words.BOUNCED):
            d.outcome = Outcome.BOUNCED
            d.bounce_reason = msg.split(":", 1)[1].strip() if ":" in msg else msg
            d.finished_at = line.stamp
            d.next_retry = None
            return
        if msg.startswith(words.RECIPIENT) and words.REMOTE_REFUSED in msg:
            self._failed(s, d, msg)

    # -- bookkeeping ---------------------------------------------------------------------

    def _keep(self, s: Session, raw: str, *, before_last: bool = False) -> None:
        """Keep the line in its session."""
        self._charge(s, s.add_line(raw, before_last=before_last), counted=True)

    def _charge(self, s: Session, chars: int, *, counted: bool = False) -> None:
        """Count what ``s`` keeps; past the budget, the oldest sessions are let go (never
        ``s``: it was just moved to the end). ``counted``: ``add_line`` counted it in ``s``."""
        if not counted:
            s.kept_chars += chars
        self._kept += chars
        while self._kept > self._budget and next(iter(self._open.values())) is not s:
            self._evict_oldest()

    def _transaction_of(self, s: Session, txn_id: str) -> Transaction | None:
        """Message ``txn_id`` of the connection; None past the bound (its lines are kept only)."""
        t = s.transactions.get(txn_id)
        if t is None and len(s.transactions) < _MAX_TRANSACTIONS:
            t = s.transactions[txn_id] = Transaction(txn_id)
            self._charge(s, _RECORD_CHARS)
        return t

    def _failed(self, s: Session, d: Delivery, why: str) -> None:
        if len(d.errors) >= _MAX_ERRORS:
            return
        seen = d.distinct_errors.get(why)
        if seen is not None:
            d.errors.append(seen)
            self._charge(s, 8)
        elif len(d.distinct_errors) < _MAX_DISTINCT_ERRORS:
            d.distinct_errors[why] = why
            d.errors.append(why)
            self._charge(s, len(why))

    def _evict_oldest(self) -> None:
        _key, old = self._open.popitem(last=False)
        self.evicted += 1
        self._finish(old)

    def expire(self, now: Stamp) -> None:
        """Finish closed connections that will say nothing more: queued messages quiet for a
        long time, or a deferred delivery whose announced retry is long past with no line (the
        queue was flushed, or Haraka restarted). Keeps the state bounded by time, not only by
        the cap."""
        quiet = [k for k, s in self._open.items() if s.closed and stale(s, now)]
        for k in quiet:
            s = self._open.pop(k)
            if deferred(s):
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


def _delivery_count(s: Session) -> int:
    return sum(len(t.deliveries) for t in s.transactions.values())
