"""The checks against servers other than Dovecot: Cyrus IMAP + ManageSieve, and Exim submission.

The causes must come out right from what these servers really say, which is not Dovecot's
wording: a locked account and a broken login back end must never be told "check the password".
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.support.checks import check_all, check_one
from tests.support.cyrus_server import CyrusServer, cyrus_available
from tests.support.dovecot_server import (
    DISABLED_PASSWORD,
    DISABLED_USER,
    GOOD_PASSWORD,
    GOOD_USER,
)
from tests.support.exim_server import EximServer, exim_available
from tests.support.log_lines import wait_until_logged
from tests.support.provider_files import write_provider
from wizard.checks.model import StepName
from wizard.provider import Provider, load_provider
from wizard.services import Service

IN_CI = os.environ.get("CI", "").lower() == "true"


def _require(missing: str | None, name: str) -> None:
    if missing:
        reason = f"{name} is not available ({missing})"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server_dir() -> Iterator[Path]:
    # Outside pytest's 0700 basetemp: the servers' unprivileged processes must reach it.
    path = Path(tempfile.mkdtemp(prefix="wizard-other-servers-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _started(factory: Callable[[], CyrusServer | EximServer]) -> Iterator[object]:
    server = factory().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cyrus(test_ca: trustme.CA, server_dir: Path) -> Iterator[CyrusServer]:
    _require(cyrus_available(), "Cyrus IMAP")
    yield from _started(lambda: CyrusServer(server_dir / "cyrus", test_ca))  # type: ignore[misc]


@pytest.fixture(scope="module")
def cyrus_saslauthd_down(test_ca: trustme.CA, server_dir: Path) -> Iterator[CyrusServer]:
    _require(cyrus_available(), "Cyrus IMAP")
    yield from _started(  # type: ignore[misc]
        lambda: CyrusServer(server_dir / "cyrus-broken", test_ca, saslauthd_down=True)
    )


@pytest.fixture(scope="module")
def exim(test_ca: trustme.CA, server_dir: Path) -> Iterator[EximServer]:
    _require(exim_available(), "Exim")
    yield from _started(lambda: EximServer(server_dir / "exim", test_ca))  # type: ignore[misc]


@pytest.fixture(scope="module")
def exim_userdb_missing(test_ca: trustme.CA, server_dir: Path) -> Iterator[EximServer]:
    _require(exim_available(), "Exim")
    yield from _started(  # type: ignore[misc]
        lambda: EximServer(server_dir / "exim-broken", test_ca, userdb_missing=True)
    )


def _provider(tmp_path: Path, cyrus: CyrusServer, exim: EximServer) -> Provider:
    """A Cyrus + Exim shop: IMAP and filters on Cyrus, outgoing mail on Exim."""
    return load_provider(
        write_provider(
            tmp_path / "provider.xml",
            imap=("localhost", cyrus.imap_port, "SSL"),
            smtp=("localhost", exim.port, "STARTTLS"),
            sieve=("localhost", cyrus.sieve_port, "STARTTLS"),
        )
    )


def _by_service(results):
    return {r.service: r for r in results}


def test_right_password_passes_on_cyrus_and_exim(cyrus, exim, tmp_path):
    by = _by_service(
        check_all(_provider(tmp_path, cyrus, exim), GOOD_USER, GOOD_PASSWORD, ca_file=cyrus.ca_pem)
    )
    for service in (Service.IMAP, Service.SMTP, Service.SIEVE):
        r = by[service]
        assert r.ok, (service, r.cause, r.server_responses[-2:])
        assert r.tls is not None
    assert "Cyrus IMAP" in by[Service.IMAP].greeting
    assert "Cyrus timsieved" in by[Service.SIEVE].greeting
    assert "Exim" in by[Service.SMTP].greeting
    smtp_steps = [s.name for s in by[Service.SMTP].steps]
    assert smtp_steps.index(StepName.TLS) < smtp_steps.index(StepName.LOGIN)


def test_wrong_password_is_auth_failed_on_cyrus_and_exim(cyrus, exim, tmp_path):
    by = _by_service(
        check_all(
            _provider(tmp_path, cyrus, exim), GOOD_USER, "not-the-password", ca_file=cyrus.ca_pem
        )
    )
    for r in by.values():
        assert r.cause == "auth_failed", (r.service, r.server_responses[-1:])
        assert "Check the password" in r.advice
    assert by[Service.IMAP].server_responses[-1].endswith("Login failed: authentication failure")
    assert by[Service.SMTP].server_responses[-1] == "535 Incorrect authentication data"
    assert by[Service.SIEVE].server_responses[-1] == 'NO "Authentication Error"'


def test_cyrus_denied_user_is_account_disabled_not_the_password(cyrus, exim, tmp_path):
    provider = _provider(tmp_path, cyrus, exim)
    r = check_one(provider, provider.imap, DISABLED_USER, DISABLED_PASSWORD, ca_file=cyrus.ca_pem)
    assert r.server_responses[-1].endswith("Login failed: authorization failure")
    assert r.cause == "account_disabled"
    assert "not allowed" in r.message
    assert "password" not in r.advice.lower()


def test_cyrus_with_saslauthd_down_is_auth_unavailable_not_the_password(
    cyrus_saslauthd_down, exim, tmp_path
):
    provider = _provider(tmp_path, cyrus_saslauthd_down, exim)
    r = check_one(
        provider, provider.imap, GOOD_USER, GOOD_PASSWORD, ca_file=cyrus_saslauthd_down.ca_pem
    )
    assert r.server_responses[-1].endswith(" NO generic failure")  # AUTHENTICATE PLAIN
    assert r.cause == "auth_unavailable"
    assert "not your password" in r.message


def test_cyrus_sieve_alone_says_only_no_so_it_stays_auth_failed(
    cyrus, cyrus_saslauthd_down, exim, tmp_path
):
    # timsieved answers NO "Authentication Error" whether the password is wrong, the user is
    # denied or saslauthd is down: checked on its own, nothing says the fault is elsewhere.
    for server, user, password in (
        (cyrus, DISABLED_USER, DISABLED_PASSWORD),
        (cyrus_saslauthd_down, GOOD_USER, GOOD_PASSWORD),
    ):
        provider = _provider(tmp_path, server, exim)
        assert provider.sieve is not None
        r = check_one(provider, provider.sieve, user, password, ca_file=server.ca_pem)
        assert r.server_responses[-1] == 'NO "Authentication Error"'
        assert r.cause == "auth_failed"


@pytest.mark.parametrize(
    ("which", "user", "password", "cause"),
    [
        ("cyrus", DISABLED_USER, DISABLED_PASSWORD, "account_disabled"),
        ("cyrus_saslauthd_down", GOOD_USER, GOOD_PASSWORD, "auth_unavailable"),
    ],
    ids=["cyr_deny", "saslauthd-down"],
)
def test_cyrus_sieve_takes_the_reason_imap_gave_on_the_same_server(
    request, exim, tmp_path, which, user, password, cause
):
    server = request.getfixturevalue(which)
    by = _by_service(
        check_all(
            _provider(tmp_path, server, exim),
            user,
            password,
            ca_file=server.ca_pem,
            only=[Service.IMAP, Service.SIEVE],
        )
    )
    assert by[Service.IMAP].cause == cause
    sieve = by[Service.SIEVE]
    assert sieve.server_responses[-1] == 'NO "Authentication Error"'
    assert sieve.cause == cause
    assert "Check the password" not in sieve.advice
    assert any("gave no reason" in line.text for line in sieve.transcript)


def test_exim_that_cannot_read_its_user_database_is_auth_unavailable(
    cyrus, exim_userdb_missing, tmp_path
):
    provider = _provider(tmp_path, cyrus, exim_userdb_missing)
    r = check_one(
        provider, provider.smtp, GOOD_USER, GOOD_PASSWORD, ca_file=exim_userdb_missing.ca_pem
    )
    assert r.server_responses[-1] == "435 Unable to authenticate at present"
    assert r.cause == "auth_unavailable"
    assert "not your password" in r.message
    # Exim writes the line as the connection ends, a moment after the reply.
    wait_until_logged(exim_userdb_missing.log_text, lambda log: "failed to open" in log)


def test_exim_offers_no_login_before_starttls_and_the_check_waits_for_tls(cyrus, exim, tmp_path):
    provider = _provider(tmp_path, cyrus, exim)
    r = check_one(provider, provider.smtp, GOOD_USER, GOOD_PASSWORD, ca_file=exim.ca_pem)
    assert r.ok
    first_ehlo = next(s for s in r.steps if s.name is StepName.CAPABILITIES)
    assert "AUTH" not in first_ehlo.detail
    assert "AUTH PLAIN" in r.capabilities
