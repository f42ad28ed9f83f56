"""Linux bundles: replace ICU's 31 MiB data library with one holding only what Qt uses.

PySide6's libQt6Core links ICU. Its data library, ``libicudata.so.NN``, is a single exported
symbol ``icudtNN_dat``: ICU's "common data" package (a table of contents and ~3,900 items).
Qt Core imports these ICU functions, and nothing else (``nm -D --undefined-only libQt6Core.so.6``;
libQt6Gui and libQt6Widgets import none):

* ``ucol_*`` — QCollator (and the widgets' QFileSystemModel, i.e. QFileDialog, sorting names):
  needs ``coll/root.res`` + ``coll/ucadata.icu``; other locales fall back to root (DUCET)
  order, which is what ``ucol_open`` does for any locale without its own tailoring.
* ``ucnv_*`` — QStringConverter for encodings other than its built-in UTF-8/16/32 and Latin-1:
  needs ``cnvalias.icu`` and one table per encoding. The single-byte ones listed below are
  kept; the CJK and EBCDIC tables (~5 MiB) go, so such names are unknown to the bundle.
* ``ucal_*`` — QTimeZone's display names and canonical ids (the zone rules themselves come
  from the system's tzdb on Linux): zone rules, meta zones and the English zone names.
* ``u_strToUpper``/``u_strToLower`` (QLocale::toUpper) use data compiled into libicuuc.

Everything else goes: break-iterator rules and dictionaries (Qt has its own text boundaries),
the locale display data (currencies, languages, regions, units: Qt carries its own CLDR
tables), transliteration, number spell-out, StringPrep/IDNA, Unicode names.

The trimmed package is written with ``icupkg`` (Debian: ``icu-devtools``; an older ICU's
icupkg reads and writes the same package format) and linked into a new
``libicudata.so.NN`` exporting the same symbol under the same SONAME with the C compiler.
Then it is *tested*: the bundle's own libicuuc/libicui18n are loaded against it and must open
a collator, the kept converters and a calendar. If a tool is missing or anything fails, a
message says so and the original library stays: the bundle is never broken, only larger.

    python packaging/trim_icu.py PATH/TO/libicudata.so.73 OUT_DIR   # by hand, for a look
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

LIBRARY_RE = re.compile(r"libicudata\.so\.(\d+)$")
DISABLE_ENV = "WIZARD_KEEP_FULL_ICU"  # set to 1 to bundle the untrimmed library

# Items kept, as fnmatch patterns on the item name inside the package (without "icudtNNl/").
KEEP = [
    # resource-bundle plumbing: the root and English bundles of the main tree
    "root.res",
    "en.res",
    "pool.res",
    "res_index.res",
    "icuver.res",
    "icustd.res",
    # locale ids, likely subtags, calendar/week data, time zones (ucal_open, zone names)
    "supplementalData.res",
    "likelySubtags.res",
    "metadata.res",
    "keyTypeData.res",
    "zoneinfo64.res",
    "metaZones.res",
    "timezoneTypes.res",
    "windowsZones.res",
    "zone/root.res",
    "zone/en.res",
    "zone/en_*.res",
    "zone/pool.res",
    "zone/res_index.res",
    "zone/tzdbNames.res",
    # collation (QCollator): the root collator and English; other locales fall back to root
    "coll/ucadata.icu",
    "coll/root.res",
    "coll/en.res",
    "coll/en_US*.res",
    "coll/res_index.res",
    # normalisation and small property tables ICU may load lazily
    "nfkc.nrm",
    "nfkc_cf.nrm",
    "uemoji.icu",
    "ulayout.icu",
    # converters (QStringConverter): the alias table and the WHATWG single-byte encodings
    "cnvalias.icu",
    "ibm-5346_P100-1998.cnv",  # windows-1250
    "ibm-5347_P100-1998.cnv",  # windows-1251
    "ibm-5348_P100-1997.cnv",  # windows-1252
    "ibm-5349_P100-1998.cnv",  # windows-1253
    "ibm-5350_P100-1998.cnv",  # windows-1254
    "ibm-9447_P100-2002.cnv",  # windows-1255
    "ibm-9448_X100-2005.cnv",  # windows-1256
    "ibm-9449_P100-2002.cnv",  # windows-1257
    "ibm-5354_P100-1998.cnv",  # windows-1258
    "windows-874-2000.cnv",  # windows-874
    "ibm-912_P100-1995.cnv",  # ISO-8859-2
    "ibm-913_P100-2000.cnv",  # ISO-8859-3
    "ibm-914_P100-1995.cnv",  # ISO-8859-4
    "ibm-915_P100-1995.cnv",  # ISO-8859-5
    "ibm-1089_P100-1995.cnv",  # ISO-8859-6
    "ibm-9005_X110-2007.cnv",  # ISO-8859-7
    "ibm-5012_P100-1999.cnv",  # ISO-8859-8
    "ibm-920_P100-1995.cnv",  # ISO-8859-9
    "iso-8859_10-1998.cnv",  # ISO-8859-10
    "iso-8859_11-2001.cnv",  # ISO-8859-11
    "ibm-921_P100-1995.cnv",  # ISO-8859-13
    "iso-8859_14-1998.cnv",  # ISO-8859-14
    "ibm-923_P100-1998.cnv",  # ISO-8859-15
    "ibm-878_P100-1996.cnv",  # KOI8-R
    "ibm-1168_P100-2002.cnv",  # KOI8-U
    "ibm-866_P100-1995.cnv",  # IBM866
    "ibm-437_P100-1995.cnv",  # IBM437
    "ibm-850_P100-1995.cnv",  # IBM850
    "macos-0_2-10.2.cnv",  # macintosh
    "macos-7_3-10.2.cnv",  # x-mac-cyrillic
]

# What the trimmed data must still do, checked with the bundle's own ICU before it is used.
CHECK_ENCODINGS = [
    "UTF-8", "UTF-16LE", "US-ASCII", "ISO-8859-1", "windows-1250", "windows-1251",
    "windows-1252", "windows-1253", "windows-1254", "windows-1255", "windows-1256",
    "windows-1257", "windows-1258", "windows-874", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4",
    "ISO-8859-5", "ISO-8859-6", "ISO-8859-7", "ISO-8859-8", "ISO-8859-9", "ISO-8859-10",
    "ISO-8859-11", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "KOI8-R", "KOI8-U", "IBM866",
    "IBM437", "IBM850", "macintosh", "x-mac-cyrillic",
]  # fmt: skip
CHECK_COLLATORS = ["en_US", "de_DE", "fr_FR", "sv_SE", "tr_TR", "ja_JP", "C"]


def say(message: str) -> None:
    print(f"trim_icu: {message}", file=sys.stderr, flush=True)


# -- reading the data symbol out of the ELF library ---------------------------------------------


def data_symbol(path: Path) -> tuple[str, bytes]:
    """(name, bytes) of the ``icudtNN_dat`` object that libicudata.so.NN exports."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path} is not a 64-bit little-endian ELF file")
    shoff, shentsize, shnum = struct.unpack_from("<Q10xHH", data, 0x28)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    for sh in sections:
        if sh[1] != 11:  # SHT_DYNSYM
            continue
        strtab = sections[sh[6]][4]
        for pos in range(sh[4], sh[4] + sh[5], 24):
            st_name, _info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", data, pos)
            name = data[strtab + st_name : data.index(b"\0", strtab + st_name)].decode()
            if re.fullmatch(r"icudt\d+_dat", name) and 0 < shndx < len(sections):
                home = sections[shndx]
                start = home[4] + value - home[3]  # file offset = sh_offset + (vaddr - sh_addr)
                return name, data[start : start + size]
    raise ValueError(f"no icudtNN_dat symbol in {path}")


