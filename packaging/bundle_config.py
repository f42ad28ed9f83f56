"""What goes into the PyInstaller bundle, kept out of the .spec so it can be linted and tested.

``mail-setup-wizard.spec`` imports this module. Nothing here imports PyInstaller at module
level, so ``build.py`` and the tests can use it too.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
import struct
import sys
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
APP_NAME = "Mail Setup Wizard"
EXE_NAME = "mail-setup-wizard"
CLI_EXE_NAME = "mail-setup-wizard-cli"  # Windows only: the console twin for IT and scripts
PUBLISHER = "Sepheo"
DEFAULT_BUNDLE_ID = "co.sepheo.mailsetupwizard"
# LSMinimumSystemVersion is not a constant: the spec derives it from the highest minimum macOS
# any bundled Mach-O file declares (macos_minimum), because dyld refuses to load a library built
# for a newer macOS than the running one. With the macOS pin, PySide6 6.11.3, that is 15.0: its
# bindings and libshiboken6 are built with minos 15.0 (the Qt frameworks themselves with 13.0;
# 6.12's bindings would need 26.0, packaging/README.md has the table).

# Modules loaded by name at run time, which PyInstaller's import scan cannot see.
HIDDEN_IMPORTS = [
    # keyring finds its backends through entry points; PyInstaller's keyring hook adds the
    # metadata and the backends, listed again here so a hook change cannot drop them silently.
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.macOS.api",
    # Our own Secret Service backend (Linux); chosen by wizard.account.keychain, not by entry point.
    "wizard.account.secret_service",
    "jeepney",
    "jeepney.io.blocking",
    "imapclient",
    "truststore",
    "defusedxml",
    "defusedxml.ElementTree",
    # The certificate reader imports these inside its functions (kept out of startup).
    "pyasn1.codec.der.decoder",
    "pyasn1_modules.rfc5280",
    "platformdirs",
]

# Python modules we never use. Each one dropped here also drops its Qt library and plugins.
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "unittest",
    "pydoc",
    "pytest",
    "trustme",
    # keyring's Secret Service backend needs secretstorage, which needs cryptography (11 MiB
    # of Rust, an eighth of the Linux app) only to encrypt the password on the local D-Bus.
    # wizard.account.secret_service talks to the same service without it (see its docstring); the
    # certificate reader uses pyasn1. Nothing else in the app imports them.
    "cryptography",
    "secretstorage",
    "cffi",
    "_cffi_backend",
    # Standard library parts nothing in the app uses, which hooks or lazy imports pull in:
    # asyncio (no importer at all), multiprocessing (only concurrent.futures' process pool;
    # the checks use threads), xmlrpc (defusedxml's optional stdlib patcher), bz2/lzma (only
    # for archive formats we never open; zipfile and shutil import them optionally), _decimal
    # (decimal falls back to the pure-Python _pydecimal, which is only imported, never used),
    # _uuid (uuid5 for the .mobileconfig is pure Python), pickle (only logging.handlers,
    # logging.config and tracemalloc import it; none of them is imported by the app or its
    # libraries: checked with -X importtime over --selftest, the first page and the CLI).
    "asyncio",
    "multiprocessing",
    "xmlrpc",
    "bz2",
    "_bz2",
    "lzma",
    "_lzma",
    "_decimal",
    "_uuid",
    "pickle",
    "_pickle",
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtHelp",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtConcurrent",
    "PySide6.QtLabsStyleKit",
    "PySide6.QtQmlFeatures",
    "PySide6.QtQuickTest",
    "PySide6.Qt3DCore",
    "PySide6.QtMultimedia",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
]

# dnspython (the blocklist look-up, discovery) is used as a stub resolver for A, AAAA, MX and
# SRV. Its zone-file, DNSSEC, dynamic-update, async and DNS-over-QUIC modules stay out, and so do
# the record types no answer we read carries (0.3 MB): for a type it has no module for, dnspython
# falls back to its generic record class. win32util reads the resolver settings on Windows only.
# The idna package (IDNA 2008 tables) is there only for dnspython, which uses the standard
# library's codec when it is missing; blocklist zones and reversed addresses are ASCII.
DNSPYTHON_UNUSED = [
    "idna",
    "dns._asyncio_backend",
    "dns._no_ssl",
    "dns._trio_backend",
    "dns.asyncresolver",
    "dns.btree",
    "dns.btreezone",
    "dns.dnssec",
    "dns.dnssecalgs",
    "dns.dnssectypes",
    "dns.e164",
    "dns.grange",
    "dns.namedict",
    "dns.quic._asyncio",
    "dns.quic._common",
    "dns.quic._sync",
    "dns.quic._trio",
    "dns.tsigkeyring",
    "dns.update",
    "dns.versioned",
    "dns.zone",
    "dns.zonefile",
    "dns.zonetypes",
]
# Discovery (wizard/discovery/) reads MX and SRV answers: without their modules dnspython would
# hand back its generic "\\# 20 0a0b..." form, which no reader understands.
DNSPYTHON_KEPT_RDTYPES = {
    "ANY.CNAME",
    "ANY.MX",
    "IN.SRV",
    "mxbase",
    "ANY.OPT",
    "ANY.PTR",
    "ANY.SOA",
    "ANY.TSIG",
    "IN.A",
    "IN.AAAA",
    "nsbase",
    "svcbbase",
    "util",
}


def dnspython_unused_rdtypes() -> list[str]:
    """``dns.rdtypes.*`` modules other than the kept ones, as installed (none if it is not)."""
    import importlib.util

    spec = importlib.util.find_spec("dns")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations))) / "rdtypes"
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        if rel.name == "__init__":
            continue
        name = ".".join(rel.parts)
        if name not in DNSPYTHON_KEPT_RDTYPES:
            found.append(f"dns.rdtypes.{name}")
    return found


# Linux only: the CJK multibyte codecs (0.9 MiB). The bundle runs Python in UTF-8 mode, the
# app reads and writes UTF-8 (and Latin-1 for raw protocol lines) only, and Qt converts text
# through its own ICU. Kept on Windows and macOS, whose legacy code pages are not worth the risk.
LINUX_EXCLUDED_MODULES = [
    "_multibytecodec",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_iso2022",
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
]


def excluded_modules(platform: str = sys.platform) -> list[str]:
    """EXCLUDED_MODULES plus the platform's own."""
    extra = LINUX_EXCLUDED_MODULES if platform.startswith("linux") else []
    if not platform.startswith("win"):
        extra = extra + ["dns.win32util"]
    return EXCLUDED_MODULES + DNSPYTHON_UNUSED + dnspython_unused_rdtypes() + extra


