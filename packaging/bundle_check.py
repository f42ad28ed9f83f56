"""Checks of what a build really ships, readable on any OS: Mach-O minimum OS versions, PE
imports, Info.plist keys and the Windows version resource.

Two users. The spec derives ``LSMinimumSystemVersion`` from the bundled Mach-O files
(:func:`highest_minos`). The tests (``tests/test_packaging_*.py``) run the same readers on
Linux against the macOS and Windows wheels that ``packaging/constraints.txt`` pins, and the
hosted workflow runs this file on the finished ``.app`` and onedir:

    python packaging/bundle_check.py macos "dist/Mail Setup Wizard.app"
    python packaging/bundle_check.py windows dist/mail-setup-wizard

Exit status 0 when every check passed, 1 with one line per problem otherwise.

macholib and pefile are the libraries PyInstaller itself reads these formats with (it depends
on macholib on macOS and pefile on Windows); both are pure Python, so the checks run anywhere.
"""

from __future__ import annotations

import argparse
import plistlib
import re
import struct
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

Version = tuple[int, int, int]

# -- Mach-O ------------------------------------------------------------------------------------

_MACHO_MAGICS = {
    0xFEEDFACE,
    0xFEEDFACF,  # thin 32/64-bit
    0xCEFAEDFE,
    0xCFFAEDFE,  # the same, byte-swapped
    0xCAFEBABE,
    0xCAFEBABF,  # fat (universal)
}
_PLATFORM_MACOS = 1  # LC_BUILD_VERSION platform; iOS and the rest never load here


def looks_like_macho(head: bytes) -> bool:
    """True for a thin or universal Mach-O header (the first four bytes)."""
    return len(head) >= 4 and struct.unpack(">I", head[:4])[0] in _MACHO_MAGICS


def unpack_version(packed: int) -> Version:
    """Mach-O's xxxx.yy.zz nibble-packed version."""
    return packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF


def parse_version(text: str) -> Version:
    """``"14.4"`` → ``(14, 4, 0)``; anything but one to three dot-separated numbers is refused."""
    if not re.fullmatch(r"\d+(\.\d+){0,2}", text):
        raise ValueError(f"not a numeric version: {text!r}")
    numbers = [int(part) for part in text.split(".")] + [0, 0]
    return numbers[0], numbers[1], numbers[2]


def format_version(version: Version) -> str:
    """``(14, 4, 0)`` → ``"14.4"``, ``(26, 0, 0)`` → ``"26.0"``."""
    major, minor, patch = version
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def macho_minos(path: str | Path) -> Version | None:
    """The highest macOS minimum any architecture slice of ``path`` declares, or None.

    ``LC_BUILD_VERSION`` (minos, since the 10.14 SDK) or the older ``LC_VERSION_MIN_MACOSX``.
    None for files that are not loadable Mach-O (a universal static archive, say) or that
    declare no macOS minimum.
    """
    from macholib import mach_o
    from macholib.MachO import MachO

    try:
        binary = MachO(str(path))
    except ValueError:  # e.g. a fat file of static archives ("!<arch>"): never loaded by dyld
        return None
    best: Version | None = None
    for header in binary.headers:
        for load_command, command, _ in header.commands:
            if load_command.cmd == mach_o.LC_BUILD_VERSION:
                if command.platform != _PLATFORM_MACOS:
                    continue
                found = unpack_version(command.minos)
            elif load_command.cmd == mach_o.LC_VERSION_MIN_MACOSX:
                found = unpack_version(command.version)
            else:
                continue
            best = found if best is None else max(best, found)
    return best


