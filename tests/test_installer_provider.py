"""The Windows installer takes a provider file only when IT names it (issue 27 item 1).

A provider.xml lying beside the setup .exe (the Downloads folder, where a browser drops files
unasked) must never be installed: it would decide where every new employee's password goes.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_packaging_metadata import iss_sections

REPO = Path(__file__).resolve().parent.parent
ISS = REPO / "packaging" / "windows" / "installer.iss"


def provider_entries() -> list[str]:
    return [line for line in iss_sections()["Files"] if "provider.xml" in line.lower()]


def test_no_file_is_taken_from_beside_the_setup_exe():
    for section, lines in iss_sections().items():
        for line in lines:
            assert "{src}" not in line.lower(), (section, line)


def test_provider_is_installed_only_from_the_provider_parameter_when_given():
    entries = [e for e in provider_entries() if "{param:PROVIDER" in e]
    assert len(entries) == 1, provider_entries()
    entry = entries[0]
    assert re.search(r'Source: "\{param:PROVIDER\}"', entry), entry  # no fallback default
    assert "Check: ProviderNamed" in entry
    assert "skipifsourcedoesntexist" not in entry  # a named file that is missing is an error
    code = "\n".join(iss_sections()["Code"])
    assert "function ProviderNamed: Boolean;" in code
    assert "Trim(ExpandConstant('{param:PROVIDER}')) <> ''" in code


def test_an_embedded_provider_replaces_the_built_in_settings():
    text = ISS.read_text(encoding="utf-8")
    block = text[
        text.index("#ifdef EmbedProvider") : text.index(
            "#endif", text.index("#ifdef EmbedProvider")
        )
    ]
    assert r'DestDir: "{app}\_internal\resources"; DestName: "provider.xml"' in block


def test_the_script_and_the_docs_say_so():
    comments = "\n".join(
        line for line in ISS.read_text(encoding="utf-8").splitlines() if line.startswith(";")
    )
    assert "/PROVIDER=" in comments
    assert "Never a provider.xml that merely lies beside the setup .exe" in comments
    # The manual lives in docs/ (README links to it): said there, wherever the page is.
    manual = "\n".join(
        p.read_text(encoding="utf-8") for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")]
    )
    assert "never from beside the setup `.exe`" in manual
    doc = (REPO / "docs" / "provider-file.md").read_text(encoding="utf-8")
    assert "/PROVIDER=path" in doc and "is ignored" in doc
    packaging = (REPO / "packaging" / "README.md").read_text(encoding="utf-8")
    assert "never one lying beside the setup `.exe`" in packaging


def test_the_hosted_workflow_checks_both_on_a_real_windows_install():
    """The hosted CI installs the real setup twice: the file beside it must stay out, the one
    named with /PROVIDER= must go in (run on Windows runners, not here)."""
    workflow = (REPO / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    assert 'throw "a provider.xml lying beside setup.exe was installed"' in workflow
    assert '"/PROVIDER=`"$env:RUNNER_TEMP\\it\\provider.xml`""' in workflow
