"""The whole test message: both legs, the outcome, the removal, the result."""

from __future__ import annotations

import email.policy
import imaplib
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, astuple, dataclass
from datetime import UTC, datetime
from typing import Any

from imapclient.exceptions import IMAPClientError

from wizard.checks.context import RunContext
from wizard.checks.deadline import Deadline
from wizard.checks.errors import Cause, CheckCancelled, CheckFailure
from wizard.checks.model import CheckResult, StepName, StepStatus
from wizard.checks.session import CheckSession
from wizard.checks.smtp import SmtpConnection
from wizard.checks.test_message.dsn import Bounce
from wizard.checks.test_message.mailbox import Found, Mailbox, open_mailbox
from wizard.checks.test_message.message import build_message, new_token, queue_id_from
from wizard.checks.test_message.submit import SubmissionRefused, send_message, smtp_login
from wizard.checks.verdict import verdict
from wizard.provider import Provider, ServerSettings
from wizard.services import Service


@dataclass
class TestMessageResult(CheckResult):
    """A check result plus what the test message found out."""

    __test__ = False  # a result, not a pytest test class

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


# -- the whole test message ------------------------------------------------------------------


class Legs:
    """Opens the network legs on sessions of their own (their steps stay out of the row).

    Every leg resolves through the run's resolver and verifies with the run's trust.
    """

    def __init__(self, main: CheckSession, password: str, ctx: RunContext) -> None:
        self.main = main
        self.password = password
        self.ctx = ctx
        self.sessions: list[CheckSession] = []

    def new(self, server: ServerSettings, username: str, *, waits: float = 0.0) -> CheckSession:
        """A leg's session; its deadline is a login check's plus ``waits``: the time it must
        stay open by design (the mailbox until the message arrives; submission until the
        mailbox is watched)."""
        scratch = CheckResult(
            service=Service.ROUNDTRIP,
            host=server.hostname,
            port=server.port,
            security=server.security,
            username=username,
        )
        leg = CheckSession(
            scratch, self.password, self.main.timeout, self.main.cancel, self.ctx.trust
        )
        leg.deadline = Deadline(self.main.timeout, extra=waits)
        self.sessions.append(leg)
        return leg

    def open(self, leg: CheckSession) -> socket.socket:
        """Resolve, connect and (for implicit TLS) secure a leg, as a login check does."""
        return leg.open(self.ctx.resolver)

    def close_sockets(self) -> None:
        for leg in self.sessions:
            leg.close()

    def close(self) -> None:
        """Close every leg and merge their transcripts into the test message's, in time order."""
        self.close_sockets()
        lines = list(self.main.result.transcript)
        for leg in self.sessions:
            lines.extend(leg.result.transcript)
        self.main.result.transcript = sorted(lines, key=lambda line: line.at)


@contextmanager
def _leg_failure(where: str, leg: CheckSession) -> Iterator[None]:
    """A failure inside a leg says where it happened and on which leg (judged later)."""
    try:
        yield
    except CheckCancelled:
        raise
    except Exception as exc:
        raise _LegError(where, exc, leg) from exc


class _LegError(Exception):
    def __init__(self, where: str, exc: BaseException, leg: CheckSession) -> None:
        super().__init__(f"{where}: {exc}")
        self.where = where
        self.exc = exc
        self.leg = leg


