"""What happened on one Haraka connection, judged from the facts its lines gave, and whether
it may still say more (a queued message's delivery can come hours later)."""

from __future__ import annotations

from wizard.logs.model import Delivery, Session, Stamp
from wizard.servers.outcome import (
    BLOCKLISTED,
    LOGGED_IN,
    LOGIN_REFUSED,
    NO_LOGIN,
    Logged,
    Outcome,
    Reason,
)

# A connection that has closed, whose queued messages show no delivery line for this long
# (log time), is finished as "message accepted": local deliveries write none.
QUIET_S = 600.0
# A deferred delivery with no line this long after its announced retry gets no more in this log.
RETRY_GRACE_S = 3600.0


def deliveries(s: Session) -> list[Delivery]:
    return [d for t in s.transactions.values() for d in t.deliveries.values()]


def deferred(s: Session) -> bool:
    return any(d.outcome is Outcome.DEFERRED for d in deliveries(s))


def stale(s: Session, now: Stamp) -> bool:
    if now.year_known != s.last.year_known:
        return False  # a year-less clock cannot be held against a dated one
    quiet = (now.when - s.last.when).total_seconds()
    if not deferred(s):
        return quiet > QUIET_S
    retries = [d.next_retry for d in deliveries(s) if d.next_retry is not None]
    latest = max(retries).when if retries else s.last.when
    return (now.when - latest).total_seconds() > RETRY_GRACE_S


def settled(s: Session) -> bool:
    """Closed and nothing more to come: every queued message delivered or bounced."""
    for t in s.transactions.values():
        if t.queued and not t.deliveries:
            return False
        for d in t.deliveries.values():
            if d.outcome not in (Outcome.DELIVERED, Outcome.BOUNCED):
                return False
    return True


def judge(s: Session) -> Logged:
    """What happened on the connection, from the facts its lines gave."""
    sent = deliveries(s)
    if s.blocklist:
        return BLOCKLISTED
    if any(d.outcome is Outcome.BOUNCED for d in sent):
        return Logged(Outcome.BOUNCED)
    if any(d.outcome is Outcome.DEFERRED for d in sent):
        return Logged(Outcome.DEFERRED)
    if sent and all(d.outcome is Outcome.DELIVERED for d in sent):
        return Logged(Outcome.DELIVERED)
    if any(t.queued for t in s.transactions.values()):
        return Logged(Outcome.MESSAGE_ACCEPTED)
    if s.authenticated or s.facts.get("relay_allowed"):
        return LOGGED_IN
    if s.facts.get("login_refused") or s.facts.get("login_tried"):
        if s.user and "@" not in s.user:
            return Logged(Outcome.LOGIN_FAILED, Reason.SHORT_USERNAME)
        return LOGIN_REFUSED
    if not s.client_ip and sent:
        return Logged(Outcome.UNKNOWN)
    return NO_LOGIN