def macho_dylibs(path: str | Path) -> list[str]:
    """The libraries ``path`` links (LC_LOAD_DYLIB and its weak/re-export/lazy kin), every
    architecture slice together; empty for files macholib cannot read as loadable Mach-O."""
    from macholib import mach_o
    from macholib.MachO import MachO

    kinds = {
        mach_o.LC_LOAD_DYLIB,
        mach_o.LC_LOAD_WEAK_DYLIB,
        mach_o.LC_REEXPORT_DYLIB,
        mach_o.LC_LAZY_LOAD_DYLIB,
        mach_o.LC_LOAD_UPWARD_DYLIB,
    }
    try:
        binary = MachO(str(path))
    except ValueError:
        return []
    names: list[str] = []
    for header in binary.headers:
        for load_command, _, data in header.commands:
            if load_command.cmd in kinds:
                name = data.rstrip(b"\0").decode("utf-8", "replace")
                if name not in names:
                    names.append(name)
    return names


def is_macos_system_library(name: str) -> bool:
    """Libraries every Mac has (the dyld shared cache); the bundle never carries them."""
    return name.startswith(("/usr/lib/", "/System/Library/"))


def highest_minos(paths: Iterable[str | Path]) -> tuple[Version, str] | None:
    """The highest minimum macOS among ``paths`` (non-Mach-O files are skipped) and its file."""
    best: tuple[Version, str] | None = None
    for path in paths:
        with open(path, "rb") as f:
            if not looks_like_macho(f.read(4)):
                continue
        found = macho_minos(path)
        if found is not None and (best is None or found > best[0]):
            best = (found, str(path))
    return best


# -- Info.plist --------------------------------------------------------------------------------

_BUNDLE_ID = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# CFBundleShortVersionString and CFBundleVersion: one to three period-separated integers.
_BUNDLE_VERSION = re.compile(r"\d+(\.\d+){0,2}")


def info_plist_problems(plist: Mapping[str, object], needed_minos: Version | None) -> list[str]:
    """What is wrong with an Info.plist, given the highest ``minos`` of the binaries it ships."""
    problems = []
    bundle_id = plist.get("CFBundleIdentifier")
    if not isinstance(bundle_id, str) or not _BUNDLE_ID.fullmatch(bundle_id):
        problems.append(f"CFBundleIdentifier is not a reverse-DNS name: {bundle_id!r}")
    for key in ("CFBundleShortVersionString", "CFBundleVersion"):
        value = plist.get(key)
        if not isinstance(value, str) or not _BUNDLE_VERSION.fullmatch(value):
            problems.append(f"{key} must be one to three numbers (x.y.z): {value!r}")
    if plist.get("NSHighResolutionCapable") is not True:
        problems.append("NSHighResolutionCapable is not true: the app would be drawn blurred")
    if plist.get("NSPrincipalClass") != "NSApplication":
        problems.append(f"NSPrincipalClass is {plist.get('NSPrincipalClass')!r}, not NSApplication")
    minimum = plist.get("LSMinimumSystemVersion")
    try:
        declared = parse_version(minimum) if isinstance(minimum, str) else None
    except ValueError:
        declared = None
    if declared is None:
        problems.append(f"LSMinimumSystemVersion is not a version: {minimum!r}")
    elif needed_minos is not None and declared < needed_minos:
        problems.append(
            f"LSMinimumSystemVersion {minimum} is below {format_version(needed_minos)}, "
            "the highest minos of the bundled binaries: on older macOS the app would not load"
        )
    return problems


def check_app(app: Path) -> list[str]:
    """Every problem with a built ``.app``: its Info.plist against all Mach-O files inside."""
    plist_path = app / "Contents" / "Info.plist"
    with plist_path.open("rb") as f:
        plist = plistlib.load(f)
    files = [p for p in app.rglob("*") if p.is_file() and not p.is_symlink()]
    found = highest_minos(files)
    problems = info_plist_problems(plist, found[0] if found else None)
    executable = plist.get("CFBundleExecutable")
    if not isinstance(executable, str) or not (app / "Contents" / "MacOS" / executable).is_file():
        problems.append(f"CFBundleExecutable {executable!r} is not in Contents/MacOS")
    if found:
        print(f"highest minos {format_version(found[0])}: {found[1]}")
    print(f"LSMinimumSystemVersion {plist.get('LSMinimumSystemVersion')}")
    return problems


