"""The repository itself: nothing tracked that .gitignore ignores, a README that is a front door,
and the documentation's lists held to the code they describe."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from wizard.checks.errors import Cause

ROOT = Path(__file__).resolve().parent.parent
README_LIMIT = 10 * 1024


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_no_tracked_file_is_one_gitignore_ignores() -> None:
    # tests/haraka/node_modules was committed by accident once although .gitignore listed it.
    ignored = _git("ls-files", "-ci", "--exclude-standard").split()
    assert ignored == [], f"tracked but ignored: {ignored[:10]}"


def test_readme_is_a_front_door_of_at_most_10_kb() -> None:
    readme = (ROOT / "README.md").read_bytes()
    assert len(readme) <= README_LIMIT, f"README.md is {len(readme)} bytes"


def test_readme_and_docs_links_point_at_files_that_exist() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    missing = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            path = target.split("#")[0]
            if path and "://" not in path and not (page.parent / path).exists():
                missing.append(f"{page.name}: {target}")
    assert missing == []


def test_readme_shows_the_app_and_links_to_every_docs_page() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"!\[[^\]]+\]\(docs/[\w-]+\.png\)", text)
    for page in (
        "docs/cli.md",
        "docs/provider-file.md",
        "docs/log-reader.md",
        "docs/report.md",
        "docs/architecture.md",
        "docs/packaging.md",
        "bench/README.md",
    ):
        assert f"]({page})" in text, page


def test_readme_gives_the_two_commands_for_a_fresh_machine() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python -m wizard" in text
    )
    assert "bash tests/run_all.sh" in text


def test_cli_page_lists_exactly_the_cause_codes_the_code_has() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## Cause codes", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
    assert listed == [c.value for c in Cause]


def test_benchmark_figures_live_in_one_place() -> None:
    # A figure measured by bench/ ("7.30 RTT", "0.77 s beside grep") is written in
    # bench/README.md only; the README and the docs pages link there.
    figure = re.compile(
        r"\b\d+(?:\.\d+)? ?(?:RTT|× grep|ms median|ms \(median)|\bpeak \d+ MB|\bmedian of \d"
    )
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        found = figure.findall(page.read_text(encoding="utf-8"))
        assert found == [], f"{page.name} repeats benchmark figures: {found}"
    assert figure.search((ROOT / "bench" / "README.md").read_text(encoding="utf-8"))


def test_no_module_in_the_package_is_over_450_lines() -> None:
    # Small modules with one job: a module past this has grown a second one (issue 23).
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "wizard").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert long == {}
