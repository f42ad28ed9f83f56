"""The diagnosis report: a plain summary on top, then every fact IT needs to find the attempt
in the server logs (UTC times, addresses and ports, TLS details, server responses).

One renderer serves the CLI, the GUI's "Details for IT", Copy, Save and Email, so all say the
same thing; ``wizard.outgoing`` is the one road out (render, notes for IT, the last redaction).
Everything a server, a certificate or a log said is shown escaped (``wizard.safe_text``) and the
text report ends with its data block (``wizard.report_data``) for ``logs --report``.
"""

from __future__ import annotations

import json
import platform
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wizard import APP_NAME, __version__
from wizard.checks.blocklist import BlocklistResult, only_pbl
from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult, StepStatus
from wizard.checks.redact import Redactor
from wizard.diagnosis import CAUSE_PHRASES
from wizard.log_hints import hint_for, public_ip, reached_server, seen_as
from wizard.provider import Provider
from wizard.report_data import BEGIN, data_block
from wizard.safe_text import NOTE as ESCAPED_NOTE
from wizard.safe_text import visible_json, visible_lines
from wizard.services import Service
from wizard.trust import SettingsOrigin
from wizard.words import security_described

if TYPE_CHECKING:
    from wizard.checks.test_message import TestMessageResult

TICK, CROSS, DOT = "✓", "✗", "·"

# Where the round trip's test message shows up (the checks' own hints come from log_hints).
_ROUND_TRIP_HINT = (
    "the test message's queue id and Message-ID in the Haraka log "
    "(`Message Queued`, `Temp failing`, `delivered`, `bouncing`) and `lmtp(` lines in the "
    "Dovecot log"
)


@dataclass(frozen=True)
class Report:
    address: str
    provider: Provider
    results: Sequence[CheckResult]
    created: datetime
    origin: SettingsOrigin | None = None  # where the settings came from (issue 27)
    # Sections other features add (the mail programs' look): text lines at the end of the text
    # report, and top-level keys of the JSON.
    extra_text: tuple[str, ...] = ()
    extra_json: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def public_ip(self) -> str | None:
        return public_ip(self.results)

    @property
    def blocklists(self) -> list[BlocklistResult]:
        """Each address-and-zone answer once, whichever checks' servers stated the address."""
        seen: dict[tuple[str, str], BlocklistResult] = {}
        for r in self.results:
            for b in r.blocklists:
                seen.setdefault((b.ip, b.zone), b)
        return list(seen.values())


def make_report(
    address: str,
    provider: Provider,
    results: Sequence[CheckResult],
    *,
    origin: SettingsOrigin | None = None,
) -> Report:
    return Report(address, provider, list(results), datetime.now(UTC), origin)


def origin_text(origin: SettingsOrigin) -> str:
    """ "built in (trusted: …)" or "/path/provider.xml (NOT trusted: …)", for IT."""
    trust = "trusted" if origin.trusted else "NOT trusted, used after a yes (or --accept-untrusted)"
    return f"{origin.where} ({origin.kind}; {trust}" + (f": {origin.why})" if origin.why else ")")


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _local(t: datetime) -> str:
    return t.astimezone().strftime("%H:%M:%S %Z")


def _cause_groups(results: Sequence[CheckResult]) -> list[list[CheckResult]]:
    """Failed results grouped by cause, in the order the causes first appear."""
    groups: dict[Cause | None, list[CheckResult]] = {}
    for r in results:
        groups.setdefault(r.cause, []).append(r)
    return list(groups.values())


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _places(results: Sequence[CheckResult]) -> str:
    """ "my.sepheo.co ports 993, 587 and 4190", or each host with its port when they differ."""
    hosts = list(dict.fromkeys(r.host for r in results))
    if len(hosts) == 1:
        ports = [str(r.port) for r in results]
        word = "port" if len(set(ports)) == 1 else "ports"
        return f"{hosts[0]} {word} {_and(list(dict.fromkeys(ports)))}"
    return _and([f"{r.host} port {r.port}" for r in results])


