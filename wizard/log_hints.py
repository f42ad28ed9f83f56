"""Where IT finds this attempt in the server's log, in words true for the server that answered.

A hint names the log (from the provider file's ``<serverLogs>``, else where the product's log
usually is), the UTC window to the second, the login, the address the server said it saw
(labelled as such; this computer's own address is only ever labelled as its own), and, in
backticks, the words the product writes on that line for that outcome. Backticks hold nothing
else, so every backticked fragment can be checked against the real log line (the tests do).
A server that did not say what it is gets no quoted words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wizard.checks.blocklist import worth_looking_up
from wizard.checks.model import CheckResult, StepName
from wizard.logs.causes import logged_for
from wizard.provider import Provider
from wizard.servers import BY_KEY, Logged, Product, haraka
from wizard.servers.outcome import BLOCKLISTED, LOGGED_IN, LOGIN_REFUSED, NO_LOGIN
from wizard.services import Service

_SERVICE_WORDS = {Service.IMAP: "IMAP", Service.SMTP: "SMTP", Service.SIEVE: "ManageSieve"}


@dataclass(frozen=True)
class LogHint:
    service: Service
    text: str
    fragments: tuple[str, ...]


def outcome_of(result: CheckResult) -> Logged | None:
    """What the server's log says happened; None when it cannot be told (or nothing reached it)."""
    if result.ok:
        return LOGGED_IN
    logged = logged_for(result.cause)
    if logged is not None:
        return logged
    if result.peer is None or result.cancelled:
        return None
    if not any(s.name is StepName.LOGIN for s in result.steps):
        return NO_LOGIN
    return None


def reached_server(result: CheckResult) -> bool:
    """A login was attempted or the server refused us: its log has a line naming the attempt."""
    return (
        result.ok
        or logged_for(result.cause) is not None
        or any(s.name is StepName.LOGIN for s in result.steps)
    )


def public_ip(results: Sequence[CheckResult]) -> str | None:
    """The best address a server said it sees us as: the first that is not a local one."""
    for r in results:
        if r.server_seen_ip and worth_looking_up(r.server_seen_ip):
            return r.server_seen_ip
    return None


def seen_as(results: Sequence[CheckResult]) -> tuple[str, CheckResult] | None:
    """The address a server stated (a public one first) and which check heard it."""
    stated = [r for r in results if r.server_seen_ip]
    stated.sort(key=lambda r: not worth_looking_up(r.server_seen_ip or ""))
    return (stated[0].server_seen_ip or "", stated[0]) if stated else None