# -- PE (Windows) ------------------------------------------------------------------------------

# DLLs every supported Windows (10 1809 and later) has in System32, which a bundle must not
# carry. Qt Core links the system's ICU (icuuc.dll, icuin.dll; in Windows since 10 1703), one
# more reason for the installer's MinVersion. Anything a bundled binary imports that is neither
# here nor bundled is a finding: the app would fail to start (or the plugin to load) on a
# user's machine.
WINDOWS_SYSTEM_DLLS = frozenset(
    {
        "advapi32",
        "authz",
        "bcrypt",
        "cfgmgr32",
        "comctl32",
        "comdlg32",
        "crypt32",
        "d2d1",
        "d3d9",
        "d3d11",
        "d3d12",
        "dcomp",
        "dnsapi",
        "dwmapi",
        "dwrite",
        "dxgi",
        "gdi32",
        "gdiplus",
        "hid",
        "imm32",
        "iphlpapi",
        "kernel32",
        "mpr",
        "msimg32",
        "ncrypt",
        "netapi32",
        "ntdll",
        "ole32",
        "oleacc",
        "oleaut32",
        "powrprof",
        "propsys",
        "rpcrt4",
        "secur32",
        "setupapi",
        "shcore",
        "shell32",
        "shlwapi",
        "user32",
        "userenv",
        "uxtheme",
        "version",
        "winhttp",
        "winmm",
        "winspool.drv",
        "wintrust",
        "ws2_32",
        "wtsapi32",
        "uiautomationcore",
        "dbghelp",
        "normaliz",
        "wldap32",
        "mswsock",
        "mscms",
        "icuuc",
        "icuin",
        "icu",
        "ucrtbase",
        "msvcrt",
        "psapi",
        "wininet",
        "urlmon",
        "msi",
        "cabinet",
        "credui",
        "sspicli",
    }
)


def _dll_key(name: str) -> str:
    key = PurePosixPath(name.replace("\\", "/")).name.casefold()
    return key.removesuffix(".dll")


def is_windows_system_dll(name: str) -> bool:
    key = _dll_key(name)
    # API sets resolve inside the loader; they are never files on disk.
    return key in WINDOWS_SYSTEM_DLLS or key.startswith(("api-ms-win-", "ext-ms-win-"))


def pe_imports(path: str | Path) -> list[str]:
    """The DLL names ``path`` imports, load-time and delay-loaded."""
    import pefile

    pe = pefile.PE(str(path), fast_load=True)
    try:
        pe.parse_data_directories(
            directories=[
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
            ]
        )
        names = [
            entry.dll.decode("ascii", "replace")
            for attr in ("DIRECTORY_ENTRY_IMPORT", "DIRECTORY_ENTRY_DELAY_IMPORT")
            for entry in getattr(pe, attr, [])
        ]
    finally:
        pe.close()
    return names


@dataclass(frozen=True)
class ImportGap:
    """A bundled binary that imports a DLL the bundle neither ships nor may expect."""

    binary: str
    missing: str


def pe_closure(
    roots: Iterable[str], available: Mapping[str, str], imports_of: Mapping[str, list[str]]
) -> tuple[set[str], list[ImportGap]]:
    """Follow imports from ``roots`` (keys of ``available``: lower-case DLL names → path).

    Returns every bundled name reached and each import that is neither bundled nor a system
    DLL (``python3*.dll`` counts as bundled: PyInstaller always ships the interpreter).
    """
    reached: set[str] = set()
    gaps: list[ImportGap] = []
    stack = [_dll_key(r) for r in roots]
    while stack:
        key = stack.pop()
        if key in reached:
            continue
        reached.add(key)
        for name in imports_of.get(key, []):
            dep = _dll_key(name)
            if dep in available:
                stack.append(dep)
            elif not is_windows_system_dll(name) and not re.fullmatch(r"python3\d*", dep):
                gaps.append(ImportGap(available[key], name))
    return reached, gaps


