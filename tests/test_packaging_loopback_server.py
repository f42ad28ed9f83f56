"""The stand-in server the hosted Windows and macOS jobs run ``diagnose`` against
(packaging/ci/loopback_mail_server.py): the wizard's real checks must pass against it with the
right password, fail with the wrong one as a login failure, and refuse its certificate without
its CA, or that CI step would prove nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "packaging" / "ci"))

import loopback_mail_server as server  # noqa: E402

PASSWORD = 'Tëst "stand-in" \\ 7'


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("loopback")
    listeners = server.start(folder, PASSWORD)
    yield folder
    for listener in listeners:
        listener.sock.close()


def diagnose(folder: Path, password: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != server.PASSWORD_ENV}
    return subprocess.run(
        [sys.executable, "-m", "wizard", "diagnose", server.USER, "--password-stdin", "--json",
         "--provider", str(folder / "provider.xml"), "--timeout", "10", *extra],
        input=password + "\n", capture_output=True, text=True, encoding="utf-8", timeout=60,
        env=env, check=False,
    )  # fmt: skip


def test_every_check_passes_with_the_right_password(stand_in: Path) -> None:
    r = diagnose(stand_in, PASSWORD, "--ca-file", str(stand_in / "ca.pem"))
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert sorted(c["service"] for c in data["checks"]) == ["imap", "sieve", "smtp"]
    assert all(c["ok"] for c in data["checks"]), data
    assert PASSWORD not in r.stdout + r.stderr


def test_a_wrong_password_is_a_login_failure(stand_in: Path) -> None:
    r = diagnose(stand_in, "not the password", "--ca-file", str(stand_in / "ca.pem"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert {c["cause"] for c in json.loads(r.stdout)["checks"]} == {"auth_failed"}


def test_without_its_ca_the_certificate_is_refused(stand_in: Path) -> None:
    r = diagnose(stand_in, PASSWORD, "--only", "imap")
    assert r.returncode == 1, r.stdout + r.stderr
    assert [c["cause"] for c in json.loads(r.stdout)["checks"]] == ["certificate_untrusted"]


def test_the_command_line_needs_the_password_from_the_environment(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != server.PASSWORD_ENV}
    r = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "ci" / "loopback_mail_server.py"),
         "--dir", str(tmp_path), "--lifetime", "0"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert r.returncode == 2 and server.PASSWORD_ENV in r.stderr
    r = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "ci" / "loopback_mail_server.py"),
         "--dir", str(tmp_path), "--lifetime", "0"],
        capture_output=True, text=True, timeout=60, env={**env, server.PASSWORD_ENV: PASSWORD},
        check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ready").is_file() and (tmp_path / "provider.xml").is_file()
    assert PASSWORD not in r.stdout + r.stderr + (tmp_path / "provider.xml").read_text()
