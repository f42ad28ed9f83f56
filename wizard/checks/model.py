"""Results of a check: plain dataclasses shared by the CLI, the GUI, the report and the tests."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from wizard.checks.blocklist import BlocklistResult
from wizard.checks.errors import Cause, CheckCancelled
from wizard.checks.trigger import Trigger
from wizard.services import Security, Service

# The checks' network timeout in seconds; here rather than in the runner so the GUI can
# show it without importing the network stack.
DEFAULT_TIMEOUT = 10.0
# How long the test message to oneself is waited for (wizard.checks.test_message); here for the
# same reason.
DEFAULT_TEST_MESSAGE_TIMEOUT = 60.0


class StepName(enum.StrEnum):
    RESOLVE = "resolve"
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    CAPABILITIES = "capabilities"
    STARTTLS = "starttls"
    LOGIN = "login"
    LOGOUT = "logout"
    # The test message's own steps.
    WATCH = "watch"
    SUBMITTED = "submitted"
    ARRIVED = "arrived"
    CLEANUP = "cleanup"

    @property
    def label(self) -> str:
        return {
            StepName.RESOLVE: "Looking up the server",
            StepName.CONNECT: "Connecting",
            StepName.TLS: "Securing the connection",
            StepName.GREETING: "Waiting for the server's greeting",
            StepName.CAPABILITIES: "Asking what the server supports",
            StepName.STARTTLS: "Switching to a secure connection (STARTTLS)",
            StepName.LOGIN: "Logging in",
            StepName.LOGOUT: "Logging out",
            StepName.WATCH: "Opening the mailbox to watch for it",
            StepName.SUBMITTED: "Sending a test message to yourself",
            StepName.ARRIVED: "Waiting for it to arrive",
            StepName.CLEANUP: "Removing the test message",
        }[self]


class StepStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class Step:
    name: StepName
    status: StepStatus = StepStatus.RUNNING
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_ms: float = 0.0
    detail: str = ""
    # Structured facts for the report (ip, port, tls_version, cipher, cert_subject, ...).
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is StepStatus.OK


class Direction(enum.StrEnum):
    SENT = "C:"
    RECEIVED = "S:"
    NOTE = "--"


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime
    direction: Direction
    text: str


@dataclass(frozen=True)
class TlsInfo:
    version: str
    cipher: str
    cert_subject: str = ""
    cert_issuer: str = ""
    not_before: str = ""
    not_after: str = ""
    sha256: str = ""
    san: tuple[str, ...] = ()


@dataclass
class CheckResult:
    service: Service
    host: str
    port: int
    security: Security
    username: str
    ok: bool = False
    cause: Cause | None = None
    message: str = ""
    advice: str = ""
    steps: list[Step] = field(default_factory=list)
    transcript: list[TranscriptLine] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    peer: tuple[str, int] | None = None
    local: tuple[str, int] | None = None
    tls: TlsInfo | None = None
    greeting: str = ""
    capabilities: tuple[str, ...] = ()
    server_responses: list[str] = field(default_factory=list)
    # Server-supplied text meant for the user ([ALERT] in IMAP), shown verbatim.
    server_alert: str = ""
    cancelled: bool = False
    # What the plain words are made from, above the checks (wizard.diagnosis.explain_result):
    # the server's own refusal line, and whether its answer broke a size or time limit.
    server_text: str = ""
    endless: bool = False
    # What the server said about itself and about us, only ever from its own words (greeting,
    # EHLO reply, IMPLEMENTATION): IT matches these against its logs, so nothing is guessed.
    server_software: str | None = None  # "Dovecot", "Haraka 3.3.4", "Postfix"...
    server_product: str | None = None  # its key in wizard.servers.BY_KEY ("dovecot"...)
    server_seen_ip: str | None = None  # the address the server said it sees us as
    server_session: str | None = None  # the server's id for this connection (Haraka's banner)
    # DNS blocklist answers for server_seen_ip, filled in by the runner.
    blocklists: list[BlocklistResult] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        end = self.finished_at or datetime.now(UTC)
        return (end - self.started_at).total_seconds() * 1000

    def to_json(self) -> dict[str, Any]:
        """The stable machine form documented for ``diagnose --json``."""
        return {
            "service": self.service.value,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username": self.username,
            "ok": self.ok,
            "cause": self.cause,
            "message": self.message,
            "advice": self.advice,
            "server_alert": self.server_alert or None,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration_ms, 1),
            "peer": list(self.peer) if self.peer else None,
            "local": list(self.local) if self.local else None,
            "tls": asdict(self.tls) if self.tls else None,
            "greeting": self.greeting,
            "capabilities": list(self.capabilities),
            "server_software": self.server_software,
            "server_seen_ip": self.server_seen_ip,
            "server_session": self.server_session,
            "steps": [
                {
                    "name": s.name.value,
                    "ok": s.ok,
                    "status": s.status.value,
                    "started_at": s.started_at.isoformat(),
                    "duration_ms": round(s.duration_ms, 1),
                    "detail": s.detail,
                }
                for s in self.steps
            ],
            "transcript": [
                {"at": t.at.isoformat(), "dir": t.direction.value, "text": t.text}
                for t in self.transcript
            ],
        }


class CancelToken:
    """Shared between the GUI (or Ctrl-C) and the checks; cancelling closes live sockets."""

    def __init__(self) -> None:
        self._trigger = Trigger()

    @property
    def cancelled(self) -> bool:
        return self._trigger.fired

    def cancel(self) -> None:
        self._trigger.fire()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` at cancel time (immediately if already cancelled).

        Returns a function that unregisters it.
        """
        return self._trigger.on_fire(callback)

    def raise_if_cancelled(self) -> None:
        if self._trigger.fired:
            raise CheckCancelled()

    def wait(self, timeout: float) -> bool:
        return self._trigger.wait(timeout)


# A listener receives (service, step) every time a step starts or finishes; the GUI turns it
# into a queued Qt signal, the CLI prints it. It is called from the checking thread.
StepListener = Callable[[Service, Step], None]
