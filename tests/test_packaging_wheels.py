"""The macOS and Windows bundles' binaries, checked on Linux from the wheels they are built from.

The wheels are the ones ``packaging/constraints.txt`` pins, fetched from PyPI with
``pip download --platform`` into ``build/packaging-wheels/`` (reused between runs). What the
spec would bundle is worked out as it does: the Qt extension modules the app imports, the Qt
plugins ``bundle_config`` keeps, and what they link, transitively.

* macOS: ``LSMinimumSystemVersion`` must not be below the highest ``minos`` of any of those
  binaries (dyld refuses a library built for a newer macOS), and the README must say the same.
* Windows: every DLL they import must be bundled or part of Windows itself, and none may be
  one the spec drops: a missing ``qwindows.dll`` dependency would only show on a user's desk.
"""

from __future__ import annotations

import ast
import os
import re
import struct
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "packaging"))

import bundle_check  # noqa: E402
import bundle_config as cfg  # noqa: E402
import wheel_cache  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"


def _imported_qt_modules() -> set[str]:
    """The PySide6 modules wizard/ imports (the spec's import scan finds exactly these)."""
    found: set[str] = set()
    for path in (REPO / "wizard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6."):
                found.add(node.module.split(".")[1])  # type: ignore[union-attr]
            elif isinstance(node, ast.Import):
                found.update(
                    a.name.split(".")[1] for a in node.names if a.name.startswith("PySide6.")
                )
    return found


def _wheels(target: str) -> wheel_cache.WheelSet:
    try:
        return wheel_cache.WheelSet(wheel_cache.fetch(target))
    except wheel_cache.WheelsUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI=true but the wheels could not be fetched: {exc}")
        pytest.skip(str(exc))


def _roots(wheels: wheel_cache.WheelSet, platform: str, suffix: str) -> list[str]:
    modules = {f"PySide6/{m}{suffix}" for m in _imported_qt_modules()}
    modules.add(f"shiboken6/Shiboken{suffix}")
    binary = (".dll", ".dylib", ".so")
    plugins = [
        m
        for m in wheels.members
        if "/plugins/" in m
        and m.endswith(binary)
        and cfg.keep_qt_file(m)
        and not cfg.dropped_library(m, platform)
    ]
    roots = sorted(modules & set(wheels.members)) + sorted(plugins)
    assert len(modules & set(wheels.members)) == len(modules), sorted(modules)
    return roots


def _dropped_by_spec(platform: str):  # type: ignore[no-untyped-def]
    return lambda member: cfg.dropped_library(member, platform) or not cfg.keep_qt_file(member)


@pytest.fixture(scope="module")
def mac_bundle() -> tuple[wheel_cache.WheelSet, wheel_cache.Closure]:
    wheels = _wheels("macos-arm64")
    roots = _roots(wheels, "darwin", ".abi3.so")
    found = wheel_cache.closure(
        wheels,
        roots,
        bundle_check.macho_dylibs,
        bundle_check.is_macos_system_library,
        _dropped_by_spec("darwin"),
        wheels.members,
    )
    return wheels, found


@pytest.fixture(scope="module")
def windows_bundle() -> tuple[wheel_cache.WheelSet, wheel_cache.Closure]:
    wheels = _wheels("windows")
    roots = _roots(wheels, "win32", ".pyd")
    found = wheel_cache.closure(
        wheels,
        roots,
        bundle_check.pe_imports,
        # PyInstaller always ships the interpreter's python3.dll beside these.
        lambda n: bundle_check.is_windows_system_dll(n) or n.casefold() == "python3.dll",
        _dropped_by_spec("win32"),
        [m for m in wheels.members if m.endswith((".dll", ".pyd"))],
    )
    return wheels, found


def test_the_mac_bundle_carries_the_qt_frameworks_and_the_cocoa_plugin(mac_bundle) -> None:
    _, found = mac_bundle
    for name in ("QtCore", "QtGui", "QtWidgets"):
        assert f"PySide6/Qt/lib/{name}.framework/Versions/A/{name}" in found.reached
    assert "PySide6/Qt/plugins/platforms/libqcocoa.dylib" in found.reached
    assert not found.unresolved, found.unresolved
    assert not found.dropped, found.dropped


