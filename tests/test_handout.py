"""The settings sheet: well-formed, escaped HTML and an A4 PDF whose text has the settings."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import unicodedata
import zlib
from html.parser import HTMLParser
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from wizard.handout import build_handout, render_html, write_handout, write_html
from wizard.handout.content import CHECK_CHOICE
from wizard.provider import Provider, load_default_provider, load_provider

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data" / "providers"
ADDRESS = "joe.bloggs@sepheo.co"
TRICKY_NAME = 'Jo <b>&"Q"</b> Bloggs'

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) not installed",
)

VOID = {"meta", "br", "img", "hr", "link", "input"}


class BalanceChecker(HTMLParser):
    """Every non-void element is closed, in order; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(html: str) -> BalanceChecker:
    checker = BalanceChecker()
    checker.feed(html)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid one-colour PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def sepheo() -> Provider:
    return load_default_provider()


@pytest.fixture(scope="module")
def example() -> Provider:
    return load_provider(DATA / "example-org.xml")


@pytest.fixture
def logo_provider(tmp_path: Path) -> Provider:
    """The example provider, with a real (tiny) PNG logo beside it."""
    (tmp_path / "no-such-logo.png").write_bytes(solid_png(48, 48, (22, 61, 99)))
    provider_file = tmp_path / "example-org.xml"
    provider_file.write_bytes((DATA / "example-org.xml").read_bytes())
    return load_provider(provider_file)


def test_the_html_is_well_formed_for_both_providers(sepheo: Provider, example: Provider) -> None:
    for provider, address in ((sepheo, ADDRESS), (example, "jane.doe@example.org")):
        html = render_html(build_handout(provider, address, "Someone"))
        assert html.startswith("<!DOCTYPE html>")
        check_html(html)
        SafeET.fromstring(html.split("\n", 1)[1])  # also well-formed as XML (XHTML-compatible)


def test_a_name_with_markup_characters_is_escaped_everywhere(sepheo: Provider) -> None:
    html = render_html(build_handout(sepheo, ADDRESS, TRICKY_NAME))
    assert "<b>&" not in html and '"Q"' not in html
    assert "Jo &lt;b&gt;&amp;&quot;Q&quot;&lt;/b&gt; Bloggs" in html
    checker = check_html(html)
    assert TRICKY_NAME in "".join(checker.text)


def test_the_html_has_the_settings_and_the_troubleshooting_essentials(sepheo: Provider) -> None:
    html = render_html(build_handout(sepheo, ADDRESS, "Joe Bloggs"))
    text = "".join(check_html(html).text)
    for expected in ("my.sepheo.co", "993", "587", "4190", "SSL/TLS", "STARTTLS", ADDRESS):
        assert expected in text
    assert "not the username you use on my.sepheo.co" in text
    assert "same password you use on my.sepheo.co" in text
    assert "Open Mail Setup Wizard" in text and CHECK_CHOICE.replace("'", "'") in text
    assert "support@sepheo.co" in text
    for title in ("Outlook (classic) for Windows", "Apple Mail (macOS)", "Mail filters (Sieve)"):
        assert title in text
    assert "page-break-before: always" in html


def test_the_html_never_holds_a_password_box(sepheo: Provider) -> None:
    html = render_html(build_handout(sepheo, ADDRESS, "Joe Bloggs"))
    tags = check_html(html).tags
    assert "input" not in tags and "form" not in tags and "script" not in tags
    assert "never written on this sheet" in html


def test_the_logo_is_embedded_inline_when_the_file_exists(
    logo_provider: Provider, example: Provider
) -> None:
    with_logo = render_html(build_handout(logo_provider, "jane.doe@example.org", "Jane"))
    assert 'src="data:image/png;base64,iVBORw0KGgo' in with_logo
    without = render_html(build_handout(example, "jane.doe@example.org", "Jane"))
    assert "<img" not in without  # example-org.xml names a logo file that does not exist


def test_a_client_subset_only_includes_those_guides(sepheo: Provider) -> None:
    handout = build_handout(sepheo, ADDRESS, "Joe", ["apple_mail", "other"])
    assert [c.client_id for c in handout.clients] == ["apple_mail", "other"]
    html = render_html(handout)
    assert "Apple Mail (macOS)" in html and "Windows Mail" not in html


def test_write_html_writes_a_standalone_utf8_file(sepheo: Provider, tmp_path: Path) -> None:
    path = write_html(build_handout(sepheo, ADDRESS, "Zoë Bloggs"), tmp_path / "h.html")
    html = path.read_text(encoding="utf-8")
    assert "Zoë Bloggs" in html and '<meta charset="utf-8" />' in html
    assert "<link" not in html and "<script" not in html  # nothing fetched from elsewhere


# --- PDF -------------------------------------------------------------------------------------


def pdf_text(path: Path, page: int | None = None) -> str:
    cmd = ["pdftotext"]
    if page is not None:
        cmd += ["-f", str(page), "-l", str(page)]
    result = subprocess.run([*cmd, str(path), "-"], capture_output=True, check=True)
    # Qt's PDF keeps ligatures (fi, fl): fold them so plain words match.
    return unicodedata.normalize("NFKC", result.stdout.decode())


