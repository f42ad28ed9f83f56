"""Build the onedir bundle with PyInstaller and report time, size and the largest files.

    .venv/bin/python packaging/build.py                       # → dist/mail-setup-wizard/
    .venv/bin/python packaging/build.py --reuse               # skip if nothing changed
    .venv/bin/python packaging/build.py --dist D --work W --json report.json

The same on Windows, macOS and Linux; the platform scripts (linux/build.sh, macos/build.sh,
the Windows installer step in CI) call this first. ``--reuse`` compares a fingerprint of every
input (spec, packaging scripts, wizard sources, resources, installed package versions) with the
one stored after the last successful build in the work folder.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SPEC = HERE / "mail-setup-wizard.spec"
sys.path.insert(0, str(HERE))

import bundle_config as cfg  # noqa: E402
import trim_icu  # noqa: E402

STAMP = "build-fingerprint.json"


def input_files() -> list[Path]:
    files = [SPEC, *HERE.glob("*.py")]
    files += (REPO / "wizard").rglob("*.py")
    files += (p for p in (REPO / "resources").rglob("*") if p.is_file())
    return sorted({f for f in files if "__pycache__" not in f.parts})


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in input_files():
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    packages = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    )
    digest.update("\n".join(packages).encode())
    digest.update(sys.version.encode())
    knobs = ("WIZARD_BUNDLE_ID", "WIZARD_BUILD_NUMBER", "WIZARD_MACOS_MIN", "WIZARD_TARGET_ARCH")
    for knob in (*knobs, "MACOS_SIGN_IDENTITY"):
        digest.update(f"{knob}={os.environ.get(knob, '')}".encode())
    digest.update(trim_icu.tools_fingerprint().encode())  # a build without icupkg is not reused
    return digest.hexdigest()


def executable(dist: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / cfg.EXE_NAME / f"{cfg.EXE_NAME}{suffix}"


def bundle_files(root: Path) -> list[tuple[int, str]]:
    """(size, path relative to root) of every regular file, symlinks not followed."""
    out = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            out.append((path.stat().st_size, path.relative_to(root).as_posix()))
    return sorted(out, reverse=True)


@dataclass
class BuildReport:
    version: str
    platform: str
    reused: bool
    build_seconds: float | None
    onedir: str
    executable: str
    files: int
    bytes: int
    largest: list[tuple[int, str]]
    app: str | None = None
    app_bytes: int | None = None

    def print(self) -> None:
        mib = 1024 * 1024
        how = "reused (inputs unchanged)" if self.reused else f"built in {self.build_seconds} s"
        print(f"== {self.onedir}: {how}")
        print(f"   {self.files} files, {self.bytes / mib:.1f} MiB")
        if self.app and self.app_bytes is not None:
            print(f"   {self.app}: {self.app_bytes / mib:.1f} MiB")
        print("   largest files:")
        for size, path in self.largest:
            print(f"   {size / mib:8.2f} MiB  {path}")


def report(dist: Path, seconds: float | None, reused: bool, top: int) -> BuildReport:
    onedir = dist / cfg.EXE_NAME
    files = bundle_files(onedir)
    app = dist / f"{cfg.APP_NAME}.app"
    return BuildReport(
        version=cfg.read_version(),
        platform=sys.platform,
        reused=reused,
        build_seconds=None if seconds is None else round(seconds, 1),
        onedir=str(onedir),
        executable=str(executable(dist)),
        files=len(files),
        bytes=sum(size for size, _ in files),
        largest=files[:top],
        app=str(app) if app.is_dir() else None,
        app_bytes=sum(size for size, _ in bundle_files(app)) if app.is_dir() else None,
    )


def archive(dist: Path) -> Path:
    """dist/mail-setup-wizard-<version>-<os>-<arch>.tar.gz (zip on Windows) of the onedir."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64")
    base = dist / f"{cfg.EXE_NAME}-{cfg.read_version()}-{system}-{machine}"
    kind = "zip" if sys.platform == "win32" else "gztar"
    return Path(shutil.make_archive(str(base), kind, root_dir=dist, base_dir=cfg.EXE_NAME))


def build(dist: Path, work: Path, *, clean: bool) -> float:
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        *(["--clean"] if clean else []),
        str(SPEC),
    ]
    print("$", " ".join(cmd), flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the onedir bundle and report its size.")
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "pyinstaller")
    parser.add_argument("--reuse", action="store_true", help="skip when the inputs are unchanged")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--top", type=int, default=15, help="how many largest files to list")
    parser.add_argument(
        "--archive", action="store_true", help="also pack the onedir (.tar.gz; .zip on Windows)"
    )
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    stamp = work / STAMP
    current = fingerprint()
    reused = (
        args.reuse
        and executable(dist).is_file()
        and stamp.is_file()
        and json.loads(stamp.read_text(encoding="utf-8")).get("fingerprint") == current
    )
    seconds = None
    if not reused:
        stamp.unlink(missing_ok=True)
        seconds = build(dist, work, clean=args.clean)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"fingerprint": current}), encoding="utf-8")
    info = report(dist, seconds, bool(reused), args.top)
    info.print()
    if args.archive:
        print(f"   archive: {archive(dist)}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
