"""One mail port looked at through the checks' own public protocol steps, never logging in.

IMAP, SMTP and ManageSieve go through :mod:`wizard.checks.imap`, ``smtp`` and ``sieve`` — the
same greeting, capability, STARTTLS and verified-handshake steps the login checks take, in a
:class:`~wizard.checks.session.CheckSession` with its deadline and bounded reader — and stop
before the login. POP3, which the checks do not speak, has its own short dialogue
(:mod:`wizard.audit.dialogue`).
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import replace

from wizard.audit.port_model import Certificate, PortReport, days_left
from wizard.audit.text import shown
from wizard.checks.errors import CheckFailure
from wizard.checks.imap import capabilities, open_imap, secure_imap
from wizard.checks.model import CancelToken, CheckResult
from wizard.checks.options import CheckOptions
from wizard.checks.session import CheckSession
from wizard.checks.sieve import open_sieve, secure_sieve
from wizard.checks.smtp import ehlo, open_smtp, secure_smtp
from wizard.checks.tls import RunTrust
from wizard.services import Security, Service

_SERVICE = {"imap": Service.IMAP, "smtp": Service.SMTP, "sieve": Service.SIEVE}
_QUOTED = re.compile(r"'([^']*)'")


def look(
    seen: PortReport,
    addrs: list[tuple[str, int]],
    options: CheckOptions,
    trust: RunTrust,
    cancel: CancelToken,
) -> PortReport:
    """Connect, read what the port offers, secure it as it should be; no credential is sent."""
    result = CheckResult(_SERVICE[seen.protocol], seen.host, seen.port, seen.expected, "")
    session = CheckSession(result, "", options.timeout, cancel, trust)
    try:
        try:
            sock = session.connect(addrs)
        except OSError as exc:
            refused = isinstance(exc, ConnectionRefusedError)
            return replace(seen, detail="refused" if refused else "no answer (dropped?)")
        box = [replace(seen, reachable=True)]  # what was seen so far, kept if a step fails
        try:
            _secure(box, session, sock)
        except ssl.SSLCertVerificationError as exc:
            problem = shown(str(exc.verify_message or exc))
            return replace(
                box[0],
                offered=box[0].offered or Security.TLS,
                certificate=_refused_certificate(result, problem),
                detail=f"certificate refused: {problem}",
            )
        except CheckFailure as exc:
            return replace(box[0], detail=shown(str(exc)))
        except (ssl.SSLError, OSError) as exc:
            said = shown(str(exc) or type(exc).__name__)
            return replace(box[0], detail=f"no TLS handshake: {said}")
        seen = box[0]
        tls = result.tls
        if tls is None:
            return seen
        names = tuple(shown(n) for n in tls.san)
        certificate = Certificate(
            shown(tls.cert_subject),
            shown(tls.cert_issuer),
            tls.not_after,
            names,
            days_left(tls.not_after),
            verified=True,
        )
        return replace(
            seen,
            tls_version=tls.version,
            certificate=certificate,
            greeting=shown(result.greeting),
        )
    finally:
        session.close()


def _secure(box: list[PortReport], session: CheckSession, sock: socket.socket) -> None:
    """The protocol's own steps up to a verified TLS session (implicit or STARTTLS); what the
    port offered goes into ``box`` before the step that may fail."""
    seen = box[0]
    protocol = seen.protocol
    if seen.expected is Security.TLS:
        box[0] = replace(seen, offered=Security.TLS, plain_login_without_tls=False)
        tls = session.start_tls(sock)
        if protocol == "imap":
            open_imap(session, tls)
        elif protocol == "smtp":
            open_smtp(session, tls)
        else:
            open_sieve(session, tls)
        return
    if protocol == "imap":
        conn = open_imap(session, sock)
        caps = capabilities(conn)
        box[0] = _offered(seen, session, "STARTTLS" in caps, _imap_plain(caps))
        secure_imap(session, conn)
    elif protocol == "smtp":
        smtp = open_smtp(session, sock)
        words = {c.split()[0].upper() for c in ehlo(session, smtp) if c.strip()}
        box[0] = _offered(seen, session, "STARTTLS" in words, "AUTH" in words)
        secure_smtp(session, smtp)
    else:
        conn_s, sieve_caps = open_sieve(session, sock)
        box[0] = _offered(seen, session, "STARTTLS" in sieve_caps, bool(sieve_caps.get("SASL")))
        secure_sieve(session, conn_s, sieve_caps)


def _offered(
    seen: PortReport, session: CheckSession, starttls: bool, plain_login: bool
) -> PortReport:
    return replace(
        seen,
        offered=Security.STARTTLS if starttls else Security.PLAIN,
        plain_login_without_tls=plain_login,
        greeting=shown(session.result.greeting),
    )


def _imap_plain(caps: tuple[str, ...]) -> bool:
    """LOGIN allowed (no LOGINDISABLED) or a SASL mechanism offered, before TLS."""
    upper = [c.upper() for c in caps]
    return "LOGINDISABLED" not in upper or any(c.startswith("AUTH=") for c in upper)


def _refused_certificate(result: CheckResult, problem: str) -> Certificate | None:
    """The refused certificate as the TLS step described it (subject, issuer, dates, names)."""
    facts: dict[str, str] = {}
    for step in result.steps:
        if "cert_subject" in step.facts:
            facts = dict(step.facts)
    if not facts:
        return None
    names = tuple(shown(n) for n in _QUOTED.findall(facts.get("san", "")))
    not_after = facts.get("not_after", "")
    return Certificate(
        shown(facts.get("cert_subject", "")),
        shown(facts.get("cert_issuer", "")),
        not_after,
        names,
        days_left(not_after),
        verified=False,
        problem=problem,
    )