def pdf_info(path: Path) -> dict[str, str]:
    result = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True)
    lines = (line.split(":", 1) for line in result.stdout.decode().splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in lines}


@needs_poppler
def test_the_pdf_is_a4_with_each_guide_on_its_own_page_and_the_settings_in_its_text(
    qapp: object, sepheo: Provider, tmp_path: Path
) -> None:
    files = write_handout(sepheo, ADDRESS, TRICKY_NAME, tmp_path)
    assert files.pdf.read_bytes().startswith(b"%PDF")
    info = pdf_info(files.pdf)
    assert info["Page size"].startswith("595") and "(A4)" in info["Page size"]
    handout = build_handout(sepheo, ADDRESS, TRICKY_NAME)
    pages = int(info["Pages"])
    assert pages == 1 + len(handout.clients) + 1  # the person's page, the guides, IT's page
    first = " ".join(pdf_text(files.pdf, 1).split())  # layout breaks lines; compare words
    for expected in ("my.sepheo.co", "993", "587", "STARTTLS", ADDRESS, TRICKY_NAME):
        assert expected in first
    assert "4190" not in first  # the filter server is IT's business
    last = " ".join(pdf_text(files.pdf, pages).split())
    assert last.startswith("For IT") and "4190" in last
    assert "Check why my mail isn't working" in first
    assert "support@sepheo.co" in first
    for page, client in enumerate(handout.clients, start=2):
        assert pdf_text(files.pdf, page).lstrip().startswith(client.title)
        assert f"{client.title} — page {page}" in first
    assert f"Page 1 of {info['Pages']}" in first


@needs_poppler
def test_the_pdf_follows_a_non_default_provider_and_embeds_its_logo(
    qapp: object, logo_provider: Provider, tmp_path: Path
) -> None:
    files = write_handout(
        logo_provider, "jane.doe@example.org", "Jane Doe", tmp_path, ["outlook_classic"]
    )
    text = pdf_text(files.pdf)
    for expected in ("Example Organisation", "mail.example.org", "smtp.example.org", "143"):
        assert expected in text
    assert "465" in text and "helpdesk@example.org" in text and "jane.doe" in text
    assert "sepheo" not in text.lower()
    images = subprocess.run(["pdfimages", "-list", str(files.pdf)], capture_output=True)
    if images.returncode == 0:
        assert len(images.stdout.decode().splitlines()) > 2  # header lines plus the logo


@needs_poppler
def test_a_long_address_is_wrapped_not_clipped(
    qapp: object, example: Provider, tmp_path: Path
) -> None:
    address = "maximilian.alexander.von-hohenzollern-sigmaringen@example.org"
    files = write_handout(example, address, "Maximilian", tmp_path, ["other"])
    squashed = "".join(pdf_text(files.pdf, 1).split())
    assert address in squashed  # every character is on the page, even if split over lines
    assert int(pdf_info(files.pdf)["Pages"]) == 2  # the person's page and IT's


@needs_poppler
@pytest.mark.parametrize(
    "client", ["outlook_classic", "outlook_new", "apple_mail", "thunderbird", "other"]
)
def test_one_program_fits_the_persons_page_with_it_details_on_an_optional_second(
    qapp: object, sepheo: Provider, tmp_path: Path, client: str
) -> None:
    files = write_handout(sepheo, ADDRESS, "Joe Bloggs", tmp_path / "with", [client])
    assert int(pdf_info(files.pdf)["Pages"]) == 2
    first = " ".join(pdf_text(files.pdf, 1).split())
    guide = build_handout(sepheo, ADDRESS, "Joe", [client]).clients[0]
    assert guide.title in first and "support@sepheo.co" in first
    if client != "other":  # a generic program's own guide offers the filter server, optionally
        assert "Sieve" not in first and "4190" not in first
    second = " ".join(pdf_text(files.pdf, 2).split())
    assert second.startswith("For IT") and "4190" in second
    from wizard.handout.pdf import write_pdf

    alone = write_pdf(
        build_handout(sepheo, ADDRESS, "Joe Bloggs", [client], it_page=False), tmp_path / "p.pdf"
    )
    assert int(pdf_info(alone)["Pages"]) == 1


def test_the_one_program_sheet_has_a_heading_and_room_before_mail_not_working(
    sepheo: Provider,
) -> None:
    from wizard.handout.render_html import Flavour

    for flavour in (Flavour.BROWSER, Flavour.QT):
        page = render_html(build_handout(sepheo, ADDRESS, "Joe", ["apple_mail"]), flavour)
        account_end = page.index("</table>", page.index('class="account"'))
        heading = page.index('<h3 class="help-heading">Mail not working?</h3>')
        assert account_end < heading < page.index('class="help"')  # after the table, its own
    assert ".help-heading { margin-top: 10px; }" in page  # room above it in the PDF


def test_the_web_page_is_the_accessible_version_with_headers_and_a_language(
    sepheo: Provider,
) -> None:
    page = render_html(build_handout(sepheo, ADDRESS, "Joe"))
    assert '<html lang="en"' in page and "<title>" in page
    assert page.count('<th scope="row"') >= 3  # the account's labels head their rows
    assert '<th scope="col"' in page  # the settings tables' columns are named
    headings = [level for level in ("<h1>", "<h2>", "<h3") if level in page]
    assert headings[0] == "<h1>"