def test_lsminimumsystemversion_covers_every_bundled_binary(mac_bundle) -> None:
    wheels, found = mac_bundle
    paths = [str(wheels.path(m)) for m in found.reached]
    derived = cfg.macos_minimum(paths)
    plist = cfg.info_plist(cfg.read_version(), derived, {})
    # Read each binary again, one by one: none may need a newer macOS than the plist allows.
    declared = bundle_check.parse_version(str(plist["LSMinimumSystemVersion"]))
    per_file = {m: bundle_check.macho_minos(wheels.path(m)) for m in found.reached}
    assert all(v is not None for v in per_file.values()), per_file
    too_new = {m: v for m, v in per_file.items() if v is not None and v > declared}
    assert not too_new, too_new
    assert bundle_check.info_plist_problems(plist, max(v for v in per_file.values() if v)) == []
    # The Qt frameworks alone would allow an older macOS than the bindings do.
    qtcore = per_file["PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore"]
    assert qtcore is not None and qtcore <= declared
    print(f"LSMinimumSystemVersion {derived} (QtCore framework {qtcore})")


def test_the_old_fixed_minimum_is_refused(mac_bundle) -> None:
    """The issue's defect: 11.0 in the plist while the binaries need more."""
    wheels, found = mac_bundle
    needed = bundle_check.highest_minos(wheels.path(m) for m in found.reached)
    assert needed is not None
    plist = cfg.info_plist(cfg.read_version(), "11.0", {})
    problems = bundle_check.info_plist_problems(plist, needed[0])
    assert any("LSMinimumSystemVersion 11.0 is below" in p for p in problems), problems
    with pytest.raises(ValueError, match="WIZARD_MACOS_MIN=11.0 is below"):
        cfg.macos_minimum([needed[1]], "11.0")


def test_the_readme_states_the_minimum_macos_the_binaries_need(mac_bundle) -> None:
    wheels, found = mac_bundle
    derived = cfg.macos_minimum([str(wheels.path(m)) for m in found.reached])
    text = (REPO / "packaging" / "README.md").read_text(encoding="utf-8")
    stated = re.findall(r"macOS (\d+(?:\.\d+)*) or later", text)
    assert stated, "packaging/README.md must say which macOS the app needs"
    assert set(stated) == {derived}, (stated, derived)


