"""One options object, one run context: what a run is asked reaches every check and the test
message, through the one entry point (wizard.pipeline.run_all_checks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.checks import check_all, message_to_self
from tests.support.dns_server import DnsServer, dnsmasq_available
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from tests.support.haraka_server import HarakaServer
from wizard.checks import tls
from wizard.checks.options import CheckOptions
from wizard.checks.resolve import SharedResolver
from wizard.pipeline import run_all_checks
from wizard.provider import load_provider
from wizard.services import Service

pytestmark = pytest.mark.dovecot


NAMED = "mail.wizard.test"  # known to the test's DNS server only


@pytest.fixture
def local_dns(tmp_path: Path):
    if not dnsmasq_available():
        pytest.skip("dnsmasq is not installed (Debian dnsmasq-base); see tests/run_all.sh")
    server = DnsServer(
        tmp_path / "dns", records={NAMED: ["127.0.0.1"]}, local_zones=("nowhere.test",)
    ).start()
    yield server
    server.stop()
    shutil.rmtree(tmp_path / "dns", ignore_errors=True)


@pytest.fixture
def named_dovecot(dovecot_factory):
    """A Dovecot whose certificate and settings name a host only the test's DNS server knows."""
    return dovecot_factory(cert_hosts=(NAMED,), hostname=NAMED)


def test_the_run_resolves_through_options_dns_server(named_dovecot, local_dns, tmp_path):
    provider = load_provider(named_dovecot.write_provider(tmp_path / "p.xml"))
    options = CheckOptions(ca_file=named_dovecot.ca_pem, dns_server=local_dns.address)
    results = run_all_checks(provider, GOOD_USER, GOOD_PASSWORD, options)
    assert all(r.ok for r in results), [(r.service, r.cause) for r in results]
    assert NAMED in local_dns.queries()  # asked there: the system's resolver does not know it


def test_localhost_is_never_asked_of_the_dns_server(dovecot, local_dns, tmp_path):
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    options = CheckOptions(ca_file=dovecot.ca_pem, dns_server=local_dns.address)
    results = run_all_checks(provider, GOOD_USER, GOOD_PASSWORD, options)
    assert all(r.ok for r in results), [(r.service, r.cause) for r in results]
    assert "localhost" not in local_dns.queries()  # RFC 6761: this computer's own name


def test_a_name_the_dns_server_does_not_know_is_dns_failed(dovecot, local_dns, tmp_path):
    provider = load_provider(
        dovecot.write_provider(tmp_path / "p.xml", hostname="mail.nowhere.test")
    )
    options = CheckOptions(ca_file=dovecot.ca_pem, dns_server=local_dns.address, timeout=3)
    results = run_all_checks(provider, GOOD_USER, GOOD_PASSWORD, options)
    assert {r.cause for r in results} == {"dns_failed"}
    assert "mail.nowhere.test" in results[0].message


def test_a_dns_server_that_never_answers_costs_at_most_the_timeout():
    resolver = SharedResolver(0.5, ("127.0.0.1", 9))  # discard port: nothing answers
    with pytest.raises(TimeoutError):
        resolver("mail.example.org", 993)


@pytest.mark.haraka
def test_the_test_message_resolves_and_trusts_as_the_run_does(
    haraka: HarakaServer, dovecot: DovecotServer, tmp_path: Path, monkeypatch
):
    trusts: list[object] = []
    real_init = tls.RunTrust.__init__

    def counting_init(self: tls.RunTrust, ca_file: Path | None = None) -> None:
        trusts.append(ca_file)
        real_init(self, ca_file)

    monkeypatch.setattr(tls.RunTrust, "__init__", counting_init)
    asked: list[tuple[str, int]] = []
    shared = SharedResolver(5.0)

    def resolver(host: str, port: int) -> list[tuple[str, int]]:
        asked.append((host, port))
        return shared(host, port)

    provider = load_provider(haraka.write_provider(tmp_path / "p.xml", with_sieve=False))
    results = check_all(
        provider,
        GOOD_USER,
        GOOD_PASSWORD,
        ca_file=dovecot.ca_pem,
        send_test_message=True,
        test_message_timeout=15,
        resolver=resolver,
    )
    by = {r.service: r for r in results}
    assert by[Service.ROUNDTRIP].ok, by[Service.ROUNDTRIP].message
    # Both logins, then the test message's two legs: all through the run's resolver.
    assert sorted(asked) == sorted(
        2
        * [
            (provider.imap.hostname, provider.imap.port),
            (provider.smtp.hostname, provider.smtp.port),
        ]
    )
    assert trusts == [dovecot.ca_pem]  # the trust store read once for the whole run


@pytest.mark.haraka
def test_the_test_message_reads_each_answer_within_the_runs_timeout(
    haraka: HarakaServer, dovecot: DovecotServer, tmp_path: Path
):
    from tests.support.fake_servers import silent_server

    with silent_server() as port:
        provider = load_provider(
            haraka.write_provider(tmp_path / "p.xml", imap_port=port, with_sieve=False)
        )
        result = message_to_self(
            provider, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem, timeout=1.0
        )
    assert result.cause == "no_greeting", result.steps[-1].detail  # the login checks' verdict
    assert result.duration_ms < 1000 * (3 * 1.0 + 2.0)


def test_the_cli_names_the_feature_test_message_and_keeps_round_trip_for_scripts() -> None:
    from wizard.cli import build_parser

    parser = build_parser()
    new = parser.parse_args(["diagnose", "a@b.c", "--test-message", "--test-message-timeout", "7"])
    old = parser.parse_args(["diagnose", "a@b.c", "--round-trip", "--round-trip-timeout", "7"])
    for args in (new, old):
        assert args.round_trip is True and args.round_trip_timeout == 7.0


def test_diagnose_resolves_through_its_dns_server(named_dovecot, local_dns, tmp_path) -> None:
    from tests.support.cli import diagnose

    provider_file = named_dovecot.write_provider(tmp_path / "p.xml")
    r = diagnose(named_dovecot, provider_file, GOOD_PASSWORD, "--dns-server", local_dns.spec)
    assert r.returncode == 0, r.stdout + r.stderr
    assert NAMED in local_dns.queries()