def summary(report: Report) -> str:
    """One paragraph in plain words: what works, what does not, what to do, what IT looks for.

    Each failing service is named with its own message, so with all three refused the
    paragraph names all three ports; advice the services share is said once.
    """
    failed = [r for r in report.results if not r.ok]
    if not failed:
        names = ", ".join(r.service.label.split(" (")[0].lower() for r in report.results)
        return " ".join(
            [f"Everything works for {report.address}: {names}."] + blocklist_warnings(report)
        )
    parts: list[str] = []
    for group in _cause_groups(failed):
        advice = list(dict.fromkeys(r.advice for r in group))
        if len(advice) == 1:
            parts.extend(f"{r.service.label}: {r.message}" for r in group)
            parts.append(advice[0])
        else:
            parts.extend(f"{r.service.label}: {r.message} {r.advice}" for r in group)
    ok = [r for r in report.results if r.ok]
    if ok:
        parts.append("Working: " + ", ".join(r.service.label for r in ok) + ".")
    TestMessageResult = _round_trip_type()  # noqa: N806 - the class, imported late
    reached = [r for r in failed if isinstance(r, TestMessageResult) or reached_server(r)]
    logins = [r for r in reached if not isinstance(r, TestMessageResult)]
    hint = hint_for(logins[0], report.provider, report.results) if logins else None
    if reached and isinstance(reached[0], TestMessageResult) and not reached[0].cancelled:
        trip = reached[0]
        ids = f"Message-ID {trip.message_id}"
        if trip.queue_id:
            ids = f"queue id {trip.queue_id}, {ids}"
        parts.append(
            f"For IT: the test message ({ids}) was sent by {trip.username} at "
            f"{_utc(trip.started_at)[11:]}; look for {_ROUND_TRIP_HINT}."
        )
    elif hint is not None:
        parts.append(f"For IT: {hint.text}")
    else:
        first = failed[0]
        if first.peer is not None and not first.cancelled:
            logs = "the server logs at most the connection, not a login"
        else:
            logs = "the server's login logs will show nothing"
        parts.append(
            f"For IT: the check never got as far as logging in ({first.cause} at "
            f"{_utc(first.started_at)[11:]} on {_places(failed)}), so {logs}; "
            f"the connection details below say where it stopped."
        )
    parts.extend(blocklist_warnings(report))
    return " ".join(p.strip() for p in parts if p.strip())


def seen_as_line(report: Report) -> str | None:
    """ "The mail server sees this computer as 1.2.3.4", when a server said so."""
    found = seen_as(report.results)
    if found is None:
        return None
    ip, r = found
    said = r.service.value.upper()
    return f"The mail server sees this computer as {ip} (its {said} server said so)."


def blocklist_warnings(report: Report) -> list[str]:
    """A listing is a warning; it explains a refusal only when the server refused us."""
    out = []
    refused = any(r.cause == Cause.CONNECTION_BLOCKED for r in report.results)
    for b in report.blocklists:
        if not b.listed:
            continue
        head = "Blocklist" if refused else "Warning"
        text = f"{head}: {b.ip} is listed on {b.zone}: {b.meaning}."
        if only_pbl(b) and not refused:
            text += " Nothing to fix for sending through your own mail server."
        out.append(text)
    return out


def headline(report: Report) -> str:
    """A short first line for the screen: what is wrong and where, without the advice."""
    failed = [r for r in report.results if not r.ok and not r.cancelled]
    if not failed:
        return "Everything works."
    same = _cause_groups(failed)[0]
    first = same[0]
    if len(same) == 1:
        name = first.service.label.split(" (")[0]
        return f"{name}: {first.message}"
    names = _and([r.service.label.split(" (")[0].lower() for r in same])
    if len({r.message for r in same}) == 1:  # one host and port for all: its message says it
        if len(same) == len(report.results):
            return first.message
        return f"{names[0].upper()}{names[1:]}: {first.message}"
    phrase = CAUSE_PHRASES.get(first.cause or Cause.PROTOCOL_ERROR, "the check failed")
    return f"{names[0].upper()}{names[1:]}: {phrase} ({_places(same)})."


def _round_trip_type() -> type[TestMessageResult]:
    # Imported when a report is made, not with this module: the pages import it, and the
    # first page must come up without the network stack the round trip brings along.
    from wizard.checks.test_message import TestMessageResult

    return TestMessageResult


