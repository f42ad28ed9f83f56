"""The whole round trip: both legs, the outcome, the removal, the result."""

from __future__ import annotations

import email.policy
import imaplib
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imapclient.exceptions import IMAPClientError

from wizard.checks.deadline import Deadline
from wizard.checks.errors import Cause, CheckCancelled, CheckFailure
from wizard.checks.model import (
    DEFAULT_ROUND_TRIP_TIMEOUT,
    CancelToken,
    CheckResult,
    StepListener,
    StepName,
    StepStatus,
)
from wizard.checks.roundtrip.dsn import Bounce
from wizard.checks.roundtrip.mailbox import Found, Mailbox, open_mailbox
from wizard.checks.roundtrip.message import build_message, new_token, queue_id_from
from wizard.checks.roundtrip.submit import SubmissionRefused, send_message, smtp_login
from wizard.checks.session import Session
from wizard.checks.smtp import _RecordingSMTP
from wizard.checks.tls import RunTrust
from wizard.provider import Provider, ServerSettings
from wizard.services import Security, Service


@dataclass
class RoundTripResult(CheckResult):
    """A check result plus what the round trip found out."""

    folder: str | None = None
    delivery_ms: float | None = None
    queue_id: str | None = None
    cleaned_up: bool = False
    cleanup_note: str = ""
    token: str = ""
    message_id: str = ""
    submit_reply: str = ""
    refused_at: str = ""
    watch_mode: str = ""
    bounce: Bounce | None = None

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update(
            folder=self.folder,
            delivery_ms=round(self.delivery_ms, 1) if self.delivery_ms is not None else None,
            queue_id=self.queue_id,
            cleaned_up=self.cleaned_up,
            cleanup_note=self.cleanup_note or None,
            message_id=self.message_id,
            submit_reply=self.submit_reply or None,
            refused_at=self.refused_at or None,
            watch_mode=self.watch_mode,
            bounce=asdict(self.bounce) if self.bounce else None,
        )
        return data


# -- the whole round trip -------------------------------------------------------------------
Resolver = Callable[[str, int], list[tuple[str, int]]]


class Legs:
    """Opens the network legs on sessions of their own (their steps stay out of the row)."""

    def __init__(
        self,
        main: Session,
        password: str,
        trust: RunTrust,
        resolver: Resolver,
    ) -> None:
        self.main = main
        self.password = password
        self.trust = trust  # the round trip's, shared by its legs
        self.resolver = resolver
        self.sessions: list[Session] = []

    def open(
        self, server: ServerSettings, username: str, *, waits: float = 0.0
    ) -> tuple[Session, socket.socket]:
        """Resolve, connect and (for implicit TLS) secure a leg.

        Its deadline is a login check's plus ``waits``: the time it must stay open by design
        (the mailbox until the message arrives; submission until the mailbox is watched).
        """
        scratch = CheckResult(
            service=Service.ROUNDTRIP,
            host=server.hostname,
            port=server.port,
            security=server.security,
            username=username,
        )
        leg = Session(scratch, self.password, self.main.timeout, self.main.cancel, self.trust)
        leg.deadline = Deadline(self.main.timeout, extra=waits)
        self.sessions.append(leg)
        sock = leg.connect(leg.resolve(self.resolver))
        if server.security is Security.TLS:
            sock = leg.start_tls(sock)
        return leg, sock

    def close_sockets(self) -> None:
        for leg in self.sessions:
            leg.close()

    def close(self) -> None:
        """Close every leg and merge their transcripts into the round trip's, in time order."""
        self.close_sockets()
        lines = list(self.main.result.transcript)
        for leg in self.sessions:
            lines.extend(leg.result.transcript)
        self.main.result.transcript = sorted(lines, key=lambda line: line.at)


@contextmanager
def _leg_failure(where: str) -> Iterator[None]:
    """A network failure inside a leg says where it happened (classified later)."""
    try:
        yield
    except (CheckFailure, CheckCancelled):
        raise
    except Exception as exc:
        raise _LegError(where, exc) from exc


