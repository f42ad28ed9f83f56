"""Finding Thunderbird profiles from profiles.ini, with an injected home folder."""

from __future__ import annotations

import os
from pathlib import Path

from wizard.clients.thunderbird import ProfileSearch, SearchStatus, find_profiles


def _profile(base: Path, rel: str, *, prefs_mtime: float | None = None) -> Path:
    folder = base.joinpath(*rel.split("/"))
    folder.mkdir(parents=True)
    if prefs_mtime is not None:
        prefs = folder / "prefs.js"
        prefs.write_text("// Mozilla User Preferences\n")
        os.utime(prefs, (prefs_mtime, prefs_mtime))
    return folder


def _find_linux(home: Path) -> ProfileSearch:
    return find_profiles(home=home, platform="linux", environ={})


def test_the_installation_default_is_preferred_over_default_1(tmp_path: Path) -> None:
    base = tmp_path / ".thunderbird"
    old = _profile(base, "Profiles/old.default", prefs_mtime=2000)
    esr = _profile(base, "Profiles/x1.default-esr", prefs_mtime=1000)
    (base / "profiles.ini").write_text(
        "[Install4F96D1932A9F858E]\nDefault=Profiles/x1.default-esr\nLocked=1\n\n"
        "[Profile1]\nName=default\nIsRelative=1\nPath=Profiles/old.default\nDefault=1\n\n"
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=Profiles/x1.default-esr\n\n"
        "[General]\nStartWithLastProfile=1\nVersion=2\n"
    )
    search = _find_linux(tmp_path)
    assert search.status is SearchStatus.FOUND
    assert search.preferred is not None
    assert search.preferred.path == esr
    assert search.preferred.install_default
    assert [p.path for p in search.profiles] == [esr, old]  # preferred first, all returned
    assert sum(p.preferred for p in search.profiles) == 1


def test_without_install_section_default_1_decides(tmp_path: Path) -> None:
    base = tmp_path / ".thunderbird"
    _profile(base, "a.one", prefs_mtime=5000)
    marked = _profile(base, "b.two", prefs_mtime=10)
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=one\nIsRelative=1\nPath=a.one\n\n"
        "[Profile1]\nName=two\nIsRelative=1\nPath=b.two\nDefault=1\n"
    )
    search = _find_linux(tmp_path)
    assert search.preferred is not None
    assert search.preferred.path == marked
    assert search.preferred.name == "two"
    assert len(search.profiles) == 2


def test_an_absolute_path_outside_thunderbirds_folders_is_shown_not_used_as_default(
    tmp_path: Path,
) -> None:
    base = tmp_path / ".thunderbird"
    base.mkdir()
    elsewhere = _profile(tmp_path, "elsewhere/work")  # no prefs.js yet
    (base / "profiles.ini").write_text(
        f"[Profile0]\nName=work\nIsRelative=0\nPath={elsewhere}\nDefault=1\n"
    )
    search = _find_linux(tmp_path)
    assert search.found and search.preferred is None
    assert [p.path for p in search.profiles] == [elsewhere]
    assert search.profiles[0].outside and not search.profiles[0].has_prefs
    assert "outside Thunderbird's folders" in search.profiles[0].label
    assert str(elsewhere) in search.message and any(str(elsewhere) in p for p in search.problems)


def test_an_outside_profile_never_wins_over_one_in_thunderbirds_folder(tmp_path: Path) -> None:
    base = tmp_path / ".thunderbird"
    mine = _profile(base, "Profiles/mine", prefs_mtime=10)
    planted = _profile(tmp_path, "usb/planted", prefs_mtime=99999)
    (base / "profiles.ini").write_text(
        f"[Install4F96D1932A9F858E]\nDefault={planted}\n\n"
        f"[Profile0]\nName=planted\nIsRelative=0\nPath={planted}\nDefault=1\n\n"
        "[Profile1]\nName=mine\nIsRelative=1\nPath=Profiles/mine\n"
    )
    search = _find_linux(tmp_path)
    assert search.preferred is not None and search.preferred.path == mine
    assert [p.path for p in search.profiles] == [mine, planted]


