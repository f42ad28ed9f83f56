"""The three checks against a real Dovecot: what a user sees for each way a login can go."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from tests.support.checks import check_all, check_one
from tests.support.dovecot_server import (
    DISABLED_PASSWORD,
    DISABLED_USER,
    GOOD_PASSWORD,
    GOOD_USER,
    DovecotServer,
    free_port,
)
from tests.support.fake_servers import GarbageServer, NoStartTlsSmtp, silent_server
from wizard.checks.model import CancelToken, Step, StepName
from wizard.provider import load_provider
from wizard.services import Service

pytestmark = pytest.mark.dovecot


def _provider(dovecot: DovecotServer, tmp_path: Path, **kw: object):
    return load_provider(dovecot.write_provider(tmp_path / "p.xml", **kw))


def _by_service(results):
    return {r.service: r for r in results}


def test_right_password_passes_all_three_services_with_every_step(dovecot, tmp_path):
    results = check_all(
        _provider(dovecot, tmp_path), GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem
    )
    by = _by_service(results)
    assert set(by) == {Service.IMAP, Service.SMTP, Service.SIEVE}
    for r in results:
        assert r.ok, (r.service, r.cause, r.steps[-1].detail)
        assert r.cause is None
        assert r.peer == ("127.0.0.1", r.port)
        assert r.tls is not None and r.tls.version in ("TLSv1.2", "TLSv1.3")
        assert len(r.tls.sha256) == 64
    assert [s.name for s in by[Service.IMAP].steps] == [
        StepName.RESOLVE,
        StepName.CONNECT,
        StepName.TLS,
        StepName.GREETING,
        StepName.LOGIN,
        StepName.LOGOUT,
    ]
    smtp_steps = [s.name for s in by[Service.SMTP].steps]
    assert (
        smtp_steps.index(StepName.STARTTLS)
        < smtp_steps.index(StepName.TLS)
        < smtp_steps.index(StepName.LOGIN)
    )
    sieve_steps = [s.name for s in by[Service.SIEVE].steps]
    assert sieve_steps.index(StepName.STARTTLS) < sieve_steps.index(StepName.LOGIN)
    assert f"Login: user=<{GOOD_USER}>" in dovecot.log_text()


def test_wrong_password_is_auth_failed_on_every_service(dovecot, tmp_path):
    results = check_all(
        _provider(dovecot, tmp_path), GOOD_USER, "not-the-password", ca_file=dovecot.ca_pem
    )
    for r in results:
        assert not r.ok
        assert r.cause == "auth_failed", (r.service, r.cause, r.server_responses[-1:])
        assert "password" in r.message
        assert "my.sepheo.co" in r.advice  # the account page the password belongs to
    assert "[AUTHENTICATIONFAILED]" in _by_service(results)[Service.IMAP].server_responses[-1]
    assert _by_service(results)[Service.SMTP].server_responses[-1].startswith("535")


def test_unknown_user_is_auth_failed(dovecot, tmp_path):
    results = check_all(
        _provider(dovecot, tmp_path), "nobody@sepheo.co", "whatever", ca_file=dovecot.ca_pem
    )
    assert {r.cause for r in results} == {"auth_failed"}


def test_short_username_is_told_the_login_is_the_full_address(dovecot, tmp_path):
    provider = _provider(dovecot, tmp_path, username="%EMAILLOCALPART%")
    results = check_all(provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    for r in results:
        assert r.cause == "auth_failed"
        assert r.username == "joe.bloggs"
        assert "full email address" in r.message and GOOD_USER in r.message


def test_disabled_mailbox_is_account_disabled_not_a_wrong_password(dovecot, tmp_path):
    results = check_all(
        _provider(dovecot, tmp_path), DISABLED_USER, DISABLED_PASSWORD, ca_file=dovecot.ca_pem
    )
    for r in results:
        assert r.cause == "account_disabled", (r.service, r.server_responses[-1:])
        assert "not allowed" in r.message


def test_broken_login_service_is_auth_unavailable_not_the_password(dovecot_factory, tmp_path):
    broken = dovecot_factory(broken_passdb=True)
    by = _by_service(
        check_all(_provider(broken, tmp_path), GOOD_USER, GOOD_PASSWORD, ca_file=broken.ca_pem)
    )
    for service in (Service.IMAP, Service.SMTP, Service.SIEVE):
        assert by[service].cause == "auth_unavailable", by[service].server_responses[-1:]
        assert "not your password" in by[service].message
    assert by[Service.SMTP].server_responses[-1].startswith("454")


def test_closed_port_is_connection_refused(dovecot, tmp_path):
    closed = free_port()
    provider = _provider(dovecot, tmp_path, imap_port=closed)
    r = check_one(provider, provider.imap, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    assert r.cause == "connection_refused"
    assert r.steps[-1].name is StepName.CONNECT
    assert str(closed) in r.message


def test_port_that_accepts_and_says_nothing_is_no_greeting_not_a_blocked_port(dovecot, tmp_path):
    with silent_server() as port:
        provider = _provider(dovecot, tmp_path, smtp_port=port)
        t0 = time.monotonic()
        r = check_one(
            provider, provider.smtp, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, timeout=1.0
        )
        elapsed = time.monotonic() - t0
    assert r.cause == "no_greeting"
    assert r.peer is not None  # it did connect
    # 1 s for the greeting, at most 1 s more for the TLS probe; far within the 3 s bound.
    assert elapsed < 3.0
    assert "said nothing" in r.message
    assert "<outgoingServer" in r.advice and "socketType" in r.advice
    assert "blocked" not in r.message + r.advice


def test_port_that_never_connects_is_a_connection_timeout(dovecot, tmp_path):
    from tests.support.fake_servers import blackhole_port

    with blackhole_port() as port:
        provider = _provider(dovecot, tmp_path, smtp_port=port)
        t0 = time.monotonic()
        r = check_one(
            provider, provider.smtp, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, timeout=1.0
        )
        elapsed = time.monotonic() - t0
    assert r.cause == "connection_timeout"
    assert r.peer is None
    assert elapsed < 1.6
    assert "another network" in r.advice


def test_untrusted_ca_is_refused_before_any_login(dovecot, tmp_path):
    before = dovecot.log_text().count("auth-worker") + dovecot.log_text().count("Login: user=")
    results = check_all(_provider(dovecot, tmp_path), GOOD_USER, GOOD_PASSWORD)  # no ca_file
    for r in results:
        assert r.cause == "certificate_untrusted"
        assert StepName.LOGIN not in [s.name for s in r.steps]
        tls_step = next(s for s in r.steps if s.name is StepName.TLS)
        assert len(tls_step.facts.get("sha256", "")) == 64  # the refused certificate is described
    assert "antivirus" in results[0].advice
    after = dovecot.log_text().count("auth-worker") + dovecot.log_text().count("Login: user=")
    assert after == before


def test_certificate_for_another_host_is_a_hostname_mismatch(dovecot, tmp_path):
    # The server's certificate names "localhost"; reaching it as 127.0.0.1 must not pass.
    provider = _provider(dovecot, tmp_path, hostname="127.0.0.1")
    for r in check_all(provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem):
        assert r.cause == "certificate_hostname_mismatch", (r.service, r.steps[-1].detail)


def test_expired_certificate_is_reported_as_expired(dovecot_factory, tmp_path):
    expired = dovecot_factory(cert_expired=True)
    for r in check_all(
        _provider(expired, tmp_path), GOOD_USER, GOOD_PASSWORD, ca_file=expired.ca_pem
    ):
        assert r.cause == "certificate_expired"
        assert "clock" in r.message


def test_imap_with_starttls_on_port_143_works(dovecot, tmp_path):
    provider = _provider(
        dovecot, tmp_path, imap_port=dovecot.imap_starttls_port, imap_socket="STARTTLS"
    )
    r = check_one(provider, provider.imap, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    assert r.ok, r.steps[-1].detail
    names = [s.name for s in r.steps]
    assert names.index(StepName.STARTTLS) < names.index(StepName.TLS) < names.index(StepName.LOGIN)
    assert "LOGINDISABLED" not in r.capabilities  # capabilities were asked again after TLS


def test_smtp_without_starttls_never_sends_a_credential(dovecot, tmp_path):
    with NoStartTlsSmtp() as fake:
        provider = _provider(dovecot, tmp_path, smtp_port=fake.port)
        r = check_one(provider, provider.smtp, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
        time.sleep(0.1)
    assert r.cause == "starttls_unavailable"
    assert "not sent" in r.message
    assert fake.received, "the fake saw no traffic at all"
    assert not any(line.upper().startswith(b"AUTH") for line in fake.received)
    assert not any(GOOD_PASSWORD.encode() in line for line in fake.received)


def test_garbage_instead_of_a_greeting_is_a_protocol_error(dovecot, tmp_path):
    with GarbageServer() as fake:
        provider = _provider(dovecot, tmp_path, sieve_port=fake.port, smtp_port=fake.port)
        by = _by_service(
            check_all(
                provider,
                GOOD_USER,
                GOOD_PASSWORD,
                ca_file=dovecot.ca_pem,
                only=[Service.SMTP, Service.SIEVE],
                timeout=2,
            )
        )
    assert by[Service.SMTP].cause == "protocol_error"
    assert by[Service.SIEVE].cause == "protocol_error"


def test_dns_failure_is_named(dovecot, tmp_path):
    # No real lookup: a resolver that fails like getaddrinfo does keeps all traffic local.
    def failing(host: str, port: int):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    provider = _provider(dovecot, tmp_path)
    r = check_one(provider, provider.imap, GOOD_USER, GOOD_PASSWORD, resolver=failing)
    assert r.cause == "dns_failed"
    assert provider.imap.hostname in r.message


def test_cancel_stops_a_slow_check_promptly(dovecot, tmp_path):
    cancel = CancelToken()
    seen: list[Step] = []
    with silent_server() as port:
        provider = _provider(dovecot, tmp_path, imap_port=port, smtp_port=port, sieve_port=port)
        threading.Timer(0.3, cancel.cancel).start()
        t0 = time.monotonic()
        results = check_all(
            provider,
            GOOD_USER,
            GOOD_PASSWORD,
            ca_file=dovecot.ca_pem,
            timeout=30,
            cancel=cancel,
            listener=lambda service, step: seen.append(step),
        )
        elapsed = time.monotonic() - t0
    assert elapsed < 1.3
    assert all(r.cancelled and r.cause == "cancelled" for r in results)
    assert seen, "the listener heard about steps as they happened"


def test_checks_run_side_by_side_not_one_after_another(dovecot, tmp_path):
    # Three silent ports with a 1 s timeout: each check waits 1 s for a greeting (IMAP: for
    # the TLS handshake) and SMTP and Sieve 1 s more for the TLS probe. Side by side the whole
    # run takes about 2 s; one after another it would take 5.
    with silent_server() as port:
        provider = _provider(dovecot, tmp_path, imap_port=port, smtp_port=port, sieve_port=port)
        t0 = time.monotonic()
        results = check_all(provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, timeout=1.0)
        elapsed = time.monotonic() - t0
    assert {r.cause for r in results} == {"no_greeting"}
    assert elapsed < 3.5


def test_non_ascii_password_logs_in_everywhere(dovecot, tmp_path):
    assert any(ord(c) > 127 for c in GOOD_PASSWORD)
    results = check_all(
        _provider(dovecot, tmp_path), GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem
    )
    assert all(r.ok for r in results)


def test_smtp_with_implicit_tls_like_port_465_works(dovecot, tmp_path):
    provider = _provider(dovecot, tmp_path, smtp_port=dovecot.submissions_port, smtp_socket="SSL")
    r = check_one(provider, provider.smtp, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    assert r.ok, r.steps[-1].detail
    names = [s.name for s in r.steps]
    assert StepName.STARTTLS not in names
    assert names.index(StepName.TLS) < names.index(StepName.GREETING) < names.index(StepName.LOGIN)


def test_two_dead_addresses_are_reported_within_one_timeout(dovecot, tmp_path):
    from tests.support.fake_servers import blackhole_port

    with blackhole_port() as port:
        provider = _provider(dovecot, tmp_path, imap_port=port)

        def two_addresses(host: str, p: int):
            # Two entries for the name, both dead (the same blackholed loopback port twice).
            return [("127.0.0.1", p), ("127.0.0.1", p)]

        t0 = time.monotonic()
        r = check_one(
            provider, provider.imap, GOOD_USER, GOOD_PASSWORD, timeout=1.0, resolver=two_addresses
        )
        elapsed = time.monotonic() - t0
    assert r.cause == "connection_timeout"
    assert elapsed < 1.6  # not 2 s: the addresses share the bound
    attempts = [line.text for line in r.transcript if line.text.startswith("connect to")]
    assert len(attempts) == 2  # both were tried