def round_trip_lines(result: CheckResult) -> list[str]:
    """What the round trip found, for the report and the short CLI output."""
    if not isinstance(result, _round_trip_type()):
        return []
    out = [f"   test message: Message-ID {result.message_id}, token {result.token}"]
    if result.submit_reply:
        out.append(f"   server's reply to DATA: {result.submit_reply}")
    if result.queue_id:
        out.append(f"   queue id: {result.queue_id}")
    if result.folder:
        delivery = f" after {result.delivery_ms:.0f} ms" if result.delivery_ms is not None else ""
        out.append(f"   arrived in: {result.folder}{delivery} (watched by {result.watch_mode})")
    if result.bounce:
        b = result.bounce
        out.append(
            f"   delivery report: recipient {b.recipient or '?'}, action {b.action or '?'}, "
            f"status {b.status or '?'}, {b.diagnostic or 'no diagnostic'}"
            + (f", from {b.reporting_mta}" if b.reporting_mta else "")
        )
    removed = "removed" if result.cleaned_up else "not removed"
    note = f": {result.cleanup_note}" if result.cleanup_note else ""
    out.append(f"   test message {removed}{note}")
    return out


def render_steps(result: CheckResult) -> list[str]:
    lines = []
    for s in result.steps:
        mark = {StepStatus.OK: TICK, StepStatus.FAILED: CROSS}.get(s.status, DOT)
        lines.append(f"  {mark} {s.name.label:<46} {s.duration_ms:8.1f} ms  {s.detail}".rstrip())
    return lines


def render_text(report: Report, *, transcript: bool = True, notes: Sequence[str] = ()) -> str:
    """The full report as plain text (what "Copy report" and "Save as text" produce).

    ``notes`` are facts for IT the person's screen leaves out on purpose (keys, files, the
    short login). Each line is made safe on its own, so a line break a server slipped into a
    field cannot start a line of its own; the data block comes last.
    """
    out = _report_lines(report, transcript)
    if notes:
        out += ["", "== Notes for IT", *notes]
    safe, escaped = visible_lines(out)
    if escaped:
        safe.insert(3, ESCAPED_NOTE)  # under the summary, where IT starts reading
    safe += ["", *data_block(render_json(report))]
    return "\n".join(safe) + "\n"