def test_an_absolute_path_inside_thunderbirds_folder_is_an_ordinary_profile(
    tmp_path: Path,
) -> None:
    base = tmp_path / ".thunderbird"
    inside = _profile(base, "Profiles/abs", prefs_mtime=1)
    (base / "profiles.ini").write_text(f"[Profile0]\nName=abs\nIsRelative=0\nPath={inside}\n")
    search = _find_linux(tmp_path)
    assert search.preferred is not None and search.preferred.path == inside
    assert not search.preferred.outside


def test_profiles_whose_folder_is_gone_are_left_out(tmp_path: Path) -> None:
    base = tmp_path / ".thunderbird"
    real = _profile(base, "real", prefs_mtime=1)
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=gone\nIsRelative=1\nPath=gone\nDefault=1\n\n"
        "[Profile1]\nName=real\nIsRelative=1\nPath=real\n"
    )
    search = _find_linux(tmp_path)
    assert [p.path for p in search.profiles] == [real]


def test_snap_flatpak_and_deb_profiles_are_all_found_most_recent_preferred(tmp_path: Path) -> None:
    deb = tmp_path / ".thunderbird"
    snap = tmp_path / "snap" / "thunderbird" / "common" / ".thunderbird"
    flatpak = tmp_path / ".var" / "app" / "org.mozilla.Thunderbird" / ".thunderbird"
    for base, mtime in ((deb, 100), (snap, 300), (flatpak, 200)):
        _profile(base, "p.default", prefs_mtime=mtime)
        (base / "profiles.ini").write_text(
            "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\nDefault=1\n"
        )
    search = _find_linux(tmp_path)
    assert len(search.profiles) == 3
    assert search.preferred is not None
    assert search.preferred.base == snap
    assert "Snap" in search.preferred.label


def test_windows_uses_appdata(tmp_path: Path) -> None:
    appdata = tmp_path / "AppData" / "Roaming"
    base = appdata / "Thunderbird"
    profile = _profile(base, "Profiles/abc.default-esr", prefs_mtime=1)
    (base / "profiles.ini").write_text(
        "[Install6F193CCC56814779]\nDefault=Profiles/abc.default-esr\n\n"
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=Profiles/abc.default-esr\n"
    )
    search = find_profiles(home=tmp_path / "nobody", appdata=appdata, platform="win32")
    assert search.preferred is not None
    assert search.preferred.path == profile


def test_macos_uses_library_thunderbird(tmp_path: Path) -> None:
    base = tmp_path / "Library" / "Thunderbird"
    profile = _profile(base, "Profiles/abc.default", prefs_mtime=1)
    (base / "profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/abc.default\nDefault=1\n"
    )
    search = find_profiles(home=tmp_path, platform="darwin")
    assert search.preferred is not None
    assert search.preferred.path == profile


def test_an_install_default_missing_from_the_profile_list_still_counts(tmp_path: Path) -> None:
    base = tmp_path / ".thunderbird"
    orphan = _profile(base, "Profiles/orphan", prefs_mtime=1)
    (base / "profiles.ini").write_text("[InstallABC]\nDefault=Profiles/orphan\n")
    search = _find_linux(tmp_path)
    assert search.preferred is not None
    assert search.preferred.path == orphan


def test_no_thunderbird_says_what_to_do(tmp_path: Path) -> None:
    search = _find_linux(tmp_path)
    assert search.status is SearchStatus.NO_THUNDERBIRD
    assert not search.found
    assert search.preferred is None
    assert "Install Thunderbird and start it once" in search.message
    assert "settings table" in search.message
    assert tmp_path / ".thunderbird" in search.searched


def test_thunderbird_folder_without_profiles_says_start_it_once(tmp_path: Path) -> None:
    (tmp_path / ".thunderbird" / "Crash Reports").mkdir(parents=True)
    search = _find_linux(tmp_path)
    assert search.status is SearchStatus.NO_PROFILE
    assert "no profile yet" in search.message
    assert "start it once" in search.message


def test_an_unreadable_profiles_ini_is_reported_not_raised(tmp_path: Path) -> None:
    base = tmp_path / ".thunderbird"
    base.mkdir()
    (base / "profiles.ini").write_text("Path=no section header\n")
    search = _find_linux(tmp_path)
    assert search.status is SearchStatus.NO_PROFILE
    assert "profiles.ini cannot be read" in search.message
