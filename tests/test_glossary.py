"""One word per thing: docs/glossary.md, wizard/words.py and every text the person reads agree.

The glossary's "Names" table is parsed; each concept's words must be exactly the table in
wizard/words.py, and no "never" word may appear in the wizard's words (pages, checking rows,
last page), the report, the settings sheet or any mail program's steps. Text in “curly quotes”
is a mail program's own label and is skipped.
"""

from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path

import pytest

from wizard import words
from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.clients.instructions import all_clients, instructions_for, render_text
from wizard.flow import CLIENT_LABELS, WizardFlow
from wizard.handout.content import build_handout
from wizard.handout.render_html import render_html
from wizard.provider import load_default_provider
from wizard.report import make_report
from wizard.report import render_text as render_report
from wizard.services import Security, Service
from wizard.ui_text.checking import checking_text
from wizard.ui_text.done import done_text

ROOT = Path(__file__).parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
ADDRESS = "zoe.obrien@sepheo.co"


def names_table() -> list[tuple[str, str, list[str]]]:
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## Names, one table per concept", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("concept", "---") or set(cells[0]) <= {"-"}:
            continue
        concept, say, never = cells
        rows.append((concept, say, [n.strip() for n in never.split(",") if n.strip()]))
    return rows


def test_the_glossary_names_exactly_the_words_the_code_uses():
    said: dict[str, set[str]] = {}
    for concept, say, _never in names_table():
        said.setdefault(concept, set()).add(say)
    assert said == {
        "service": set(words.SERVICE_NAMES.values()),
        "status": set(words.STATUS_WORDS),
        "program": set(words.PROGRAM_NAMES.values()),
        "sheet": {words.SHEET},
        "security": set(words.SECURITY_WORDS.values()),
    }


def result(service: Service, ok: bool, **kw: object) -> CheckResult:
    return CheckResult(service, "my.sepheo.co", 993, Security.TLS, ADDRESS, ok=ok, **kw)


def wizard_texts() -> list[str]:
    """What the pages say for the main states (the words modules render them)."""
    provider = load_default_provider()
    out = []
    outcomes = [
        [result(s, True) for s in (Service.IMAP, Service.SMTP, Service.SIEVE, Service.ROUNDTRIP)],
        [result(Service.IMAP, False, cause=Cause.AUTH_FAILED), result(Service.SMTP, True)],
        [result(Service.IMAP, True), result(Service.SMTP, False, cause=Cause.CONNECTION_REFUSED)],
        [
            result(Service.IMAP, True),
            result(Service.SMTP, True),
            result(Service.ROUNDTRIP, False, cause=Cause.ARRIVED_IN_JUNK),
        ],
    ]
    for results in outcomes:
        flow = WizardFlow(provider, platform="linux", send_test_message=True)
        flow.set_account("Zoë", ADDRESS, "x")
        flow.checks_finished(results)
        words_ = checking_text(flow)
        out += [words_.title, words_.status, words_.fix]
        out += [f"{r.name} {r.word} {r.description}" for r in words_.rows]
        for client in CLIENT_LABELS:
            flow.choose_client(client)
            done = done_text(flow)
            out += [done.title, done.headline, *done.steps]
    out += list(CLIENT_LABELS.values())
    return out


def gui_string_literals() -> list[str]:
    """Every string literal in the Qt pages and widgets (their own words, e.g. row verdicts)."""
    out = []
    for path in (ROOT / "wizard" / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
        }  # docstrings and bare strings are for programmers
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and id(node) not in docstrings:
                out.append(text)
    return out


def report_text() -> str:
    provider = load_default_provider()
    results = [
        result(Service.IMAP, True),
        result(Service.SMTP, False, cause=Cause.CONNECTION_REFUSED, message="refused"),
        result(Service.SIEVE, True),
        result(Service.ROUNDTRIP, False, cause=Cause.BOUNCED, message="came back"),
    ]
    return render_report(make_report(ADDRESS, provider, results))


def sheet_and_steps() -> list[str]:
    provider = load_default_provider()
    handout = build_handout(provider, ADDRESS, "Zoë")
    html = unescape(re.sub(r"<[^>]+>", " ", render_html(handout)))
    steps = [render_text(instructions_for(c.client_id, provider, ADDRESS)) for c in all_clients()]
    titles = [c.title for c in all_clients()]
    return [html, *steps, *titles]


def unquoted(text: str) -> str:
    return re.sub(r"“[^”]*”", "", text)


@pytest.mark.parametrize(
    "where",
    ["wizard", "gui", "report", "sheet"],
)
def test_no_text_uses_a_word_the_glossary_says_never_to_use(where):
    texts = {
        "wizard": wizard_texts,
        "gui": gui_string_literals,
        "report": lambda: [report_text()],
        "sheet": sheet_and_steps,
    }[where]()
    found = []
    for _concept, say, never in names_table():
        for word in never:
            for text in texts:
                plain = unquoted(text)
                # "Stopped." and "Working." as row verdicts: a whole text, not a sentence's end.
                hit = plain.strip() == word if word.endswith(".") else word in plain
                if hit:
                    found.append(f"{word!r} (say {say!r}) in {plain.strip()[:80]!r}")
    assert found == []


def test_program_names_on_the_client_page_are_the_glossarys():
    for client_id, label in CLIENT_LABELS.items():
        assert label.removesuffix(words.RETIRED_MARK) == words.PROGRAM_NAMES[client_id]
    for info in all_clients():
        if info.client_id in words.PROGRAM_NAMES:
            assert info.title.startswith(words.PROGRAM_NAMES[info.client_id]), info.title