def test_the_top_readme_and_the_macos_runners_match_the_minimum(mac_bundle) -> None:
    """What people are told (README.md) is what the binaries need, and the hosted macOS jobs
    run the app on exactly that macOS: the oldest one it claims is the one it is tried on."""
    wheels, found = mac_bundle
    derived = cfg.macos_minimum([str(wheels.path(m)) for m in found.reached])
    text = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.findall(r"macOS (\d+(?:\.\d+)*) or later", text)
    assert stated, "README.md must say which macOS the app needs"
    wanted = bundle_check.parse_version(derived)
    assert {bundle_check.parse_version(s) for s in stated} == {wanted}, (stated, derived)
    workflow = (REPO / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    runners = dict(re.findall(r"- runner: (macos-\S+)\n\s+arch: (\S+)", workflow))
    major = derived.split(".")[0]
    assert runners == {f"macos-{major}": "arm64", f"macos-{major}-intel": "x86_64"}, runners


def test_each_os_reads_the_qt_pins_its_markers_select(tmp_path: Path) -> None:
    """The macOS checks must read the wheels pip installs on a Mac, not the first pin listed."""
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        "# header\n"
        'PySide6_Essentials==6.11.3 ; sys_platform == "darwin"\n'
        "PySide6-Essentials==6.12.0 ; sys_platform != 'darwin'  # the rest\n"
        'shiboken6==6.11.3 ; sys_platform == "darwin"\n'
        'shiboken6==6.12.0 ; sys_platform != "darwin"\n'
        "pytest==9.2.0\n",
        encoding="utf-8",
    )
    mac = {"PySide6_Essentials": "6.11.3", "shiboken6": "6.11.3"}
    assert wheel_cache.pinned_versions("macos-arm64", constraints) == mac
    assert wheel_cache.pinned_versions("macos-x86_64", constraints) == mac
    assert wheel_cache.pinned_versions("windows", constraints) == {
        "PySide6_Essentials": "6.12.0",
        "shiboken6": "6.12.0",
    }
    constraints.write_text(
        "PySide6_Essentials==6.11.3\nPySide6_Essentials==6.12.0\nshiboken6==6.12.0\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="pins PySide6_Essentials twice for windows"):
        wheel_cache.pinned_versions("windows", constraints)


def test_intel_and_apple_silicon_builds_come_from_the_same_universal2_wheels(mac_bundle) -> None:
    """Both dmgs are built from the same wheels, whose binaries carry both slices, each with
    the same minimum: one LSMinimumSystemVersion is right for both."""
    from macholib import mach_o
    from macholib.MachO import MachO

    wheels, found = mac_bundle
    intel = wheel_cache.fetch("macos-x86_64")
    assert sorted(p.name for p in intel) == sorted(p.name for p in wheels.wheels)
    for member in ("PySide6/QtCore.abi3.so", "PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore"):
        slices = {}
        for header in MachO(str(wheels.path(member))).headers:
            arch = mach_o.CPU_TYPE_NAMES.get(header.header.cputype)
            minos = [
                bundle_check.unpack_version(cmd.minos)
                for lc, cmd, _ in header.commands
                if lc.cmd == mach_o.LC_BUILD_VERSION
            ]
            slices[arch] = minos
        assert set(slices) == {"x86_64", "ARM64"}, slices
        assert slices["x86_64"] == slices["ARM64"], slices


def test_windows_qt_imports_are_bundled_or_part_of_windows(windows_bundle) -> None:
    _, found = windows_bundle
    assert "PySide6/plugins/platforms/qwindows.dll" in found.reached
    assert {"PySide6/Qt6Core.dll", "PySide6/Qt6Gui.dll", "PySide6/Qt6Widgets.dll"} <= set(
        found.reached
    )
    assert not found.unresolved, found.unresolved
    assert not found.dropped, found.dropped


def test_windows_bundle_needs_no_opengl_software_renderer(windows_bundle) -> None:
    """opengl32sw.dll (20 MB) is dropped by the spec; nothing may import it."""
    wheels, found = windows_bundle
    imports = {
        name.casefold() for m in found.reached for name in bundle_check.pe_imports(wheels.path(m))
    }
    assert "opengl32sw.dll" not in imports
    assert not any(cfg.dropped_library(name, "win32") for name in imports), imports


def test_a_missing_import_is_reported() -> None:
    """The closure names the binary and the DLL when a dependency is neither bundled nor
    Windows' own, as it would for a plugin whose library the spec forgot."""
    available = {"qwindows": "plugins/platforms/qwindows.dll", "qt6gui": "Qt6Gui.dll"}
    imports = {"qwindows": ["Qt6Gui.dll", "KERNEL32.dll", "Qt6Network.dll"], "qt6gui": []}
    reached, gaps = bundle_check.pe_closure(["qwindows.dll"], available, imports)
    assert reached == {"qwindows", "qt6gui"}
    assert gaps == [bundle_check.ImportGap("plugins/platforms/qwindows.dll", "Qt6Network.dll")]


def _macho(load_commands: list[bytes]) -> bytes:
    """A minimal thin arm64 Mach-O header with the given load commands."""
    body = b"".join(load_commands)
    header = struct.pack("<IiiIIII", 0xFEEDFACF, 0x0100000C, 0, 6, len(load_commands), len(body), 0)
    return header + struct.pack("<I", 0) + body


def test_both_minimum_version_load_commands_are_read(tmp_path: Path) -> None:
    build_version = struct.pack("<IIIIII", 0x32, 24, 1, (15 << 16) | (2 << 8), 15 << 16, 0)
    old_style = struct.pack("<IIII", 0x24, 16, (10 << 16) | (13 << 8), 10 << 16)
    new, old = tmp_path / "new.dylib", tmp_path / "old.dylib"
    new.write_bytes(_macho([build_version]))
    old.write_bytes(_macho([old_style]))
    assert bundle_check.macho_minos(new) == (15, 2, 0)
    assert bundle_check.macho_minos(old) == (10, 13, 0)
    assert bundle_check.highest_minos([old, new, tmp_path / "new.dylib"]) == ((15, 2, 0), str(new))


def test_the_release_job_refuses_an_unsigned_executable(windows_bundle, tmp_path: Path) -> None:
    """bundle_check.py signed: Qt's DLLs carry a signature; the same file with its certificate
    table removed (as an unsigned build would be) is refused."""
    import pefile

    wheels, _ = windows_bundle
    signed = wheels.path("PySide6/plugins/platforms/qwindows.dll")
    assert bundle_check.has_authenticode_signature(signed)
    pe = pefile.PE(str(signed))
    security = pe.OPTIONAL_HEADER.DATA_DIRECTORY[
        pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_SECURITY"]
    ]
    security.VirtualAddress, security.Size = 0, 0
    unsigned = tmp_path / "unsigned.dll"
    pe.write(str(unsigned))
    pe.close()
    assert not bundle_check.has_authenticode_signature(unsigned)
    assert bundle_check.main(["signed", str(signed)]) == 0
    assert bundle_check.main(["signed", str(signed), str(unsigned)]) == 1


def _onedir_from(wheels: wheel_cache.WheelSet, members: list[str], folder: Path) -> Path:
    """A Windows onedir laid out as PyInstaller would, from the wheels' files."""
    import shutil

    for member in members:
        target = folder / "_internal" / member
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wheels.path(member), target)
    return folder


