"""The bundle's Public Suffix List, without its comments, answers exactly as the full one
(packaging/bundle_config.compact_public_suffix_list; the full list put the onedir over 80 MB)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import publicsuffixlist
import pytest
from publicsuffixlist import PublicSuffixList

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "packaging"))
import bundle_config as cfg  # noqa: E402

FULL = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat").read_text("utf-8")

NAMES = [
    "my.sepheo.co",
    "mail.example.co.uk",
    "a.b.c.kawasaki.jp",
    "city.kawasaki.jp",
    "foo.github.io",
    "x.s3.amazonaws.com",
    "xn--85x722f.xn--55qx5d.cn",
    "localhost",
    "mail.attacker.example",
    "co.uk",
    "www.ck",
]


def test_the_compact_list_is_less_than_half_and_keeps_the_section_markers(tmp_path: Path):
    compact = cfg.compact_public_suffix_list(FULL)
    assert len(compact) < len(FULL) / 2
    for marker in ("BEGIN ICANN", "END ICANN", "BEGIN PRIVATE", "END PRIVATE"):
        assert f"// ==={marker} DOMAINS===" in compact
    written = cfg.write_compact_public_suffix_list(tmp_path)
    assert written.read_text(encoding="utf-8") == compact


@pytest.mark.parametrize("only_icann", [False, True])
def test_the_compact_list_answers_as_the_full_one(only_icann: bool):
    full = PublicSuffixList(io.StringIO(FULL), only_icann=only_icann)
    compact = PublicSuffixList(
        io.StringIO(cfg.compact_public_suffix_list(FULL)), only_icann=only_icann
    )
    for name in NAMES:
        assert compact.privatesuffix(name) == full.privatesuffix(name), name
        assert compact.publicsuffix(name) == full.publicsuffix(name), name
