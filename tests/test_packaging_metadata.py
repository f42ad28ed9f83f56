"""What the Finder and Explorer read about the app: the generated Info.plist and the Windows
version resource, parsed back the way the tools that consume them do, and the installer's
rules that must match where the app really keeps its files."""

from __future__ import annotations

import ast
import plistlib
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "packaging"))

import bundle_check  # noqa: E402
import bundle_config as cfg  # noqa: E402

from wizard import APP_NAME, __version__  # noqa: E402


def written_plist(version: str, minimum: str, env: dict[str, str]) -> dict[str, object]:
    """The Info.plist as PyInstaller's BUNDLE writes it: its own keys, ours on top, plistlib."""
    plist: dict[str, object] = {
        "CFBundleDisplayName": cfg.EXE_NAME,
        "CFBundleName": cfg.EXE_NAME,
        "CFBundleIdentifier": "placeholder",
        "CFBundleExecutable": cfg.EXE_NAME,
        "CFBundleIconFile": "app.icns",
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": version,
    }
    plist.update(cfg.info_plist(version, minimum, env))
    loaded = plistlib.loads(plistlib.dumps(plist, fmt=plistlib.FMT_XML))
    assert isinstance(loaded, dict)
    return loaded


def test_info_plist_passes_every_check() -> None:
    plist = written_plist(__version__, "26.0", {})
    assert bundle_check.info_plist_problems(plist, (26, 0, 0)) == []
    assert plist["CFBundleIdentifier"] == cfg.DEFAULT_BUNDLE_ID
    assert plist["NSPrincipalClass"] == "NSApplication"
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleName"] == APP_NAME
    assert plist["LSMinimumSystemVersion"] == "26.0"


def test_a_prerelease_suffix_never_reaches_the_bundle_versions() -> None:
    plist = written_plist("2.1.0rc3", "26.0", {})
    assert plist["CFBundleShortVersionString"] == "2.1.0"
    assert plist["CFBundleVersion"] == "2.1.0"
    assert bundle_check.info_plist_problems(plist, None) == []


def test_bundle_id_and_build_number_come_from_the_environment() -> None:
    env = {"WIZARD_BUNDLE_ID": "org.example.mail", "WIZARD_BUILD_NUMBER": "2.1.417"}
    plist = written_plist("2.1.0", "26.0", env)
    assert plist["CFBundleIdentifier"] == "org.example.mail"
    assert plist["CFBundleVersion"] == "2.1.417"
    with pytest.raises(ValueError, match="WIZARD_BUILD_NUMBER"):
        cfg.info_plist("2.1.0", "26.0", {"WIZARD_BUILD_NUMBER": "2.1.0-beta"})


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("CFBundleShortVersionString", "1.0.0b1", "CFBundleShortVersionString"),
        ("CFBundleIdentifier", "mailsetupwizard", "reverse-DNS"),
        ("NSHighResolutionCapable", False, "blurred"),
        ("NSPrincipalClass", None, "NSPrincipalClass"),
        ("LSMinimumSystemVersion", "eleven", "not a version"),
    ],
)
def test_each_plist_defect_is_named(key: str, value: object, complaint: str) -> None:
    plist = dict(written_plist(__version__, "26.0", {}))
    if value is None:
        del plist[key]
    else:
        plist[key] = value
    problems = bundle_check.info_plist_problems(plist, None)
    assert len(problems) == 1 and complaint in problems[0], problems


# -- Windows version resource ------------------------------------------------------------------

# The constructors PyInstaller's version-file reader knows; it evaluates the file, so nothing
# else may appear in it.
VERSION_FILE_NAMES = {
    "VSVersionInfo",
    "FixedFileInfo",
    "StringFileInfo",
    "StringTable",
    "StringStruct",
    "VarFileInfo",
    "VarStruct",
}


def parse_version_file(text: str) -> tuple[dict[str, object], dict[str, str]]:
    """(FixedFileInfo keywords, the string table) from a PyInstaller version file."""
    tree = ast.parse(text, mode="eval")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    names = {n.func.id for n in calls if isinstance(n.func, ast.Name)}
    assert names <= VERSION_FILE_NAMES, names - VERSION_FILE_NAMES
    fixed = next(n for n in calls if isinstance(n.func, ast.Name) and n.func.id == "FixedFileInfo")
    ffi = {k.arg: ast.literal_eval(k.value) for k in fixed.keywords if k.arg}
    strings = {
        ast.literal_eval(n.args[0]): ast.literal_eval(n.args[1])
        for n in calls
        if isinstance(n.func, ast.Name) and n.func.id == "StringStruct"
    }
    return ffi, strings


def test_windows_version_resource_is_numeric_and_names_the_product() -> None:
    ffi, strings = parse_version_file(cfg.windows_version_file("2.1.0rc3"))
    assert ffi["filevers"] == ffi["prodvers"] == (2, 1, 0, 0)
    assert all(isinstance(n, int) and 0 <= n < 2**16 for n in ffi["filevers"])  # type: ignore[attr-defined]
    assert strings["ProductName"] == APP_NAME
    assert strings["FileDescription"] == APP_NAME
    assert strings["OriginalFilename"] == f"{cfg.EXE_NAME}.exe"
    assert strings["FileVersion"] == "2.1.0rc3"  # the text field may carry the suffix
    assert strings["CompanyName"] == cfg.PUBLISHER


def test_version_resource_of_this_version() -> None:
    ffi, strings = parse_version_file(cfg.windows_version_file(__version__))
    assert ffi["filevers"] == cfg.version_tuple(__version__)
    assert strings["ProductVersion"] == __version__


# -- the installer's rules ---------------------------------------------------------------------


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    text = (REPO / "packaging" / "windows" / "installer.iss").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            continue
        sections.setdefault(current, []).append(line)
    return sections


def test_installer_requires_the_windows_qt6_needs() -> None:
    """Qt 6 supports Windows 10 1809 (build 17763) and later; 10.0 alone would admit 1507."""
    setup = dict(line.split("=", 1) for line in iss_sections()["Setup"] if "=" in line)
    assert setup["MinVersion"] == "10.0.17763"


def test_uninstall_removes_the_folder_the_app_really_writes(monkeypatch) -> None:
    """platformdirs' user_config_dir on Windows, as wizard.account.store calls it, is under
    %LOCALAPPDATA% (not roaming); the uninstaller must delete that very folder."""
    import platformdirs.windows

    from wizard import resources
    from wizard.account import store as account_store

    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda csidl: f"<{csidl}>")
    where = platformdirs.windows.Windows(account_store.APP_DIR_NAME, appauthor=False)
    # (joined with this OS's separator: the parts are what matters)
    parts = Path(where.user_config_dir).parts
    assert parts == ("<CSIDL_LOCAL_APPDATA>", account_store.APP_DIR_NAME), parts
    assert resources.APP_DIR_NAME == account_store.APP_DIR_NAME
    rules = iss_sections()["UninstallDelete"]
    wanted = f'Type: filesandordirs; Name: "{{localappdata}}\\{account_store.APP_DIR_NAME}"'
    assert wanted in rules, rules
    assert not any("{userappdata}" in rule for rule in rules), rules
