"""The provider's <logo>: a bare name in the file's own folder, a real image, at most 1 MB,
read with a cap (issue 28 item 5). Anything else is a clear ProviderError."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from tests.test_handout import DATA, solid_png
from wizard.handout import build_handout, render_html
from wizard.provider import ProviderError, load_provider
from wizard.provider_logo import MAX_LOGO_BYTES, image_type, load_logo

PNG = solid_png(8, 8, (1, 2, 3))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


def provider_file(folder: Path, logo: str) -> Path:
    text = (DATA / "example-org.xml").read_text(encoding="utf-8")
    text = text.replace("<logo>no-such-logo.png</logo>", f"<logo>{logo}</logo>")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "provider.xml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name",
    [
        "../logo.png",
        "/etc/passwd",
        "sub/logo.png",
        r"sub\logo.png",
        r"C:\logo.png",
        "C:logo.png",
        "..",
    ],
)
def test_a_logo_outside_the_files_own_folder_is_refused(tmp_path: Path, name: str):
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "p" / "sub").mkdir(parents=True)
    (tmp_path / "p" / "sub" / "logo.png").write_bytes(PNG)
    with pytest.raises(ProviderError, match=r"<branding>: <logo> .*own folder"):
        load_provider(provider_file(tmp_path / "p", name))


@pytest.mark.parametrize(
    ("data", "mime"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (SVG, "image/svg+xml")]
)
def test_png_jpeg_and_svg_are_recognised_by_their_bytes_not_their_name(
    tmp_path: Path, data: bytes, mime: str
):
    (tmp_path / "logo.gif").write_bytes(data)  # the name says nothing
    provider = load_provider(provider_file(tmp_path, "logo.gif"))
    assert provider.branding.logo == tmp_path / "logo.gif"
    html = render_html(build_handout(provider, "jane.doe@example.org", "Jane"))
    assert f'src="data:{mime};base64,' in html


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"GIF89a" + b"\x00" * 20, id="gif"),
        pytest.param(b"#!/bin/sh\nrm -rf ~\n", id="script"),
        pytest.param(b"<html><body>hi</body></html>", id="html"),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
            id="svg-with-entities",
        ),
        pytest.param(b"", id="empty"),
    ],
)
def test_anything_but_an_image_is_a_clear_provider_error(tmp_path: Path, data: bytes):
    (tmp_path / "logo.png").write_bytes(data)
    with pytest.raises(ProviderError, match="is not a PNG, JPEG or SVG image"):
        load_provider(provider_file(tmp_path, "logo.png"))


def test_a_logo_over_one_megabyte_is_refused(tmp_path: Path):
    (tmp_path / "logo.png").write_bytes(PNG + b"\x00" * (MAX_LOGO_BYTES + 1 - len(PNG)))
    with pytest.raises(ProviderError, match="larger than 1,000,000 bytes"):
        load_provider(provider_file(tmp_path, "logo.png"))
    (tmp_path / "logo.png").write_bytes(PNG + b"\x00" * (MAX_LOGO_BYTES - len(PNG)))
    assert load_provider(provider_file(tmp_path, "logo.png")).branding.logo is not None


def test_an_8_gb_sparse_logo_is_refused_without_reading_it(tmp_path: Path):
    """The reproduction of issue 28 finding 6 (it crashed with MemoryError): now refused,
    with memory far below the file's size."""
    big = tmp_path / "logo.png"
    with open(big, "wb") as fh:
        fh.write(PNG)
        fh.truncate(8 * 1024**3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ProviderError, match="larger than"):
        load_provider(provider_file(tmp_path, "logo.png"))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024


def test_a_link_in_the_folder_is_not_followed(tmp_path: Path):
    (tmp_path / "elsewhere.png").write_bytes(PNG)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "logo.png").symlink_to(tmp_path / "elsewhere.png")
    with pytest.raises(ProviderError, match="is a link"):
        load_provider(provider_file(tmp_path / "p", "logo.png"))


def test_a_fifo_is_refused_without_hanging(tmp_path: Path):
    os.mkfifo(tmp_path / "logo.png")
    with pytest.raises(ProviderError, match="not a regular file"):
        load_provider(provider_file(tmp_path, "logo.png"))


def test_a_missing_logo_is_only_missing(tmp_path: Path):
    provider = load_provider(provider_file(tmp_path, "logo.png"))
    assert provider.branding.logo is None


def test_a_logo_replaced_after_loading_is_left_out_of_the_handout(tmp_path: Path):
    (tmp_path / "logo.png").write_bytes(PNG)
    provider = load_provider(provider_file(tmp_path, "logo.png"))
    (tmp_path / "logo.png").write_bytes(b"#!/bin/sh\n")
    assert load_logo(provider.branding.logo) is None
    html = render_html(build_handout(provider, "jane.doe@example.org", "Jane"))
    assert "<img" not in html


def test_image_type_is_none_for_an_svg_lookalike():
    assert image_type(b"<svgfoo/>") is None
    assert image_type(SVG) == "image/svg+xml"