# Qt plugins kept, by folder; every other plugin folder is left out entirely. Names are the
# file's stem without the "lib" prefix (libqxcb.so, qwindows.dll, libqcocoa.dylib → qxcb…).
QT_PLUGINS: dict[str, set[str] | None] = {
    # offscreen for the self-test and CI; the desktop's own platform on each OS.
    "platforms": {"qoffscreen", "qxcb", "qwayland", "qcocoa", "qwindows"},
    "platformthemes": {"qxdgdesktopportal"},  # not qgtk3: it drags in all of GTK (~25 MB)
    "platforminputcontexts": {
        "composeplatforminputcontextplugin",
        "ibusplatforminputcontextplugin",
    },
    "imageformats": {"qico", "qsvg"},  # PNG is built into QtGui
    "iconengines": {"qsvgicon"},
    "styles": None,  # all: qmodernwindowsstyle / qwindowsvistastyle / qmacstyle
    "wayland-shell-integration": {"xdg-shell"},
    "wayland-decoration-client": {"bradient", "adwaita"},
}

# Libraries that only unused Qt parts need; dropped even if a stray dependency names them.
DROPPED_LIBRARY_PATTERNS = [
    r"opengl32sw\.dll",  # Mesa software OpenGL for Windows, 20 MB
    r"d3dcompiler_\d+\.dll",
    r"Qt6?(Pdf|Qml|Quick|VirtualKeyboard|WebEngine|Multimedia|3D|Network|OpenGL|Test|Sql)",
    r"Qt6?(EglFS|EglFsKms|WlShellIntegration)",
]
# Linux: taken from the desktop rather than the build machine. libfontconfig must match the
# system's /etc/fonts (an older bundled one warns about unknown config elements and may find no
# fonts), and freetype goes with it; libdbus-1 talks to the system's bus daemon and drags in
# libsystemd, libgcrypt, lz4… (3.5 MB). Every desktop has all three (Qt itself needs them).
# GLib (Qt's event dispatcher) likewise: every desktop's own Qt and GTK link it, its ABI is
# stable across 2.x, and its libpcre2-8 (only GLib needs it) then goes too: 1.9 MiB.
#
# The core X11 client libraries too: Qt Gui itself links libGL.so.1, which every PySide6 app
# takes from the system, and libglvnd's libGL → libGLX links libX11 → libxcb → libXau and
# libXdmcp. A machine that can load Qt Gui at all already has them; bundled copies were 1.6
# MiB of duplicates (libX11 alone 1.3), with libbsd and libmd behind libXdmcp. The xcb-util
# libraries (icccm, image, keysyms, render-util, cursor) stay bundled: many desktops lack them
# and Qt's xcb plugin then fails to load ("xcb-cursor0 is needed").
LINUX_SYSTEM_LIBRARY_PATTERNS = [
    r"libX11\.so",
    r"libxcb\.so",
    r"libXau\.so",
    r"libXdmcp\.so",
    r"libfontconfig\.so",
    r"libfreetype\.so",
    r"libdbus-1\.so",
    r"libglib-2\.0\.so",
    r"libgthread-2\.0\.so",
]


