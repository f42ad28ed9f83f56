"""The test message's legs are the login checks' own steps, judged by the same handler: what a
login check learns or says, the test message learns and says too (real Haraka and Dovecot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BLOCKED_V6
from tests.support.checks import message_to_self
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from tests.support.haraka_server import HarakaServer
from tests.support.proxy_front import ProxyFront
from wizard.checks.errors import Cause
from wizard.provider import load_provider, parse_provider
from wizard.services import Service

pytestmark = [pytest.mark.dovecot, pytest.mark.haraka]


def test_a_temporary_imap_refusal_is_not_blamed_on_the_password(
    haraka: HarakaServer, dovecot_factory, tmp_path: Path
) -> None:
    broken = dovecot_factory(broken_passdb=True)
    provider = load_provider(haraka.write_provider(tmp_path / "p.xml", broken, with_sieve=False))
    result = message_to_self(provider, GOOD_USER, GOOD_PASSWORD, ca_file=broken.ca_pem)
    assert result.cause == Cause.AUTH_UNAVAILABLE, (result.cause, result.steps[-1].detail)
    assert "not your password" in result.message
    assert "Check the password" not in result.advice


def test_a_blocklist_greeting_on_submission_is_connection_blocked(
    haraka_public: HarakaServer, dovecot: DovecotServer, dnsbl
) -> None:
    front = ProxyFront(haraka_public.submission_port, BLOCKED_V6).start()
    try:
        provider = parse_provider(haraka_public.provider_xml(smtp_port=front.port).encode())
        result = message_to_self(
            provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, test_message_timeout=5
        )
    finally:
        front.stop()
    assert result.cause == Cause.CONNECTION_BLOCKED, (result.cause, result.steps[-1].detail)
    assert result.server_seen_ip == BLOCKED_V6
    assert result.server_product == "haraka"
    assert "blocklist" in result.advice


def test_a_refused_certificate_on_a_leg_is_described(
    haraka: HarakaServer, dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = load_provider(haraka.write_provider(tmp_path / "p.xml", with_sieve=False))
    result = message_to_self(provider, GOOD_USER, GOOD_PASSWORD)  # the test CA not trusted
    assert result.cause == Cause.CERTIFICATE_UNTRUSTED, result.cause
    detail = result.steps[-1].detail
    assert "refused certificate: subject" in detail and "issuer" in detail, detail


def test_the_test_message_records_the_servers_product(
    haraka: HarakaServer, dovecot: DovecotServer, tmp_path: Path
) -> None:
    provider = load_provider(haraka.write_provider(tmp_path / "p.xml", with_sieve=False))
    result = message_to_self(provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    assert result.ok, result.message
    assert result.service is Service.ROUNDTRIP
    assert result.server_product == "haraka" and result.server_software
