"""Files the app writes never follow a link it did not create and never leave their folder
(issue 28 item 7: the handout, the configuration profile, the remembered settings)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.memory_keyring import MemoryKeyring
from wizard.account.store import AccountStore, RememberedAccount
from wizard.handout import handout_stem, write_handout, write_html
from wizard.handout.content import build_handout
from wizard.mobileconfig import profile_bytes, write_profile
from wizard.provider import load_default_provider
from wizard.safe_files import UnsafeTarget, atomic_write_bytes, check_target

ADDRESS = "joe.bloggs@sepheo.co"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file elsewhere that a planted link points at; it must never change."""
    target = tmp_path / "elsewhere" / "victim.txt"
    target.parent.mkdir()
    target.write_text("precious", encoding="utf-8")
    return target


def plant(link: Path, target: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


def test_the_handout_html_refuses_a_planted_link_and_leaves_its_target(
    tmp_path: Path, victim: Path
):
    out = tmp_path / "out"
    link = plant(out / f"{handout_stem(ADDRESS)}.html", victim)
    handout = build_handout(load_default_provider(), ADDRESS, "Joe")
    with pytest.raises(UnsafeTarget, match="symbolic link"):
        write_html(handout, link)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert link.is_symlink()


def test_a_dangling_link_never_creates_a_file_outside_the_folder(tmp_path: Path):
    out = tmp_path / "out"
    outside = tmp_path / "outside" / "created.html"
    outside.parent.mkdir()
    link = plant(out / f"{handout_stem(ADDRESS)}.html", outside)
    with pytest.raises(UnsafeTarget):
        write_html(build_handout(load_default_provider(), ADDRESS, "Joe"), link)
    assert not outside.exists()


@pytest.mark.gui  # the PDF is drawn with Qt
def test_the_handout_pdf_refuses_a_planted_link(qapp: object, tmp_path: Path, victim: Path):
    out = tmp_path / "out"
    plant(out / f"{handout_stem(ADDRESS)}.pdf", victim)
    with pytest.raises(OSError, match="symbolic link"):
        write_handout(load_default_provider(), ADDRESS, "Joe", out, ["thunderbird"])
    assert victim.read_text(encoding="utf-8") == "precious"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no temporaries


@pytest.mark.gui
def test_the_handout_is_written_in_one_step_when_nothing_is_planted(qapp: object, tmp_path: Path):
    out = tmp_path / "out"
    files = write_handout(load_default_provider(), ADDRESS, "Joe", out, ["thunderbird"])
    assert files.pdf.read_bytes().startswith(b"%PDF")
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in out.iterdir()) == sorted([files.pdf.name, files.html.name])


def test_the_configuration_profile_refuses_a_planted_link(tmp_path: Path, victim: Path):
    link = plant(tmp_path / "out" / "joe.mobileconfig", victim)
    with pytest.raises(UnsafeTarget):
        write_profile(link, load_default_provider(), ADDRESS, "Joe")
    assert victim.read_text(encoding="utf-8") == "precious"


def test_the_configuration_profile_replaces_an_old_one_in_one_step(tmp_path: Path):
    path = tmp_path / "joe.mobileconfig"
    path.write_bytes(b"old")
    old_inode = path.stat().st_ino
    write_profile(path, load_default_provider(), ADDRESS, "Joe")
    assert path.read_bytes() == profile_bytes(load_default_provider(), ADDRESS, "Joe")
    assert path.stat().st_ino != old_inode  # a new file renamed into place, not rewritten


def test_the_remembered_settings_refuse_a_planted_link(tmp_path: Path, victim: Path):
    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())
    plant(store.path, victim)
    acct = RememberedAccount(ADDRESS, "Joe", "sepheo.co", None, None)
    with pytest.raises(UnsafeTarget):
        store.save(acct)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert store.path.is_symlink()


def test_a_folder_or_device_in_the_files_place_is_refused(tmp_path: Path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(UnsafeTarget, match="not a regular file"):
        atomic_write_bytes(tmp_path / "taken", b"x")
    with pytest.raises(UnsafeTarget, match="not a regular file"):
        check_target(Path(os.devnull))


def test_a_file_outside_the_folder_meant_is_refused(tmp_path: Path):
    (tmp_path / "a").mkdir()
    with pytest.raises(UnsafeTarget, match="is not in"):
        atomic_write_bytes(tmp_path / "a" / ".." / "b.txt", b"x", folder=tmp_path / "a")
    assert not (tmp_path / "b.txt").exists()


def test_the_apps_own_folder_as_a_planted_link_is_refused(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plant(tmp_path / "config", elsewhere)
    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())
    with pytest.raises(UnsafeTarget, match="symbolic link"):
        store.save(RememberedAccount(ADDRESS, "Joe", "sepheo.co", None, None))
    assert list(elsewhere.iterdir()) == []