def read_version(repo: Path = REPO) -> str:
    """``wizard.__version__`` read from source, without importing the package."""
    tree = ast.parse((repo / "wizard" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ValueError("wizard/__init__.py has no __version__ string")


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"1.2.3rc1"`` → ``(1, 2, 3, 0)``: the four numbers Windows version resources hold."""
    numbers = [int(m) for m in re.findall(r"\d+", version.split("+")[0])[:3]]
    numbers += [0] * (4 - len(numbers))
    a, b, c, d = numbers[:4]
    return a, b, c, d


def windows_version_file(version: str) -> str:
    """The text of a PyInstaller version file (``EXE(version=...)``)."""
    vt = version_tuple(version)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": APP_NAME,
        "FileVersion": version,
        "InternalName": EXE_NAME,
        "LegalCopyright": f"© {PUBLISHER}",
        "OriginalFilename": f"{EXE_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    items = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""# Generated by packaging/bundle_config.py from wizard.__version__ — do not edit.
VSVersionInfo(
  ffi=FixedFileInfo(filevers={vt}, prodvers={vt}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
          {items}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def _bundle_check() -> ModuleType:
    """packaging/bundle_check.py, whether this module was imported by the spec or by path."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import bundle_check

    return bundle_check


def macos_short_version(version: str) -> str:
    """``"1.2.3rc1"`` → ``"1.2.3"``: CFBundleShortVersionString and CFBundleVersion must be one
    to three integers; a pre-release suffix there makes the Finder and the App Store tools
    misread the version (and notarisation warn)."""
    return ".".join(str(n) for n in version_tuple(version)[:3])


def macos_minimum(binaries: Iterable[str], floor: str | None = None) -> str:
    """LSMinimumSystemVersion for a bundle of ``binaries``: the highest minos any of them
    declares. ``floor`` (``WIZARD_MACOS_MIN``) may only raise it: a value below what the
    binaries need would let the app be launched on a macOS where it cannot load."""
    bundle_check = _bundle_check()
    found = bundle_check.highest_minos(binaries)
    if found is None:
        raise ValueError("no Mach-O file with a minimum macOS among the bundled binaries")
    needed, where = found
    if floor is not None:
        wanted = bundle_check.parse_version(floor)
        if wanted < needed:
            raise ValueError(
                f"WIZARD_MACOS_MIN={floor} is below {bundle_check.format_version(needed)}, "
                f"which {where} needs"
            )
        needed = wanted
    return bundle_check.format_version(needed)


def info_plist(
    version: str, minimum_macos: str, env: dict[str, str] | None = None
) -> dict[str, object]:
    """Info.plist keys for the .app (PyInstaller adds CFBundleExecutable and the icon)."""
    env = dict(os.environ) if env is None else env
    build_number = env.get("WIZARD_BUILD_NUMBER") or macos_short_version(version)
    if not re.fullmatch(r"\d+(\.\d+){0,2}", build_number):
        raise ValueError(f"WIZARD_BUILD_NUMBER must be one to three numbers: {build_number!r}")
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": env.get("WIZARD_BUNDLE_ID") or DEFAULT_BUNDLE_ID,
        "CFBundleShortVersionString": macos_short_version(version),
        "CFBundleVersion": build_number,
        "CFBundlePackageType": "APPL",
        "LSMinimumSystemVersion": minimum_macos,
        "LSApplicationCategoryType": "public.app-category.utilities",
        # AppKit instantiates this class as the application object; without it a bundle is
        # treated as a legacy app (no proper activation, menu bar or Dock behaviour).
        "NSPrincipalClass": "NSApplication",
        "NSHighResolutionCapable": True,
        "NSSupportsAutomaticGraphicsSwitching": True,  # do not wake the discrete GPU
        "NSRequiresAquaSystemAppearance": False,  # follow dark mode
        "NSHumanReadableCopyright": f"© {PUBLISHER}",
    }


def _plugin_name(filename: str) -> str:
    stem = filename.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_qt_file(dest: str) -> bool:
    """False for the Qt plugins and translations the app does not use."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "PySide6" not in parts:
        return True
    rel = parts[parts.index("PySide6") + 1 :]
    if rel[:1] == ("Qt",):  # Linux and macOS wheels: PySide6/Qt/{lib,plugins,translations}
        rel = rel[1:]
    if rel[:1] == ("translations",):
        return False  # English only; Qt's own dialogs are not translated either
    if rel[:1] == ("plugins",) and len(rel) >= 3:
        wanted = QT_PLUGINS.get(rel[1], set())
        return wanted is None or _plugin_name(rel[-1]) in wanted
    return True


def dropped_library(dest: str, platform: str = sys.platform) -> bool:
    name = PurePosixPath(dest.replace("\\", "/")).name
    if any(re.match(rf"(lib)?{p}", name) for p in DROPPED_LIBRARY_PATTERNS):
        return True
    return platform.startswith("linux") and any(
        re.match(p, name) for p in LINUX_SYSTEM_LIBRARY_PATTERNS
    )


TocEntry = tuple[str, str, str]


def prune_binaries(
    binaries: Iterable[TocEntry],
    imports_of: Callable[[str], Iterable[str]],
    platform: str = sys.platform,
) -> tuple[list[TocEntry], list[TocEntry]]:
    """Drop unused Qt plugins, then every library no remaining binary still needs.

    PyInstaller resolves shared-library dependencies for every collected plugin before the spec
    can filter them, so dropping a plugin (e.g. the GTK platform theme) leaves its dependency
    tree behind. Here a library that some collected binary links against is kept only if a kept
    binary still reaches it. ``imports_of(src)`` must return the *direct* dependencies' names
    (ELF DT_NEEDED, Mach-O LC_LOAD_DYLIB, PE imports). Returns (kept, dropped).
    """
    entries = list(binaries)
    files = [e for e in entries if e[2] != "SYMLINK"]
    first = [e for e in files if keep_qt_file(e[0]) and not dropped_library(e[0], platform)]
    by_name: dict[str, list[TocEntry]] = {}
    for entry in first:
        by_name.setdefault(_key(entry[0]), []).append(entry)
    needs: dict[TocEntry, set[str]] = {}
    for entry in files:
        needs[entry] = {_key(n) for n in imports_of(entry[1])}
    needed_by_anyone = set().union(*needs.values())
    roots = [e for e in first if _key(e[0]) not in needed_by_anyone or _is_python_lib(e[0])]
    reachable: set[TocEntry] = set()
    stack = list(roots)
    while stack:
        entry = stack.pop()
        if entry not in reachable:
            reachable.add(entry)
            for name in needs.get(entry, ()):
                stack.extend(by_name.get(name, ()))
    kept = [e for e in files if e in reachable]
    dropped = [e for e in files if e not in reachable]
    # Symlinks go with their targets (and their framework); directory links stay.
    links, dropped_links = prune_datas([e for e in entries if e[2] == "SYMLINK"], dropped)
    return kept + links, dropped + dropped_links


def elf_needed(path: str) -> list[str]:
    """The DT_NEEDED names of an ELF file: its direct dependencies (``ldd`` lists them all)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return []
    is64, little = data[4] == 2, data[5] == 1
    e = "<" if little else ">"
    if is64:
        shoff, shentsize, shnum = struct.unpack_from(f"{e}Q10xHH", data, 0x28)
        sh_fmt, dyn_fmt = f"{e}IIQQQQIIQQ", f"{e}qQ"
    else:
        shoff, shentsize, shnum = struct.unpack_from(f"{e}I10xHH", data, 0x20)
        sh_fmt, dyn_fmt = f"{e}IIIIIIIIII", f"{e}iI"
    sections = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize) for i in range(shnum)]
    names: list[str] = []
    for sh in sections:
        if sh[1] != 6:  # SHT_DYNAMIC
            continue
        offset, size, link = sh[4], sh[5], sh[6]
        strtab = sections[link][4]
        step = struct.calcsize(dyn_fmt)
        for pos in range(offset, offset + size, step):
            tag, value = struct.unpack_from(dyn_fmt, data, pos)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                end = data.index(b"\0", strtab + value)
                names.append(data[strtab + value : end].decode())
    return names


