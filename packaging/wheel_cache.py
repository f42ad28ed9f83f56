"""The Qt wheels another OS's bundle is built from, fetched once and read on any OS.

The packaging tests check the macOS and Windows bundles' binaries on Linux: the very wheels
``packaging/constraints.txt`` pins, downloaded with ``pip download --platform … --only-binary``
(PyPI only) into ``build/packaging-wheels/`` and reused while the pins do not change. A member
is unpacked only when a check reads it, so the cache stays at the wheels' own size (~200 MB).

A :class:`WheelSet` answers "which binaries would the spec bundle?" the way the spec does:
roots are the Qt extension modules the app imports and the Qt plugins ``bundle_config`` keeps;
everything they link against, transitively, comes with them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "build" / "packaging-wheels"
CONSTRAINTS = REPO / "packaging" / "constraints.txt"
QT_DISTRIBUTIONS = ("PySide6_Essentials", "shiboken6")
# pip picks, for a platform tag, every wheel built for that OS version or older: the universal2
# wheel PySide6 publishes for macOS. 15 is the macOS the hosted workflow builds on, so a pin
# whose wheel needs a newer macOS fails here as it would on the build Mac.
PLATFORM_TAGS = {
    "macos-arm64": "macosx_15_0_arm64",
    "macos-x86_64": "macosx_15_0_x86_64",
    "windows": "win_amd64",
}
# What the constraints' environment markers see on each target (PEP 508 names), so the
# pins read here are the ones pip takes on that OS.
TARGET_ENVIRONMENTS = {
    "macos-arm64": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": "arm64",
    },
    "macos-x86_64": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
    "windows": {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "os_name": "nt",
        "platform_machine": "AMD64",
    },
}
PYTHON_VERSION = "3.11"  # the workflow's; the wheels are abi3, so any 3.10+ picks the same
DOWNLOAD_TIMEOUT_S = 900


class WheelsUnavailable(RuntimeError):
    """The wheels could not be fetched (offline, PyPI down); the message says why."""


def pinned_versions(target: str, constraints: Path = CONSTRAINTS) -> dict[str, str]:
    """``{"PySide6_Essentials": "6.11.3", ...}``: the Qt pins pip takes on ``target`` (a key
    of PLATFORM_TAGS), environment markers evaluated as on that OS."""
    from packaging.markers import default_environment
    from packaging.requirements import InvalidRequirement, Requirement

    environment = {**default_environment(), **TARGET_ENVIRONMENTS[target]}
    environment["python_version"] = PYTHON_VERSION
    qt_names = {_normalised(n): n for n in QT_DISTRIBUTIONS}
    pins: dict[str, str] = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        try:
            req = Requirement(text) if text else None
        except InvalidRequirement:
            continue
        name = qt_names.get(_normalised(req.name)) if req else None
        if req is None or name is None:
            continue
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        exact = [s.version for s in req.specifier if s.operator == "=="]
        if len(exact) != 1 or len(req.specifier) != 1:
            raise ValueError(f"{constraints}: {text!r} is not one exact pin")
        if name in pins and pins[name] != exact[0]:
            raise ValueError(f"{constraints} pins {name} twice for {target}")
        pins[name] = exact[0]
    missing = set(QT_DISTRIBUTIONS) - set(pins)
    if missing:
        raise ValueError(f"{constraints} pins none of {', '.join(sorted(missing))} for {target}")
    return pins


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _wheel_file(folder: Path, name: str, version: str, platform_word: str) -> Path | None:
    for path in sorted(folder.glob("*.whl")):
        parts = path.name.split("-")
        if (
            _normalised(parts[0]) == _normalised(name)
            and parts[1] == version
            and platform_word in parts[-1]
        ):
            return path
    return None


def fetch(target: str, cache: Path = CACHE) -> list[Path]:
    """The pinned Qt wheels for ``target`` (a key of PLATFORM_TAGS), downloading what is missing."""
    tag = PLATFORM_TAGS[target]
    folder = cache / target.split("-")[0]
    folder.mkdir(parents=True, exist_ok=True)
    word = "macosx" if tag.startswith("macosx") else tag
    pins = pinned_versions(target)
    found = {n: _wheel_file(folder, n, v, word) for n, v in pins.items()}
    if any(path is None for path in found.values()):
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--platform",
            tag,
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--dest",
            str(folder),
            *(f"{n}=={v}" for n, v in pins.items()),
        ]
        r = subprocess.run(
            cmd, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S, check=False
        )
        if r.returncode != 0:
            raise WheelsUnavailable(f"pip download for {tag} failed:\n{r.stderr[-2000:]}")
        found = {n: _wheel_file(folder, n, v, word) for n, v in pins.items()}
    paths = [p for p in found.values() if p is not None]
    if len(paths) != len(pins):
        raise WheelsUnavailable(f"pip download for {tag} left no wheel for some of {pins}")
    return paths


@dataclass
class WheelSet:
    """The members of some wheels, unpacked on demand under ``cache/unpacked``."""

    wheels: list[Path]
    cache: Path = CACHE
    members: dict[str, tuple[Path, zipfile.ZipInfo]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for wheel in self.wheels:
            with zipfile.ZipFile(wheel) as z:
                for info in z.infolist():
                    if not info.is_dir():
                        self.members[info.filename] = (wheel, info)

    def path(self, member: str) -> Path:
        """``member`` on disk (unpacked once; a finished copy has the member's exact size)."""
        wheel, info = self.members[member]
        out = self.cache / "unpacked" / wheel.stem / member
        if not (out.is_file() and out.stat().st_size == info.file_size):
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_name(out.name + ".part")
            with zipfile.ZipFile(wheel) as z, z.open(info) as src, partial.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            partial.replace(out)
        return out

    def by_basename(self, names: Iterable[str]) -> dict[str, str]:
        """Case-folded file name → member, the largest when a name repeats (a framework's
        binary rather than a same-named header)."""
        index: dict[str, str] = {}
        for member in names:
            key = PurePosixPath(member).name.casefold()
            best = index.get(key)
            if best is None or self.members[member][1].file_size > self.members[best][1].file_size:
                index[key] = member
        return index


@dataclass(frozen=True)
class Closure:
    """What the roots pull in: members reached, and imports that resolve to nothing allowed."""

    reached: list[str]
    unresolved: list[tuple[str, str]]  # (member, imported name)
    dropped: list[tuple[str, str]]  # (member, imported member the spec drops)


def closure(
    wheels: WheelSet,
    roots: Iterable[str],
    imports_of: Callable[[Path], list[str]],
    is_system: Callable[[str], bool],
    is_dropped: Callable[[str], bool],
    candidates: Iterable[str],
) -> Closure:
    """Follow ``imports_of`` from ``roots`` through the wheels' ``candidates`` by file name,
    as the loader and PyInstaller's dependency scan do (rpaths and DLL search paths all end
    up in the same bundle folder)."""
    index = wheels.by_basename(candidates)
    reached: list[str] = []
    unresolved: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        member = stack.pop()
        if member in seen:
            continue
        seen.add(member)
        reached.append(member)
        for name in imports_of(wheels.path(member)):
            if is_system(name):
                continue
            target = index.get(PurePosixPath(name.replace("\\", "/")).name.casefold())
            if target is None:
                unresolved.append((member, name))
            elif is_dropped(target):
                dropped.append((member, target))
            else:
                stack.append(target)
    return Closure(sorted(reached), unresolved, dropped)