def send_test_message(
    provider: Provider, address: str, password: str, ctx: RunContext
) -> TestMessageResult:
    """Send a test message to oneself and wait for it; never raises for a mail problem.

    ``ctx.options.timeout`` bounds every single read; ``test_message_timeout`` the wait for the
    message. A failure on a leg is judged by the login checks' own handler
    (:func:`wizard.checks.verdict.verdict`), on that leg's session.
    """
    options, cancel = ctx.options, ctx.cancel
    timeout, wait_for = options.timeout, options.test_message_timeout
    smtp_server, imap_server = provider.smtp, provider.imap
    result = TestMessageResult(
        service=Service.ROUNDTRIP,
        host=smtp_server.hostname,
        port=smtp_server.port,
        security=smtp_server.security,
        username=options.username or smtp_server.username_for(address),
    )
    result.token = new_token()
    main = CheckSession(result, password, timeout, cancel, ctx.trust, ctx.listener)
    legs = Legs(main, password, ctx)
    message = build_message(address, result.token)
    result.message_id = str(message["Message-ID"])
    data = message.as_bytes(policy=email.policy.SMTP)
    mailbox: Mailbox | None = None
    found: Found | None = None
    # The SMTP login runs while the mailbox is opened: the two legs' round trips overlap, and
    # the message itself goes out only once the mailbox is being watched.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-message-smtp")
    # It may have to wait for the mailbox leg's own login (at most 3 x timeout).
    smtp_leg = legs.new(smtp_server, result.username, waits=3 * timeout)
    imap_leg = legs.new(
        imap_server,
        options.username or imap_server.username_for(address),
        waits=wait_for + 3 * timeout,  # the wait, and submission's turn
    )

    def log_in_to_submission() -> SmtpConnection:
        with _leg_failure("sending", smtp_leg):
            return smtp_login(smtp_leg, legs.open(smtp_leg), password)

    smtp_ready = pool.submit(log_in_to_submission)
    try:
        with main.step(StepName.WATCH) as step:
            with _leg_failure("opening the mailbox", imap_leg):
                mailbox = open_mailbox(imap_leg, legs.open(imap_leg), password, result.token)
                mailbox.find_folders()
                mailbox.start_watching(ctx.watch)
            result.watch_mode = mailbox.mode
            step.detail = (
                f"watching INBOX{' and ' + mailbox.junk if mailbox.junk else ''} "
                f"({_MODE_WORDS[mailbox.mode]})"
            )
            step.facts.update(mode=mailbox.mode, junk_folder=mailbox.junk or "")
        with main.step(StepName.SUBMITTED) as step:
            smtp = smtp_ready.result()
            with _leg_failure("sending", smtp_leg):
                result.submit_reply = send_message(smtp_leg, smtp, address, data)
            sent_at = time.monotonic()
            result.queue_id = queue_id_from(result.submit_reply)
            step.detail = f"accepted: {result.submit_reply}"  # masked as it came in
            step.facts.update(message_id=result.message_id, queue_id=result.queue_id or "")
        with main.step(StepName.ARRIVED) as step:
            with _leg_failure("waiting", imap_leg):
                found = mailbox.wait(sent_at + wait_for, cancel, ctx.poll_interval)
            if found is None:
                step.status = StepStatus.FAILED
                step.detail = f"not there after {wait_for:g} s"
                raise CheckFailure(
                    Cause.DELIVERY_DELAYED,
                    f"accepted ({result.submit_reply}) but not delivered within {wait_for:g} s",
                )
            result.delivery_ms = (found.at - sent_at) * 1000
            result.folder = found.folder
            step.facts.update(folder=found.folder, delivery_ms=f"{result.delivery_ms:.0f}")
            if found.kind == "report":
                with _leg_failure("reading the delivery report", imap_leg):
                    result.bounce = _masked(mailbox.fetch_report(found), main)
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
            where, judged_on = "", main
            error: BaseException = exc
            if isinstance(exc, _LegError):
                where, error, judged_on = exc.where, exc.exc, exc.leg
            found_verdict = verdict(error, judged_on)
            cause, detail = found_verdict.cause, found_verdict.detail
            result.endless = found_verdict.endless
            if isinstance(error, CheckFailure):  # the server's answer says it all
                result.server_text, where = error.server_text, ""
            elif judged_on is not main:
                detail = _with_leg_detail(detail, judged_on)
            if isinstance(error, SubmissionRefused):
                result.refused_at = error.stage
            result.cause = cause
            detail = f"{where}: {detail}" if where else detail
            main.note(f"failed: {detail}")
            last = result.steps[-1] if result.steps else None
            settled = (Cause.ARRIVED_IN_JUNK, Cause.BOUNCED, Cause.DELIVERY_DELAYED)
            if last is not None and cause not in settled:
                last.status = StepStatus.FAILED
                last.detail = f"{last.detail} — {detail}" if last.detail else detail
    finally:
        if mailbox is not None:
            if found is None and result.cause is Cause.DELIVERY_DELAYED:
                result.cleanup_note = "the test message had not arrived, so it was not removed"
            mailbox.close()
        legs.close_sockets()
        pool.shutdown(wait=True)  # a login still running ends on its closed socket
        legs.close()
        main.close()
        _take_server_facts(result, smtp_leg.result, imap_leg.result)
        result.finished_at = datetime.now(UTC)
    return result


def _masked(bounce: Bounce | None, session: CheckSession) -> Bounce | None:
    """A delivery report is the server's words: masked field by field as it comes in."""
    if bounce is None:
        return None
    return Bounce(*(session.redact(str(v)) for v in astuple(bounce)))


def _with_leg_detail(detail: str, leg: CheckSession) -> str:
    """A leg's failing step says what was seen (a refused certificate's subject and issuer)."""
    steps = leg.result.steps
    seen = steps[-1].detail if steps else ""
    return f"{detail} ({seen})" if seen and seen not in detail else detail


def _take_server_facts(result: TestMessageResult, smtp: CheckResult, imap: CheckResult) -> None:
    """What the submission leg learned about the server (as the SMTP check records it), and
    an ``[ALERT]`` the mailbox's server sent."""
    result.peer, result.local = smtp.peer, smtp.local
    result.tls, result.greeting, result.capabilities = smtp.tls, smtp.greeting, smtp.capabilities
    result.server_software, result.server_product = smtp.server_software, smtp.server_product
    result.server_seen_ip, result.server_session = smtp.server_seen_ip, smtp.server_session
    result.server_alert = imap.server_alert or smtp.server_alert


_MODE_WORDS = {
    "notify": "the server pushes new mail with NOTIFY",
    "idle": "the server announces new mail with IDLE",
    "poll": "asking every few seconds",
}


def _clean_up(
    main: CheckSession, mailbox: Mailbox, found: Found, result: TestMessageResult
) -> None:
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
