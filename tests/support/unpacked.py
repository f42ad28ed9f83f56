"""Where tests/run_all.sh unpacked the Debian packages of the servers it may not install.

Cyrus IMAP conflicts with Dovecot's IMAP package and Exim would replace the machine's own mail
server, so their ``.deb`` files are unpacked under ``build/test-servers/root`` (their shared
libraries are installed normally) and the tests run the binaries from there.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOT = Path(os.environ.get("WIZARD_UNPACKED_SERVERS", REPO / "build" / "test-servers" / "root"))


def library_path() -> str:
    """LD_LIBRARY_PATH for the unpacked binaries (their own libraries, e.g. libcyrus)."""
    dirs = sorted(str(p) for p in (ROOT / "usr" / "lib").glob("*-linux-gnu") if p.is_dir())
    return ":".join(dirs)


def service_user() -> tuple[str, int, int]:
    """(name, uid, gid) the servers run as: ``nobody`` when the tests run as root, else us."""
    entry = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def missing(*relative: str) -> str | None:
    """None when every file is there, else a reason naming what to run."""
    absent = [r for r in relative if not (ROOT / r).exists()]
    if not absent:
        return None
    return f"{', '.join(absent)} not unpacked under {ROOT} (run tests/run_all.sh once)"
