"""A previous commit to measure side by side with the working tree, in the same run.

``checkout(rev)`` puts that commit in a temporary git worktree (removed afterwards);
``python_path(tree)`` is the ``PYTHONPATH`` under which ``wizard`` comes from that tree while
``bench`` and ``tests`` (the proxy, the Dovecot fixture) stay the working tree's, so both sides
are driven by the same measuring code. It relies on the editable install's finder coming after
the path entries, as it does (``sys.meta_path.append``); :func:`check_wizard_origin` proves it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Tree:
    """Source to measure: the working tree, or a commit checked out beside it."""

    label: str
    root: Path
    # A folder holding only ``wizard`` (a link to root/wizard), first on PYTHONPATH; None for
    # the working tree, whose wizard is the one the venv imports anyway.
    shadow: Path | None = None

    @property
    def cwd(self) -> Path:
        """Where to start its processes: ``-m`` and ``-c`` put the working folder first."""
        return self.shadow or REPO

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        if self.shadow is not None:
            rest = env.get("PYTHONPATH")
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.shadow), str(REPO), rest) if p)
        return env


WORKING_TREE = Tree("this tree", REPO)


def describe(rev: str) -> str:
    """``abc1234 subject`` for a revision, for the tables."""
    out = subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%h %s", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return out if len(out) <= 60 else out[:57] + "..."


@contextmanager
def checkout(rev: str) -> Iterator[Tree]:
    """``rev`` in a temporary worktree, as a :class:`Tree`; removed again afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="wizard-baseline-"))
    root = tmp / "tree"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(root), rev],
        check=True,
    )
    shadow = tmp / "shadow"
    shadow.mkdir()
    (shadow / "wizard").symlink_to(root / "wizard", target_is_directory=True)
    tree = Tree(f"baseline {describe(rev).split()[0]}", root, shadow)
    try:
        check_wizard_origin(tree)
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(root)], check=False
        )
        shutil.rmtree(tmp, ignore_errors=True)


def check_wizard_origin(tree: Tree) -> None:
    """Fail loudly if ``wizard`` would not come from ``tree`` (the numbers would be a lie)."""
    out = subprocess.run(
        [sys.executable, "-c", "import wizard; print(wizard.__file__)"],
        cwd=tree.cwd,
        env=tree.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    expected = (tree.shadow or tree.root) / "wizard"
    if not Path(out).is_relative_to(expected):
        raise SystemExit(f"{tree.label}: wizard imported from {out}, not from {expected}")