def _report_lines(report: Report, transcript: bool) -> list[str]:
    out: list[str] = []
    p = report.provider
    out.append(f"{APP_NAME} {__version__} — mail check report")
    out.append("")
    out.append("Summary: " + summary(report))
    out.append("")
    out.append(f"Address:   {report.address}")
    out.append(f"Provider:  {p.display_name}" + (f" ({p.source})" if p.source else ""))
    if report.origin is not None:
        out.append(f"Settings:  {origin_text(report.origin)}")
    out.append(f"Report at: {_utc(report.created)} (local {_local(report.created)})")
    out.append(
        f"Computer:  {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )
    seen = seen_as_line(report)
    if seen:
        out.append(f"Seen as:   {seen}")
    for b in report.blocklists:
        state = {True: "LISTED", False: "not listed", None: "not checked"}[b.listed]
        out.append(
            f"Blocklist: {b.ip} on {b.zone}: {state}"
            + (f" — {b.meaning}" if b.listed is not False else "")
        )
    for r in report.results:
        out.append("")
        status = "OK" if r.ok else f"FAILED ({r.cause})"
        out.append(f"== {r.service.label}: {status}")
        out.append(
            f"   server {r.host} port {r.port}, security {security_described(r.security)}, "
            f"login {r.username}"
        )
        out.append(
            f"   started {_utc(r.started_at)} (local {_local(r.started_at)}), "
            f"took {r.duration_ms:.0f} ms"
        )
        if r.peer:
            local = f" from {r.local[0]} port {r.local[1]}" if r.local else ""
            out.append(f"   connected to {r.peer[0]} port {r.peer[1]}{local}")
        if r.tls:
            t = r.tls
            out.append(f"   TLS {t.version}, cipher {t.cipher}")
            out.append(f"   certificate: subject {t.cert_subject}; issuer {t.cert_issuer}")
            out.append(f"   valid {t.not_before} to {t.not_after}; SHA-256 {t.sha256}")
        else:
            refused = next((s.facts for s in r.steps if "sha256" in s.facts), None)
            if refused:
                out.append(
                    f"   refused certificate: subject {refused.get('cert_subject')}; issuer "
                    f"{refused.get('cert_issuer')}; valid {refused.get('not_before')} to "
                    f"{refused.get('not_after')}; SHA-256 {refused.get('sha256')}"
                )
        if r.greeting:
            out.append(f"   greeting: {r.greeting}")
        if r.server_software or r.server_seen_ip or r.server_session:
            out.append(
                f"   server software: {r.server_software or 'not stated'}; sees this computer "
                f"as: {r.server_seen_ip or 'not stated'}; "
                f"session: {r.server_session or 'not stated'}"
            )
        if r.capabilities:
            out.append(f"   capabilities: {' '.join(r.capabilities)}")
        if r.server_alert:
            out.append(f"   message from the server: {r.server_alert}")
        if not r.ok:
            out.append(f"   cause: {r.message}")
            out.append(f"   what to do: {r.advice}")
        out.extend(round_trip_lines(r))
        hint = hint_for(r, p, report.results)
        if hint is not None:
            out.append(f"   in the server's log: {hint.text}")
        elif r.service is not Service.ROUNDTRIP:  # the round trip's own lines say where
            out.append("   in the server's log: nothing (the server was never reached)")
        out.append("   steps:")
        for s in r.steps:
            mark = {StepStatus.OK: TICK, StepStatus.FAILED: CROSS}.get(s.status, DOT)
            out.append(
                f"   {mark} {s.name.value:<12} {_utc(s.started_at)[11:19]} UTC "
                f"({_local(s.started_at)}) {s.duration_ms:7.1f} ms  {s.detail}".rstrip()
            )
        if transcript and r.transcript:
            out.append("   transcript (C: sent by this computer, S: sent by the server):")
            for line in r.transcript:
                out.append(
                    f"     {line.at.astimezone(UTC).strftime('%H:%M:%S.%f')[:-3]} "
                    f"{line.direction.value} {line.text}"
                )
    out.extend(report.extra_text)
    return out


def render_json(report: Report, *, notes: Sequence[str] = ()) -> dict[str, Any]:
    """The report for scripts (``diagnose --json``), every string made safe to print.

    The keys are documented in docs/report.md; ``escaped`` is there only when the app escaped
    something, ``notes_for_it`` only when there are notes.
    """
    data: dict[str, Any] = {
        "address": report.address,
        "ok": report.ok,
        "summary": summary(report),
        "created": report.created.isoformat(),
        "provider": report.provider.id,
        "settings_origin": report.origin.as_json() if report.origin is not None else None,
        "public_ip": report.public_ip,
        "blocklists": [b.to_json() for b in report.blocklists],
        "checks": [_check_json(r, report) for r in report.results],
        **report.extra_json,
    }
    if notes:
        data["notes_for_it"] = list(notes)
    safe, escaped = visible_json(data)
    if escaped:
        safe["escaped"] = ESCAPED_NOTE
    return dict(safe)


def _check_json(result: CheckResult, report: Report) -> dict[str, Any]:
    data = result.to_json()
    hint = hint_for(result, report.provider, report.results)
    data["log_hint"] = (
        {"text": hint.text, "fragments": list(hint.fragments)} if hint is not None else None
    )
    return data


def render_json_text(report: Report, *, notes: Sequence[str] = ()) -> str:
    return json.dumps(render_json(report, notes=notes), indent=2, ensure_ascii=False)


def scrub(text: str, password: str, username: str = "") -> str:
    """Last line of defence before a report leaves the app (clipboard, file, mail)."""
    return Redactor(password, username).last_resort(text) if password else text


def mailto_link(report: Report, body: str) -> str | None:
    """A mailto: to the provider's support address with the report as the body."""
    to = report.provider.branding.support_email
    if not to:
        return None
    status = "working" if report.ok else "not working"
    subject = f"Mail check for {report.address}: {status}"
    # Mail programs cut very long mailto bodies; the summary and the failing parts come first,
    # and the data block IT's `logs --report` reads stays at the end.
    if len(body) > 6000:
        cut = body.rfind(BEGIN)
        tail = body[cut:] if cut >= 0 else ""
        body = (
            body[: max(0, 6000 - len(tail))]
            + "\n[…report shortened; the full report can be saved as a file]\n\n"
            + tail
        )
    query = urllib.parse.urlencode({"subject": subject, "body": body}, quote_via=urllib.parse.quote)
    return f"mailto:{urllib.parse.quote(to, safe='@')}?{query}"