def pe_version_info(path: str | Path) -> dict[str, str]:
    """The version resource's string table plus ``FileVersion#`` / ``ProductVersion#`` from
    the fixed (numeric) part, as Explorer's Details tab shows them."""
    import pefile

    pe = pefile.PE(str(path), fast_load=True)
    try:
        pe.parse_data_directories(
            directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]]
        )
        info: dict[str, str] = {}
        for file_info in getattr(pe, "FileInfo", []) or []:
            for entry in file_info:
                for table in getattr(entry, "StringTable", []):
                    for key, value in table.entries.items():
                        info[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        for fixed in getattr(pe, "VS_FIXEDFILEINFO", []) or []:
            for label, ms, ls in (
                ("FileVersion#", fixed.FileVersionMS, fixed.FileVersionLS),
                ("ProductVersion#", fixed.ProductVersionMS, fixed.ProductVersionLS),
            ):
                info[label] = f"{ms >> 16}.{ms & 0xFFFF}.{ls >> 16}.{ls & 0xFFFF}"
    finally:
        pe.close()
    return info


def check_onedir(onedir: Path, exe_names: Iterable[str]) -> list[str]:
    """Every problem with a built Windows onedir: imports that resolve nowhere, and each
    executable's version resource (numeric versions, product name)."""
    pe_files = {
        _dll_key(p.name): str(p)
        for p in onedir.rglob("*")
        if p.is_file() and p.suffix.lower() in (".dll", ".pyd", ".exe")
    }
    imports = {key: pe_imports(path) for key, path in pe_files.items()}
    # Every file is a root: PyInstaller ships nothing that is not loaded by someone.
    _, gaps = pe_closure(pe_files, pe_files, imports)
    problems = [
        f"{Path(g.binary).relative_to(onedir)} imports {g.missing}: not found" for g in gaps
    ]
    for exe in exe_names:
        info = pe_version_info(onedir / exe)
        for label in ("FileVersion#", "ProductVersion#"):
            if not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", info.get(label, "")):
                problems.append(f"{exe}: no numeric {label[:-1]} in the version resource")
        if not info.get("ProductName"):
            problems.append(f"{exe}: the version resource has no ProductName")
        print(f"{exe}: {info.get('ProductName')} {info.get('FileVersion#')}")
    print(f"{len(pe_files)} PE files, every import resolved" if not gaps else "")
    return problems


def has_authenticode_signature(path: str | Path) -> bool:
    """Whether a PE file carries an Authenticode signature (a non-empty certificate table).

    Presence only: validity (chain, time stamp) is checked by SignTool / Get-AuthenticodeSignature
    on Windows; this lets a Linux release job refuse a file that was never signed at all.
    """
    import pefile

    pe = pefile.PE(str(path), fast_load=True)
    try:
        index = pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_SECURITY"]
        entry = pe.OPTIONAL_HEADER.DATA_DIRECTORY[index]
        return bool(entry.VirtualAddress and entry.Size)
    finally:
        pe.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    mac = sub.add_parser("macos", help="check a built .app")
    mac.add_argument("app", type=Path)
    win = sub.add_parser("windows", help="check a built onedir")
    win.add_argument("onedir", type=Path)
    win.add_argument("--exe", action="append", default=None, help="executables to check")
    signed = sub.add_parser("signed", help="refuse Windows executables without a signature")
    signed.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.kind == "macos":
        problems = check_app(args.app)
    elif args.kind == "signed":
        problems = [f"{f} carries no Authenticode signature" for f in args.files]
        problems = [
            p
            for f, p in zip(args.files, problems, strict=True)
            if not has_authenticode_signature(f)
        ]
    else:
        exes = args.exe or ["mail-setup-wizard.exe", "mail-setup-wizard-cli.exe"]
        problems = check_onedir(args.onedir, exes)
    for problem in problems:
        print(f"FAIL {problem}")
    print("bundle_check: ok" if not problems else f"bundle_check: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