def _second(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%H:%M:%S")


# The server writes the line that ends a session when it notices we hung up, a moment after
# the check's own end: a close late in one second is stamped with the next (seen with Dovecot's
# "Disconnected … (auth service reported temporary failure)" line).
LOG_LAG = timedelta(seconds=1)


def window(result: CheckResult) -> str:
    """The attempt's time to the second, as a server log stamps it (the second, not rounded)."""
    start = result.started_at
    end = (result.finished_at or start) + LOG_LAG
    a, b = _second(start), _second(end)
    return f"at {a} UTC" if a == b else f"between {a} and {b} UTC"


def _fill(template: str, values: dict[str, str | None]) -> str | None:
    names = re.findall(r"\{(\w+)\}", template)
    if any(not values.get(n) for n in names):
        return None
    return template.format(**{n: values[n] for n in names})


def refusal_text(result: CheckResult) -> str | None:
    """The words of an SMTP refusal at connect time, without the reply code."""
    if not result.greeting:
        return None
    m = re.match(r"^\d{3}[ -](.*)$", result.greeting.split("\n", 1)[0])
    if not m:
        return None
    return haraka.DENY_PREFIX.sub("", m.group(1)).strip() or None


def product_for(result: CheckResult, provider: Provider) -> tuple[Product | None, bool]:
    """The product whose log words apply, and whether only the provider file says so.

    The server's own words decide; when it names nothing (a custom greeting), IT's provider
    file may: a ``<log product=…>`` entry for this service is IT saying what runs there.
    """
    product = BY_KEY.get(result.server_product or "")
    if product is not None:
        return product, False
    entry = provider.server_log(result.service, None)
    if entry is not None and entry.product is not None:
        return BY_KEY[entry.product], True
    return None, False


def fragments_for(
    result: CheckResult, outcome: Logged, provider: Provider | None = None
) -> tuple[str, ...]:
    product = (
        product_for(result, provider)[0]
        if provider is not None
        else BY_KEY.get(result.server_product or "")
    )
    if product is None:
        return ()
    templates = product.fragments.get((result.service, outcome), ())
    values = {
        "user": result.username,
        "session": result.server_session,
        "seen_ip": result.server_seen_ip,
        "refusal": refusal_text(result),
    }
    filled = (_fill(t, values) for t in templates)
    return tuple(f for f in filled if f)


def _where_logged(result: CheckResult, provider: Provider) -> str:
    """The log's place: IT's own words from the provider file first, else the product's usual."""
    product, declared = product_for(result, provider)
    entry = provider.server_log(result.service, result.server_product)
    if entry is not None:
        named = ""
        if declared and product is not None:
            named = f", which says it is {product.name}; the server did not say"
        return f"Log on {result.host} (from the provider file{named}): {entry.where}."
    if product is not None:
        return f"{product.name}'s log on {result.host} is usually {product.usual_log}."
    return f"Log: the mail server's log on {result.host} (the server did not say what it runs)."


def _addresses(result: CheckResult, others: Sequence[CheckResult]) -> str:
    parts = []
    if result.server_seen_ip:
        parts.append(f"the server said it sees this computer as {result.server_seen_ip}")
    else:
        heard = next(
            (o for o in others if o is not result and o.server_seen_ip),
            None,
        )
        if heard is not None:
            parts.append(
                f"this server did not say which address it sees; the "
                f"{_SERVICE_WORDS.get(heard.service, heard.service.value.upper())} server on "
                f"{heard.host} said it sees this "
                f"computer as {heard.server_seen_ip}"
            )
        else:
            parts.append("the server did not say which address it sees")
    if result.local:
        parts.append(f"this computer's own address is {result.local[0]}")
    return "; ".join(parts)


def hint_for(
    result: CheckResult, provider: Provider, others: Sequence[CheckResult] = ()
) -> LogHint | None:
    """The hint for one check, or None when the server never saw the attempt at all.

    None for the round trip too: it is no login of its own, and says where its test message
    is logged in its own lines (``report.round_trip_lines``).
    """
    if result.service not in _SERVICE_WORDS:
        return None
    outcome = outcome_of(result)
    if outcome is None and not reached_server(result):
        return None
    fragments = fragments_for(result, outcome, provider) if outcome else ()
    software = result.server_software
    who = f"{result.service.label} on {result.host}" + (f" is {software}" if software else "")
    where = _where_logged(result, provider)
    when = window(result)
    quoted = " … ".join(f"`{f}`" for f in fragments)
    if outcome == BLOCKLISTED:
        said = refusal_text(result)
        what = f"the refusal is logged there {when}" + (
            f": the line with {quoted}" if quoted else ""
        )
        if not quoted and said:
            what += f" (it answered: {said})"
    elif outcome == NO_LOGIN:
        what = f"the connection {when} ended before any login" + (
            f"; its line has {quoted}" if quoted else ""
        )
    elif quoted:
        what = f"look for the line with {quoted}, written {when}, for the login {result.username}"
    else:
        what = f"look for the login {result.username} {when}"
    what = what[0].upper() + what[1:]
    text = f"{who}. {where} {what}. Addresses: {_addresses(result, others)}."
    product = BY_KEY.get(result.server_product or "")
    if product is not None and product.refused_login_note and outcome == LOGIN_REFUSED and quoted:
        text += f" {product.refused_login_note}"
    return LogHint(result.service, text, fragments)