def test_onedir_check_passes_a_complete_bundle(windows_bundle, tmp_path: Path) -> None:
    """What build.ps1 runs on the real onedir, here on the spec's Qt part of it: every import
    resolves, and a version resource is read back with numeric versions and a product name."""
    wheels, found = windows_bundle
    onedir = _onedir_from(wheels, found.reached, tmp_path / "mail-setup-wizard")
    exe = "_internal/PySide6/Qt6Core.dll"  # a PE with a version resource, standing in for ours
    assert bundle_check.check_onedir(onedir, [exe]) == []
    info = bundle_check.pe_version_info(onedir / exe)
    assert info["FileVersion#"] == info["ProductVersion#"]
    pinned = wheel_cache.pinned_versions("windows")["PySide6_Essentials"]
    assert info["FileVersion#"].startswith(pinned)


def test_onedir_check_names_the_plugin_whose_library_is_missing(
    windows_bundle, tmp_path: Path
) -> None:
    wheels, found = windows_bundle
    members = [m for m in found.reached if m != "PySide6/Qt6Gui.dll"]
    onedir = _onedir_from(wheels, members, tmp_path / "mail-setup-wizard")
    problems = bundle_check.check_onedir(onedir, [])
    assert any(
        p.startswith(str(Path("_internal/PySide6/plugins/platforms/qwindows.dll")))
        and "Qt6Gui.dll" in p
        for p in problems
    ), problems


def test_app_check_reads_a_bundle_like_the_finder(tmp_path: Path) -> None:
    """bundle_check.py macos on an .app: Info.plist against every Mach-O file inside."""
    import plistlib

    app = tmp_path / "Mail Setup Wizard.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    (app / "Contents" / "Frameworks").mkdir()
    build_version = struct.pack("<IIIIII", 0x32, 24, 1, 26 << 16, 26 << 16, 0)
    (app / "Contents" / "MacOS" / cfg.EXE_NAME).write_bytes(_macho([build_version]))
    (app / "Contents" / "Frameworks" / "libx.dylib").write_bytes(_macho([build_version]))
    plist = {**cfg.info_plist("1.2.3", "26.0", {}), "CFBundleExecutable": cfg.EXE_NAME}
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps(plist))
    assert bundle_check.check_app(app) == []
    plist["LSMinimumSystemVersion"] = "15.0"
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps(plist))
    problems = bundle_check.check_app(app)
    assert len(problems) == 1 and "below 26.0" in problems[0], problems
