"""The trust a verification run checks certificates with: read once per run, afresh next run."""

from __future__ import annotations

import ssl
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import trustme

from tests.support.checks import check_all
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer
from wizard.checks import tls
from wizard.checks.tls import RunTrust
from wizard.provider import load_provider

linux_only = pytest.mark.skipif(
    tls.NATIVE_VERIFICATION, reason="Windows and macOS verify natively, with nothing to load"
)


def _system_store_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point OpenSSL's default paths (which truststore's search uses first) at a bundle of ours,
    holding one CA that signed nothing here, as a distribution bundle would."""
    bundle = tmp_path / "system-bundle.pem"
    bundle.write_bytes(trustme.CA(organization_name="Unrelated Root").cert_pem.bytes())
    empty_dir = tmp_path / "certs"
    empty_dir.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("SSL_CERT_DIR", str(empty_dir))
    return bundle


@linux_only
def test_linux_checks_share_one_plain_openssl_context_loaded_with_the_system_bundle():
    trust = RunTrust()
    ctx = trust.context()
    # Plain OpenSSL (not truststore.SSLContext, which would re-read the bundle per handshake):
    # proves truststore's bundle search was found and used.
    assert type(ctx) is ssl.SSLContext
    assert ctx.cert_store_stats()["x509_ca"] > 0 or tls.system_hashed_dir(), (
        tls.system_bundle_description()
    )
    assert trust.context() is ctx
    assert ctx.check_hostname is True
    assert ctx.verify_mode is ssl.CERT_REQUIRED
    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_2
    assert RunTrust().context() is not ctx  # the next run reads the store again


@linux_only
def test_ca_file_is_trusted_on_top_of_the_system_bundle(monkeypatch, tmp_path, test_ca):
    _system_store_at(monkeypatch, tmp_path)
    ca_file = tmp_path / "it-ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_file))
    assert RunTrust().context().cert_store_stats()["x509_ca"] == 1
    assert RunTrust(ca_file).context().cert_store_stats()["x509_ca"] == 2


def test_unreadable_ca_file_is_refused_before_any_check_starts(tmp_path):
    not_pem = tmp_path / "not-a-certificate.pem"
    not_pem.write_text("hello\n")
    with pytest.raises(ssl.SSLError):
        RunTrust(not_pem)


@linux_only
@pytest.mark.dovecot
def test_a_ca_installed_between_two_runs_is_trusted_by_the_next_run(
    dovecot: DovecotServer, monkeypatch, tmp_path
):
    bundle = _system_store_at(monkeypatch, tmp_path)
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))

    before = check_all(provider, GOOD_USER, GOOD_PASSWORD)
    assert {r.cause for r in before} == {"certificate_untrusted"}, [r.message for r in before]

    # IT installs the company CA into the system store while the wizard is open; Retry.
    with bundle.open("ab") as f:
        f.write(dovecot.ca_pem.read_bytes())
    after = check_all(provider, GOOD_USER, GOOD_PASSWORD)
    assert all(r.ok for r in after), [(r.service, r.cause, r.message) for r in after]


@linux_only
@pytest.mark.dovecot
def test_one_run_reads_the_system_store_once_for_all_three_checks(
    dovecot: DovecotServer, monkeypatch, tmp_path
):
    _system_store_at(monkeypatch, tmp_path)  # a bundle file: read whole, so reads can be counted
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "system-bundle.pem"))
    (tmp_path / "system-bundle.pem").write_bytes(dovecot.ca_pem.read_bytes())
    search = tls._bundle_search()
    assert search is not None
    reads: list[ssl.SSLContext] = []

    def counting(ctx: ssl.SSLContext) -> AbstractContextManager[None]:
        reads.append(ctx)
        return search(ctx)

    monkeypatch.setattr(tls, "_bundle_search", lambda: counting)
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    for run in (1, 2):
        results = check_all(provider, GOOD_USER, GOOD_PASSWORD)
        assert len(results) == 3
        assert all(r.ok for r in results), [(r.service, r.cause) for r in results]
        assert len(reads) == run
    assert reads[0] is not reads[1]


@pytest.mark.skipif(not tls.NATIVE_VERIFICATION, reason="Windows and macOS only")
def test_windows_and_macos_verify_through_truststore_one_context_per_connection():
    import truststore

    trust = RunTrust()
    first, second = trust.context(), trust.context()
    assert isinstance(first, truststore.SSLContext)
    assert first is not second  # truststore's lock spans a handshake: no sharing


def _install_hashed(certs: Path, pem: bytes) -> None:
    """Put a CA into a c_rehash-style directory under its subject hash, as
    update-ca-certificates does in /etc/ssl/certs."""
    subject_hash = (
        subprocess.run(
            ["openssl", "x509", "-subject_hash", "-noout"],
            input=pem,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    (certs / f"{subject_hash}.0").write_bytes(pem)


@linux_only
@pytest.mark.dovecot
def test_a_hashed_system_directory_is_read_lazily_and_sees_a_ca_installed_meanwhile(
    dovecot: DovecotServer, monkeypatch, tmp_path
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    certs = tmp_path / "hashed-certs"
    certs.mkdir()
    _install_hashed(certs, trustme.CA(organization_name="Unrelated Root").cert_pem.bytes())
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))
    assert tls.system_hashed_dir() == str(certs)
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))

    trust = RunTrust()
    assert trust.context().cert_store_stats()["x509_ca"] == 0  # nothing parsed up front
    before = check_all(provider, GOOD_USER, GOOD_PASSWORD)
    assert {r.cause for r in before} == {"certificate_untrusted"}, [r.message for r in before]

    # IT installs the company CA (update-ca-certificates adds its hash link); Retry.
    _install_hashed(certs, dovecot.ca_pem.read_bytes())
    after = check_all(provider, GOOD_USER, GOOD_PASSWORD)
    assert all(r.ok for r in after), [(r.service, r.cause, r.message) for r in after]