class _LegError(Exception):
    def __init__(self, where: str, exc: BaseException) -> None:
        super().__init__(f"{where}: {exc}")
        self.where = where
        self.exc = exc


def round_trip(
    provider: Provider,
    address: str,
    password: str,
    *,
    ca_file: Path | None = None,
    timeout: float = 10.0,
    round_trip_timeout: float = DEFAULT_ROUND_TRIP_TIMEOUT,
    cancel: CancelToken | None = None,
    listener: StepListener | None = None,
    resolver: Resolver | None = None,
    username: str | None = None,
    poll_interval: float | None = None,
    watch: str = "auto",
) -> RoundTripResult:
    """Send a test message to oneself and wait for it; never raises for a mail problem.

    ``timeout`` bounds every single read; ``round_trip_timeout`` the wait for the message.
    ``watch`` ("auto", "notify", "idle", "poll") caps how the mailbox is watched, and
    ``poll_interval`` fixes the polling interval: both for the benchmark's comparisons.
    """
    from wizard.checks.runner import SharedResolver
    from wizard.diagnosis import classify_exception, explain_round_trip

    cancel = cancel or CancelToken()
    smtp_server, imap_server = provider.smtp, provider.imap
    result = RoundTripResult(
        service=Service.ROUNDTRIP,
        host=smtp_server.hostname,
        port=smtp_server.port,
        security=smtp_server.security,
        username=username or smtp_server.username_for(address),
    )
    result.token = new_token()
    trust = RunTrust(ca_file)  # the system's trust, read once for both legs
    main = Session(result, password, timeout, cancel, trust, listener)
    legs = Legs(main, password, trust, resolver or SharedResolver())
    message = build_message(address, result.token)
    result.message_id = str(message["Message-ID"])
    data = message.as_bytes(policy=email.policy.SMTP)
    mailbox: Mailbox | None = None
    found: Found | None = None
    server_text = ""
    # The SMTP login runs while the mailbox is opened: the two legs' round trips overlap, and
    # the message itself goes out only once the mailbox is being watched.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roundtrip-smtp")

    def log_in_to_submission() -> tuple[Session, _RecordingSMTP]:
        with _leg_failure("sending"):
            # It may have to wait for the mailbox leg's own login (at most 3 x timeout).
            leg, sock = legs.open(smtp_server, result.username, waits=3 * timeout)
            return leg, smtp_login(leg, sock, password)

    smtp_ready = pool.submit(log_in_to_submission)
    try:
        with main.step(StepName.WATCH) as step:
            with _leg_failure("opening the mailbox"):
                leg, sock = legs.open(
                    imap_server,
                    username or imap_server.username_for(address),
                    waits=round_trip_timeout + 3 * timeout,  # the wait, and submission's turn
                )
                mailbox = open_mailbox(leg, sock, password, result.token)
                mailbox.find_folders()
                mailbox.start_watching(watch)
            result.watch_mode = mailbox.mode
            step.detail = (
                f"watching INBOX{' and ' + mailbox.junk if mailbox.junk else ''} "
                f"({_MODE_WORDS[mailbox.mode]})"
            )
            step.facts.update(mode=mailbox.mode, junk_folder=mailbox.junk or "")
        with main.step(StepName.SUBMITTED) as step:
            leg, smtp = smtp_ready.result()
            with _leg_failure("sending"):
                try:
                    result.submit_reply = send_message(leg, smtp, address, data)
                finally:
                    result.peer, result.local = leg.result.peer, leg.result.local
                    result.tls, result.greeting = leg.result.tls, leg.result.greeting
                    result.capabilities = leg.result.capabilities
            sent_at = time.monotonic()
            result.queue_id = queue_id_from(result.submit_reply)
            step.detail = f"accepted: {result.submit_reply}"
            step.facts.update(message_id=result.message_id, queue_id=result.queue_id or "")
        with main.step(StepName.ARRIVED) as step:
            with _leg_failure("waiting"):
                found = mailbox.wait(sent_at + round_trip_timeout, cancel, poll_interval)
            if found is None:
                step.status = StepStatus.FAILED
                step.detail = f"not there after {round_trip_timeout:g} s"
                raise CheckFailure(
                    Cause.DELIVERY_DELAYED,
                    f"accepted ({result.submit_reply}) but not delivered within "
                    f"{round_trip_timeout:g} s",
                )
            result.delivery_ms = (found.at - sent_at) * 1000
            result.folder = found.folder
            step.facts.update(folder=found.folder, delivery_ms=f"{result.delivery_ms:.0f}")
            if found.kind == "report":
                with _leg_failure("reading the delivery report"):
                    result.bounce = mailbox.fetch_report(found)
                step.detail = f"a delivery report arrived in {found.folder} instead"
            else:
                step.detail = (
                    f"in {found.folder} after {result.delivery_ms:.0f} ms "
                    f"(at {datetime.now(UTC).strftime('%H:%M:%S')} UTC)"
                )
        _clean_up(main, mailbox, found, result)
        if found.kind == "report":
            bounce = result.bounce
            raise CheckFailure(
                Cause.BOUNCED,
                "delivery failed: "
                + (f"{bounce.status} {bounce.diagnostic}".strip() if bounce else "(no details)"),
            )
        if found.folder != "INBOX":
            raise CheckFailure(Cause.ARRIVED_IN_JUNK, f"the test message arrived in {found.folder}")
        result.ok = True
    except CheckCancelled:
        result.cancelled = True
        result.cause = Cause.CANCELLED
    except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnosis
        if cancel.cancelled:
            result.cancelled = True
            result.cause = Cause.CANCELLED
        else:
            where = ""
            error: BaseException = exc
            if isinstance(exc, _LegError):
                where, error = exc.where, exc.exc
            cause, detail = classify_exception(error)
            if isinstance(error, CheckFailure):
                server_text = error.server_text
            if isinstance(error, SubmissionRefused):
                result.refused_at = error.stage
            result.cause = cause
            detail = f"{where}: {detail}" if where else detail
            main.note(f"failed: {detail}")
            last = result.steps[-1] if result.steps else None
            settled = (Cause.ARRIVED_IN_JUNK, Cause.BOUNCED, Cause.DELIVERY_DELAYED)
            if last is not None and cause not in settled:
                last.status = StepStatus.FAILED
                last.detail = main.redact(f"{last.detail} — {detail}" if last.detail else detail)
    finally:
        if mailbox is not None:
            if found is None and result.cause is Cause.DELIVERY_DELAYED:
                result.cleanup_note = "the test message had not arrived, so it was not removed"
            mailbox.close()
        legs.close_sockets()
        pool.shutdown(wait=True)  # a login still running ends on its closed socket
        legs.close()
        main.close()
        result.finished_at = datetime.now(UTC)
    if result.cause:
        d = explain_round_trip(result, provider, address, server_text)
        result.cause, result.message, result.advice = d.cause, d.message, d.advice
    else:
        result.message = f"{Service.ROUNDTRIP.label}: working (in INBOX after "
        result.message += f"{(result.delivery_ms or 0) / 1000:.1f} s)."
    return result


_MODE_WORDS = {
    "notify": "the server pushes new mail with NOTIFY",
    "idle": "the server announces new mail with IDLE",
    "poll": "asking every few seconds",
}


def _clean_up(main: Session, mailbox: Mailbox, found: Found, result: RoundTripResult) -> None:
    with main.step(StepName.CLEANUP) as step:
        try:
            removed, how = mailbox.remove(found)
        except (IMAPClientError, OSError, EOFError, imaplib.IMAP4.error) as exc:
            removed, how = False, f"could not remove it: {exc}"
        result.cleaned_up = removed
        result.cleanup_note = how
        step.detail = how
        if not removed:
            step.status = StepStatus.SKIPPED