def package_items(blob: bytes) -> list[str]:
    """Item names ("icudt73l/coll/root.res") in an ICU common data package."""
    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD":
        raise ValueError("not an ICU data package")
    count = struct.unpack_from("<I", blob, header_size)[0]
    names = []
    for i in range(count):
        name_offset = struct.unpack_from("<I", blob, header_size + 4 + 8 * i)[0]
        start = header_size + name_offset
        names.append(blob[start : blob.index(b"\0", start)].decode())
    return names


def kept(item: str) -> bool:
    return any(fnmatch.fnmatchcase(item.split("/", 1)[-1], p) for p in KEEP)


# -- building the replacement -------------------------------------------------------------------


def tools() -> dict[str, str | None]:
    return {name: shutil.which(name) for name in ("icupkg", "cc")}


def tools_fingerprint() -> str:
    """For build.py --reuse: a build made without the tools must not be reused once they exist."""
    found = ";".join(f"{k}={bool(v)}" for k, v in tools().items())
    return f"{found};{DISABLE_ENV}={os.environ.get(DISABLE_ENV, '')}"


def _run(cmd: list[str], cwd: Path) -> None:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")


def build_trimmed(src: Path, out_dir: Path) -> Path:
    """Write out_dir/libicudata.so.NN (same SONAME and symbol, fewer items); raise on failure."""
    match = LIBRARY_RE.search(src.name)
    if not match:
        raise ValueError(f"not an ICU data library: {src}")
    found = tools()
    missing = [name for name, where in found.items() if not where]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not found (Debian/Ubuntu: apt-get install icu-devtools gcc)"
        )
    symbol, blob = data_symbol(src)
    major = match.group(1)
    if symbol != f"icudt{major}_dat":
        raise ValueError(f"{src} exports {symbol}, expected icudt{major}_dat")
    out_dir.mkdir(parents=True, exist_ok=True)
    package = f"icudt{major}l"
    # icupkg takes the item-name prefix ("icudt73l/") from the file names: same name, two dirs.
    full = out_dir / "full" / f"{package}.dat"
    full.parent.mkdir(exist_ok=True)
    full.write_bytes(blob)
    items = package_items(blob)
    dropped = [i.split("/", 1)[1] for i in items if not kept(i)]
    (out_dir / "removed.txt").write_text("\n".join(dropped) + "\n", encoding="utf-8")
    (out_dir / "kept.txt").write_text(
        "\n".join(i.split("/", 1)[1] for i in items if kept(i)) + "\n", encoding="utf-8"
    )
    trimmed = out_dir / f"{package}.dat"
    trimmed.unlink(missing_ok=True)
    # -r: remove the listed items; -s/-d: where the list and the output go.
    _run(
        [str(found["icupkg"]), "-r", "removed.txt", "-s", str(out_dir), "-d", str(out_dir),
         f"full/{full.name}", trimmed.name],
        out_dir,
    )  # fmt: skip
    if sorted(package_items(trimmed.read_bytes())) != sorted(i for i in items if kept(i)):
        raise RuntimeError("icupkg wrote a package with other items than asked for")
    asm = out_dir / "icudata.S"
    asm.write_text(
        textwrap.dedent(f"""\
            .section .rodata
            .globl {symbol}
            .type {symbol}, @object
            .balign 16
            {symbol}:
            .incbin "{trimmed.name}"
            .size {symbol}, . - {symbol}
            .section .note.GNU-stack,"",@progbits
            """),
        encoding="utf-8",
    )
    lib = out_dir / "lib" / src.name
    lib.parent.mkdir(exist_ok=True)
    _run(
        [str(found["cc"]), "-shared", "-nostdlib", f"-Wl,-soname,{src.name}", "-Wl,-z,noexecstack",
         "-o", str(lib), asm.name],
        out_dir,
    )  # fmt: skip
    full.unlink()
    return lib


