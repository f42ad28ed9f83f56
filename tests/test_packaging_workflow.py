"""The hosted build workflow cannot run here, so it is checked here: actionlint (with shellcheck
for every bash step) must find nothing, and the facts the issue asked for must hold: current
runner images and action majors, no blanket offscreen platform, and the build scripts clean
under shellcheck."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "build.yml"
IN_CI = os.environ.get("CI", "").lower() == "true"

# The current major of every action the workflow uses (each action's newest release tag, all
# on node24). Raise these on purpose when a new major ships.
CURRENT_MAJORS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v8",
    "actions/cache": "v5",
}
# macOS 15 rather than 26: the oldest current image (macos-14 retired 2 Nov 2026), the oldest
# macOS the app supports (LSMinimumSystemVersion 15.0 with the macOS pin of PySide6 6.11), and
# the last Intel image (macos-15-intel, until August 2027; actions/runner-images#13045).
RUNNERS = {"ubuntu-24.04", "windows-2025", "macos-15", "macos-15-intel"}


def _tool(name: str) -> str:
    """A linter installed by the test extra into this environment's scripts folder."""
    here = Path(sysconfig.get_path("scripts")) / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        if IN_CI:
            pytest.fail(f"CI=true but {name} is missing (pip install -e '.[test]')")
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("actionlint"), "-no-color", "-shellcheck", _tool("shellcheck"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )


def test_actionlint_finds_nothing_in_the_build_workflow() -> None:
    r = actionlint(WORKFLOW)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_actionlint_would_catch_a_retired_runner_and_an_unquoted_variable(tmp_path: Path) -> None:
    """The check above is only worth something if actionlint and shellcheck really run."""
    text = WORKFLOW.read_text(encoding="utf-8")
    text = text.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-18.04", 1)
    text = text.replace(
        'run: test "$(uname -m)" = "${{ matrix.arch }}"', "run: test $(uname -m) = x86_64"
    )
    broken = tmp_path / "build.yml"
    broken.write_text(text, encoding="utf-8")
    r = actionlint(broken)
    assert r.returncode == 1
    assert 'label "ubuntu-18.04" is unknown' in r.stdout, r.stdout
    assert "SC2046" in r.stdout, r.stdout  # unquoted command substitution, from shellcheck


def test_build_scripts_pass_shellcheck() -> None:
    scripts = [REPO / "packaging" / "macos" / "build.sh", REPO / "packaging" / "linux" / "build.sh"]
    r = subprocess.run(
        [_tool("shellcheck"), *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_action_is_on_its_current_major() -> None:
    uses = re.findall(r"uses:\s*([\w.-]+/[\w.-]+)@(\S+)", WORKFLOW.read_text(encoding="utf-8"))
    assert uses
    outdated = [(a, v) for a, v in uses if CURRENT_MAJORS.get(a) != v]
    assert not outdated, outdated


def test_runners_are_current_images() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    labels = set(re.findall(r"(?:runs-on|runner):\s*([\w.-]+)$", text, re.MULTILINE))
    labels.discard("$")  # runs-on: ${{ matrix.runner }}
    assert labels == RUNNERS, labels


def test_no_step_inherits_an_offscreen_platform() -> None:
    """The GUI steps must load qwindows/qcocoa/xcb as on a user's machine."""
    text = WORKFLOW.read_text(encoding="utf-8")
    top_env = text.split("\njobs:", 1)[0]
    assert "QT_QPA_PLATFORM" not in re.sub(r"#.*", "", top_env)
    assert "platform windows loaded" in text and "platform cocoa loaded" in text


def test_the_macos_job_builds_for_both_architectures() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    matrix = re.findall(r"- runner: (\S+)\n\s+arch: (\S+)", text)
    assert dict(matrix) == {"macos-15": "arm64", "macos-15-intel": "x86_64"}


def test_tags_require_signing_and_notarisation() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "WIZARD_REQUIRE_NOTARISATION: ${{ startsWith(github.ref, 'refs/tags/v')" in text
    assert "build.ps1 -RequireSigning" in text
    assert "bundle_check.py signed" in text
    release = text.split("\n  release:", 1)[1]
    assert "needs: [checks, linux, windows, macos]" in release
