"""One Haraka connection in plain sentences for IT: the login, each message, each delivery."""

from __future__ import annotations

import re

from wizard.logs.model import Delivery, Outcome, Session, Transaction
from wizard.servers import haraka

_ERRNO_WORDS = {
    "ECONNREFUSED": "connection refused: nothing is listening there",
    "ETIMEDOUT": "the connection timed out",
    "EHOSTUNREACH": "the host is unreachable",
    "ENETUNREACH": "the network is unreachable",
    "ECONNRESET": "the connection was reset",
    "ENOTFOUND": "the name does not resolve",
}


def connect_error(text: str) -> str:
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


def explain(s: Session) -> str:
    """The connection, each of its messages and each of their deliveries, one sentence each."""
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
            f"The connection{frm}{tls} was allowed to send (relay=Y): it logged in "
            f"({haraka.LOGIN_NOT_NAMED}) or its address is trusted."
        )
    elif s.facts.get("login_tried"):
        who = f" as {s.user}" if s.user else ""
        if s.user and "@" not in s.user:
            parts.append(
                f"Login{who}{frm} was refused: the login must be the full email address, "
                f"not only “{s.user}”."
            )
        else:
            parts.append(f"Login{who}{frm} was refused: wrong password or unknown user.")
            if not s.user:
                parts.append(f"({haraka.LOGIN_NOT_NAMED}.)")
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
    if lr and not s.authenticated and s.facts.get("login_tried"):
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