# -- proving it works with the bundle's own ICU -------------------------------------------------

_CHECK = r"""
import ctypes, sys
data, uc, i18n, major = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
encodings, collators = sys.argv[5].split(","), sys.argv[6].split(",")
# Loaded first with its SONAME, so libicuuc's DT_NEEDED resolves to it, not to its neighbour.
ctypes.CDLL(data, mode=ctypes.RTLD_GLOBAL)
uc, i18n = ctypes.CDLL(uc, mode=ctypes.RTLD_GLOBAL), ctypes.CDLL(i18n)
def fn(lib, name, res):
    f = getattr(lib, f"{name}_{major}")
    f.restype = res
    if res is ctypes.c_void_p:  # keep pointers 64-bit on the way back in
        return lambda *a: ctypes.c_void_p(f(*a))
    return f
err = ctypes.c_int(0)
bad = []
ucnv_open, ucnv_close = fn(uc, "ucnv_open", ctypes.c_void_p), fn(uc, "ucnv_close", None)
for name in encodings:
    err.value = 0
    cnv = ucnv_open(name.encode(), ctypes.byref(err))
    if not cnv.value or err.value > 0:
        bad.append(f"converter {name}: {err.value}")
        continue
    ucnv_close(cnv)
ucol_open, ucol_close = fn(i18n, "ucol_open", ctypes.c_void_p), fn(i18n, "ucol_close", None)
ucol_strcoll = fn(i18n, "ucol_strcoll", ctypes.c_int)
for name in collators:
    err.value = 0
    col = ucol_open(name.encode(), ctypes.byref(err))
    if not col.value or err.value > 0:
        bad.append(f"collator {name}: {err.value}")
        continue
    a, b = "\u00e9a".encode("utf-16-le"), "eb".encode("utf-16-le")
    if ucol_strcoll(col, a, 2, b, 2) != -1:  # "éa" < "eb" in every locale
        bad.append(f"collator {name}: wrong order")
    ucol_close(col)
ucal_open, ucal_close = fn(i18n, "ucal_open", ctypes.c_void_p), fn(i18n, "ucal_close", None)
zone = "Europe/Berlin".encode("utf-16-le") + b"\0\0"
for loc in ("en_US", "de_DE"):
    err.value = 0
    cal = ucal_open(zone, -1, loc.encode(), 0, ctypes.byref(err))
    if not cal.value or err.value > 0:
        bad.append(f"calendar {loc}: {err.value}")
    else:
        name = ctypes.create_string_buffer(256)
        n = fn(i18n, "ucal_getTimeZoneDisplayName", ctypes.c_int32)(
            cal, 0, loc.encode(), name, 64, ctypes.byref(err))
        if err.value > 0 or n <= 0:
            bad.append(f"zone name {loc}: {err.value}")
        text = name.raw[: 2 * n].decode("utf-16-le")
        if loc == "en_US" and text != "Central European Standard Time":
            bad.append(f"zone name {loc}: {text!r}")
        ucal_close(cal)
err.value = 0
cnv = ucnv_open(b"Shift_JIS", ctypes.byref(err))
if cnv.value and err.value <= 0:
    bad.append("Shift_JIS still opens: the original data library was used, not the trimmed one")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"""