def _is_python_lib(name: str) -> bool:
    """The interpreter library: the bootloader loads it by name, nothing may drop it."""
    return re.fullmatch(r"(lib)?python3[\d.]*(\.so.*|\.dylib|\.dll)|python", _key(name)) is not None


def _norm(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/"))


def _key(name: str) -> str:
    """A library's match key: its file name, case-folded (Windows DLL names are not cased)."""
    return PurePosixPath(name.replace("\\", "/")).name.casefold()


# The executable's icon formats: the spec embeds app.ico (Windows) and gives app.icns to the
# .app bundle (macOS) at build time; the running app only loads the PNGs. 245 kB on every OS.
BUILD_ONLY_DATAS = frozenset({"resources/icons/app.ico", "resources/icons/app.icns"})


def prune_datas(
    datas: Iterable[TocEntry], dropped_binaries: Iterable[TocEntry] = ()
) -> tuple[list[TocEntry], list[TocEntry]]:
    """Drop unused Qt translations; the icon files only the build uses; symlinks (PyInstaller
    files them under datas) whose target ``prune_binaries`` dropped; and on macOS the rest of a
    dropped Qt framework (Info.plist, Versions/Current…): a framework folder without its binary
    fails ``codesign --strict``."""
    dropped_files = [e for e in dropped_binaries if e[2] != "SYMLINK"]
    gone = {_norm(e[0]) for e in dropped_files}
    frameworks = {_framework_dir(e[0]) for e in dropped_files} - {None}
    kept: list[TocEntry] = []
    dropped: list[TocEntry] = []
    for entry in datas:
        dest = _norm(entry[0])
        unwanted = (
            not keep_qt_file(entry[0])
            or dest in BUILD_ONLY_DATAS
            or (entry[2] == "SYMLINK" and _link_target(entry) in gone)
            or any(dest == f or dest.startswith(f"{f}/") for f in frameworks if f)
        )
        (dropped if unwanted else kept).append(entry)
    return kept, dropped


def _framework_dir(dest: str) -> str | None:
    parts = _norm(dest).split("/")
    for i, part in enumerate(parts):
        if part.endswith(".framework"):
            return "/".join(parts[: i + 1])
    return None


def _link_target(entry: TocEntry) -> str:
    """Where a SYMLINK entry points, as a destination path (its target is relative to it)."""
    return _norm(posixpath.join(posixpath.dirname(_norm(entry[0])), entry[1]))


# The Public Suffix List wizard.trust reads: comments are more than half of its 338 kB and the
# library skips them, except the two pairs of markers that separate ICANN from private domains
# (publicsuffixlist reads those for only_icann). Kept: every rule, and those markers.
PSL_MARKER = re.compile(r"^// ===(BEGIN|END) (ICANN|PRIVATE) DOMAINS===$")


def compact_public_suffix_list(text: str) -> str:
    """The list without its comments and blank lines, its section markers kept."""
    kept = [
        line
        for line in text.splitlines()
        if (line.strip() and not line.startswith("//")) or PSL_MARKER.match(line)
    ]
    return "\n".join(kept) + "\n"


def write_compact_public_suffix_list(folder: Path) -> Path:
    """Write the compacted list into ``folder`` (the build's work folder) for the bundle."""
    import publicsuffixlist

    source = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "public_suffix_list.dat"
    target.write_text(
        compact_public_suffix_list(source.read_text(encoding="utf-8")), encoding="utf-8"
    )
    return target
