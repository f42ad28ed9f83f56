"""The protocol steps are public: open, secure and capabilities without a login (a probe), the
login checks built from them, and nothing learned before STARTTLS used after it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.support.checks import check_one
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from tests.support.fake_servers import InjectingImapServer, write_hostile_provider
from wizard.checks.context import RunContext
from wizard.checks.imap import capabilities, open_imap, secure_imap
from wizard.checks.model import CheckResult, Direction
from wizard.checks.options import CheckOptions
from wizard.checks.session import CheckSession
from wizard.checks.sieve import open_sieve, secure_sieve
from wizard.checks.smtp import ehlo, open_smtp, secure_smtp
from wizard.provider import ServerSettings, load_provider


@pytest.fixture(scope="module")
def tls(test_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("steps-tls")
    ca_pem = folder / "ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_pem))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    test_ca.issue_cert("127.0.0.1").configure_cert(ctx)
    yield ctx, ca_pem


def _probe_session(server: ServerSettings, ca: Path) -> tuple[CheckSession, RunContext]:
    """A probe's session: a run context with no provider (no blocklists), no password."""
    ctx = RunContext.start(None, CheckOptions(ca_file=ca))
    result = CheckResult(server.service, server.hostname, server.port, server.security, "")
    return CheckSession.in_run(result, ctx), ctx


def _sent(session: CheckSession) -> list[str]:
    return [t.text for t in session.result.transcript if t.direction is Direction.SENT]


@pytest.mark.dovecot
def test_an_imap_probe_sees_capabilities_before_and_after_starttls_without_logging_in(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = load_provider(
        dovecot.write_provider(
            tmp_path / "p.xml", imap_port=dovecot.imap_starttls_port, imap_socket="STARTTLS"
        )
    )
    session, ctx = _probe_session(provider.imap, dovecot.ca_pem)
    try:
        conn = open_imap(session, session.open(ctx.resolver))
        before = capabilities(conn)
        secure_imap(session, conn)
        after = capabilities(conn)
    finally:
        session.close()
    assert "STARTTLS" in before
    assert "STARTTLS" not in after and "AUTH=PLAIN" in after  # asked afresh over TLS
    assert session.result.tls is not None and session.result.server_product == "dovecot"
    assert not any(" LOGIN " in s or "AUTHENTICATE" in s for s in _sent(session))


@pytest.mark.dovecot
def test_an_smtp_probe_sees_auth_only_after_starttls_without_logging_in(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    session, ctx = _probe_session(provider.smtp, dovecot.ca_pem)
    try:
        smtp = open_smtp(session, session.open(ctx.resolver))
        before = ehlo(session, smtp)
        secure_smtp(session, smtp)
        after = session.result.capabilities
    finally:
        session.close()
    assert any(c.startswith("STARTTLS") for c in before)
    assert any(c.startswith("AUTH") for c in after)
    assert not any(s.startswith("AUTH") for s in _sent(session))


@pytest.mark.dovecot
def test_a_sieve_probe_reads_the_capabilities_restated_over_tls(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    assert provider.sieve is not None
    session, ctx = _probe_session(provider.sieve, dovecot.ca_pem)
    try:
        conn, before = open_sieve(session, session.open(ctx.resolver))
        after = secure_sieve(session, conn, before)
    finally:
        session.close()
    assert "STARTTLS" in before
    assert "PLAIN" in after.get("SASL", "").split()
    assert not any("AUTHENTICATE" in s for s in _sent(session))


def test_capabilities_injected_into_the_starttls_answer_are_not_used(
    tls: Any, tmp_path: Path
) -> None:
    ctx, ca_pem = tls
    with InjectingImapServer(ctx) as fake:
        provider = load_provider(
            write_hostile_provider(
                tmp_path,
                "127.0.0.1",
                imap=(fake.port, "STARTTLS"),
                smtp=(9, "STARTTLS"),
                sieve=(9, "STARTTLS"),
            )
        )
        r = check_one(provider, provider.imap, "someone@hostile.test", "secret", ca_file=ca_pem)
    assert r.ok, (r.cause, r.steps[-1].detail)
    assert fake.commands[0] == "CAPABILITY"  # asked again over TLS, before any login
    assert "LOGINDISABLED" not in r.capabilities


@pytest.mark.dovecot
def test_the_login_check_is_the_public_steps_in_order(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    r = check_one(provider, provider.imap, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    assert [s.name.value for s in r.steps] == [
        "resolve",
        "connect",
        "tls",
        "greeting",
        "login",
        "logout",
    ]
