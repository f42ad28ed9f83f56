"""Helper programs are found by absolute path, never in the current folder (issue 28 item 7,
finding 9: on Windows ``openssl`` could be resolved from the current directory)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_mobileconfig import needs_openssl
from wizard.mobileconfig import SigningError, SigningIdentity, sign_profile
from wizard.programs import find_program


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_the_current_folder_and_relative_path_entries_are_never_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    planted = executable(tmp_path / "work" / "openssl")
    monkeypatch.chdir(planted.parent)
    for search in ("", ".", "work", f".{os.pathsep}", f"{os.pathsep}"):
        monkeypatch.chdir(tmp_path if search == "work" else planted.parent)
        assert find_program("openssl", path=search) is None, search


def test_an_absolute_path_entry_is_found_and_returned_absolute(tmp_path: Path):
    real = executable(tmp_path / "bin" / "openssl")
    found = find_program("openssl", path=f"relative{os.pathsep}{real.parent}")
    assert found == real and found.is_absolute()


def test_a_file_that_is_not_executable_is_skipped(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "openssl").write_text("not a program")
    real = executable(tmp_path / "b" / "openssl")
    assert find_program("openssl", path=f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}") == real


@pytest.mark.parametrize("name", ["./openssl", "bin/openssl", r"..\openssl.exe", "", ".."])
def test_a_name_with_a_folder_is_refused(name: str):
    assert find_program(name, path="/usr/bin") is None


def test_windows_rules_skip_relative_entries_and_use_pathext(tmp_path: Path):
    """Windows' PATH (``;``, drive-absolute folders, PATHEXT) walked on Linux by keywords."""
    folder = tmp_path / "Program Files" / "OpenSSL" / "bin"
    folder.mkdir(parents=True)
    (folder / "openssl.exe").write_text("MZ")
    # On Linux a tmp path is not drive-absolute for Windows, so nothing counts as absolute:
    assert find_program("openssl", path=str(folder), platform="win32", pathext=[".EXE"]) is None
    assert find_program("openssl", path=".;bin", platform="win32", pathext=[".EXE"]) is None


def test_signing_refuses_a_relative_openssl(tmp_path: Path):
    identity = SigningIdentity(tmp_path / "c.pem", tmp_path / "k.pem")
    identity.certificate.write_text("x")
    identity.key.write_text("x")
    with pytest.raises(SigningError, match="not an absolute path"):
        sign_profile(b"data", identity, openssl="openssl")


def test_signing_without_openssl_on_path_says_the_current_folder_is_not_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    executable(tmp_path / "openssl")  # planted in the current folder
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f".{os.pathsep}")
    identity = SigningIdentity(tmp_path / "c.pem", tmp_path / "k.pem")
    identity.certificate.write_text("x")
    identity.key.write_text("x")
    with pytest.raises(SigningError, match="current folder is never searched"):
        sign_profile(b"data", identity)


@needs_openssl
def test_the_system_openssl_is_found_by_absolute_path():
    found = find_program("openssl")
    assert found is not None and found.is_absolute()


def test_windows_finds_the_exe_in_a_drive_absolute_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # "C:\Tools" is an ordinary (odd) folder name on Linux: made in tmp_path to stand in.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "C:\\Tools").mkdir()
    (tmp_path / "C:\\Tools" / "openssl.exe").write_text("MZ")
    (tmp_path / "openssl.exe").write_text("MZ")  # the current folder: never
    found = find_program("openssl", path=".;C:\\Tools", platform="win32", pathext=[".COM", ".EXE"])
    assert found == Path("C:\\Tools") / "openssl.exe"