def check(lib: Path, icu_dir: Path) -> None:
    """Raise unless the bundle's libicuuc/libicui18n work with the trimmed ``lib``."""
    major = LIBRARY_RE.search(lib.name).group(1)  # type: ignore[union-attr]
    args = [
        str(lib),
        str(icu_dir / f"libicuuc.so.{major}"),
        str(icu_dir / f"libicui18n.so.{major}"),
        major,
        ",".join(CHECK_ENCODINGS),
        ",".join(CHECK_COLLATORS),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("ICU_DATA", "LD_PRELOAD")}
    r = subprocess.run(
        [sys.executable, "-c", _CHECK, *args], capture_output=True, text=True, env=env, check=False
    )
    if r.returncode != 0:
        raise RuntimeError(f"the trimmed ICU data fails:\n{r.stdout}{r.stderr}")


# -- the spec's entry point ---------------------------------------------------------------------


def trim_binaries(binaries: list[tuple[str, str, str]], work: Path) -> list[tuple[str, str, str]]:
    """The PyInstaller TOC with libicudata's source swapped for a trimmed, tested build.

    Any failure (tool missing, unknown format, check failed) leaves the TOC as it was."""
    if os.environ.get(DISABLE_ENV):
        say(f"{DISABLE_ENV} is set: keeping the full ICU data library")
        return binaries
    out: list[tuple[str, str, str]] = []
    for dest, src, kind in binaries:
        if kind != "SYMLINK" and LIBRARY_RE.search(Path(dest).name):
            src = _trimmed_or_original(Path(src), work / "icu-data")
        out.append((dest, src, kind))
    return out


def _trimmed_or_original(src: Path, work: Path) -> str:
    try:
        lib = build_trimmed(src, work)
        check(lib, src.parent)
    except (OSError, ValueError, RuntimeError) as exc:
        say(f"keeping the full {src.name} ({src.stat().st_size / 2**20:.1f} MiB): {exc}")
        return str(src)
    n_kept = len((work / "kept.txt").read_text(encoding="utf-8").split())
    n_gone = len((work / "removed.txt").read_text(encoding="utf-8").split())
    say(
        f"{src.name}: {src.stat().st_size / 2**20:.1f} -> {lib.stat().st_size / 2**20:.1f} MiB "
        f"({n_kept} items kept, {n_gone} removed; lists in {work})"
    )
    return str(lib)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__)
        return 2
    src, out = Path(args[0]).resolve(), Path(args[1]).resolve()
    lib = build_trimmed(src, out)
    check(lib, src.parent)
    print(f"{lib}: {lib.stat().st_size} bytes (from {src.stat().st_size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
