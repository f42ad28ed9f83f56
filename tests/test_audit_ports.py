"""The audit's port checks against the real test Dovecot and Haraka: TLS or STARTTLS as each
port really offers it, the certificate's names, issuer and expiry verified for the host the
settings use, no password possible before TLS, and closed or silent ports said as such within
the bound."""

from __future__ import annotations

import socket
import threading
import time

from tests.support.dovecot_server import DovecotServer, free_port
from tests.support.haraka_server import HarakaServer
from wizard.audit.ports import EXPIRY_WARNING_DAYS, probe_port, probe_ports
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions
from wizard.checks.tls import RunTrust
from wizard.services import Security


def test_dovecot_ports_show_implicit_tls_and_starttls_with_a_verified_certificate(
    dovecot: DovecotServer,
) -> None:
    options = CheckOptions(timeout=3.0, ca_file=dovecot.ca_pem)
    reports = probe_ports(
        [
            ("imap", "localhost", dovecot.imap_port, Security.TLS),
            ("imap", "localhost", dovecot.imap_starttls_port, Security.STARTTLS),
            ("smtp", "localhost", dovecot.submission_port, Security.STARTTLS),
            ("smtp", "localhost", dovecot.submissions_port, Security.TLS),
            ("sieve", "localhost", dovecot.sieve_port, Security.STARTTLS),
        ],
        options,
        CancelToken(),
    )
    for report in reports:
        assert report.offered is report.expected, report
        # Dovecot counts a client on its own address as secured and offers AUTH=PLAIN before
        # STARTTLS on loopback (disable_plaintext_auth spares "secured" connections): the
        # audit reports what was offered, so here it sees it.
        assert report.plain_login_without_tls is (report.expected is Security.STARTTLS)
        assert report.ok
        assert report.tls_version.startswith("TLSv1.")
        cert = report.certificate
        assert cert is not None and cert.verified
        assert "localhost" in cert.names
        assert cert.days_left is not None and cert.days_left > EXPIRY_WARNING_DAYS
        assert not cert.expires_soon
    assert "Dovecot" in reports[0].greeting


def test_starttls_expected_on_an_implicit_tls_port_is_named_not_hung(
    dovecot: DovecotServer,
) -> None:
    options = CheckOptions(timeout=1.0, ca_file=dovecot.ca_pem)
    started = time.monotonic()
    report = probe_port(
        "imap",
        "localhost",
        dovecot.imap_port,
        Security.STARTTLS,
        options,
        RunTrust(dovecot.ca_pem),
        CancelToken(),
    )
    assert time.monotonic() - started < 4.0
    assert report.reachable and not report.ok
    assert report.offered is None


def test_a_certificate_for_other_names_is_refused_and_still_described(
    dovecot: DovecotServer,
) -> None:
    # The session Dovecot's certificate names localhost only; the settings say 127.0.0.1.
    options = CheckOptions(timeout=3.0, ca_file=dovecot.ca_pem)
    report = probe_port(
        "imap",
        "127.0.0.1",
        dovecot.imap_port,
        Security.TLS,
        options,
        RunTrust(dovecot.ca_pem),
        CancelToken(),
    )
    assert report.reachable and report.offered is Security.TLS and not report.ok
    assert report.certificate is not None and not report.certificate.verified
    assert report.certificate.names == ("localhost",)
    assert "mismatch" in report.certificate.problem


def test_haraka_submission_offers_starttls_and_from_loopback_a_login_before_it(
    haraka: HarakaServer,
) -> None:
    options = CheckOptions(timeout=3.0, ca_file=haraka.dovecot.ca_pem)
    report = probe_port(
        "smtp",
        "localhost",
        haraka.submission_port,
        Security.STARTTLS,
        options,
        RunTrust(haraka.dovecot.ca_pem),
        CancelToken(),
    )
    assert report.offered is Security.STARTTLS
    assert "Haraka" in report.greeting
    assert report.certificate is not None and report.certificate.verified
    assert report.ok, report
    # Haraka advertises AUTH without TLS to a client on a private address (loopback here).
    assert report.plain_login_without_tls is True


def test_closed_and_silent_ports_end_within_the_bound() -> None:
    closed = free_port()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never says a word
    try:
        options = CheckOptions(timeout=1.0)
        started = time.monotonic()
        refused, mute = probe_ports(
            [
                ("imap", "127.0.0.1", closed, Security.TLS),
                ("smtp", "127.0.0.1", silent.getsockname()[1], Security.STARTTLS),
            ],
            options,
            CancelToken(),
        )
        assert time.monotonic() - started < 3 * options.timeout + 1
    finally:
        silent.close()
    assert (refused.reachable, refused.detail) == (False, "refused")
    assert mute.reachable and mute.offered is None and not mute.ok


def test_a_plain_text_login_offered_before_tls_is_reported() -> None:
    """No real server here offers AUTH before STARTTLS: a one-reply fake plays that part."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"220 old.example ESMTP\r\n")
            conn.recv(1024)
            conn.sendall(b"250-old.example\r\n250 AUTH PLAIN LOGIN\r\n")
            conn.recv(1024)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        report = probe_port(
            "smtp",
            "127.0.0.1",
            server.getsockname()[1],
            Security.STARTTLS,
            CheckOptions(timeout=2.0),
            RunTrust(None),
            CancelToken(),
        )
    finally:
        server.close()
    assert report.offered is Security.PLAIN
    assert report.plain_login_without_tls is True
    assert not report.ok
