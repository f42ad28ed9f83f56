"""Reading a server's own words: which product, which address it sees, which session.

The real Dovecot and Haraka are exercised end to end in test_log_hints.py; here the words of
other products' greetings, as those products print them by default, and the edge cases.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wizard.logs
from wizard.servers import (
    BY_KEY,
    PRODUCTS,
    Logged,
    dovecot,
    haraka,
    identify,
    seen_ip_from_ehlo,
    seen_ip_from_refusal,
    session_from_banner,
)
from wizard.servers.blocklist import is_blocklist_refusal, listed_on


@pytest.mark.parametrize(
    ("greeting", "label"),
    [
        ("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot (Debian) ready.", "Dovecot"),
        ("Dovecot Pigeonhole", "Dovecot"),
        ("mail.example.org ESMTP Haraka/3.3.4 ready (EE0EDA)", "Haraka 3.3.4"),
        ("mail.example.org ESMTP Haraka ready (EE0EDA)", "Haraka"),
        ("mail.example.org ESMTP Postfix (Debian/GNU)", "Postfix"),
        ("mx.example.org ESMTP Exim 4.96 Tue, 01 Dec 2026 09:00:00 +0000", "Exim 4.96"),
        (
            "* OK [CAPABILITY IMAP4rev1] imap.example.org Cyrus IMAP 3.6.1 server ready",
            "Cyrus 3.6.1",
        ),
        ("* OK [CAPABILITY IMAP4rev1] Courier-IMAP ready. Copyright 1998-2022", "Courier"),
        ("* OK The Microsoft Exchange IMAP4 service is ready.", "Microsoft Exchange"),
        (
            "mail.example.org Microsoft ESMTP MAIL Service ready at Tue, 1 Dec 2026",
            "Microsoft Exchange",
        ),
    ],
)
def test_the_product_and_version_come_from_the_servers_own_greeting(greeting, label):
    found = identify(greeting)
    assert found is not None and found.label == label


def test_a_server_that_does_not_say_what_it_runs_is_unknown():
    assert identify("* OK IMAP4rev1 server ready") is None
    assert identify("mail.example.org ESMTP ready") is None


def test_the_ehlo_reply_gives_the_address_the_server_sees_never_our_own_echo():
    haraka = BY_KEY["haraka"]
    line = "localhost Hello [203.0.113.7], Haraka is at your service."
    assert seen_ip_from_ehlo(line, "[192.168.0.54]", haraka) == "203.0.113.7"
    # Exim repeats our HELO name, then the address it sees.
    exim = "mx Hello [192.168.0.54] [203.0.113.7]"
    assert seen_ip_from_ehlo(exim, "[192.168.0.54]", BY_KEY["exim"]) == "203.0.113.7"
    # A lone literal equal to our own HELO argument may be an echo: unknown products don't count.
    assert seen_ip_from_ehlo("mx greets [192.168.0.54]", "[192.168.0.54]", None) is None
    assert seen_ip_from_ehlo("mail.example.org", "[192.168.0.54]", None) is None
    assert seen_ip_from_ehlo("mx Hello [IPv6:2001:db8::7]", "[10.0.0.1]", None) == "2001:db8::7"


def test_a_refusal_names_the_refused_address_and_haraka_by_its_plugins_words():
    text = "host [2001:db8::7] is listed on zen.spamhaus.org"
    assert seen_ip_from_refusal(text) == "2001:db8::7"
    found = identify(text)
    assert found is not None and found.product.key == "haraka"


def test_only_harakas_banner_gives_a_session_id():
    haraka, postfix = BY_KEY["haraka"], BY_KEY["postfix"]
    assert session_from_banner("localhost ESMTP Haraka/3.3.4 ready (1A6EE7)", haraka) == "1A6EE7"
    assert session_from_banner("localhost ESMTP Postfix (1A6EE7)", postfix) is None


def test_products_without_tested_log_lines_quote_nothing():
    # Quoting is earned by a test against the product's real log (test_log_hints.py).
    quoted = {p.key for p in PRODUCTS if p.fragments}
    assert quoted == {"dovecot", "haraka", "exim"}
    assert all(isinstance(o, Logged) for p in PRODUCTS for (_, o) in p.fragments)


@pytest.mark.parametrize(
    ("refusal", "listed"),
    [
        ("host [192.0.2.7] is listed on zen.spamhaus.org", "zen.spamhaus.org"),
        ("host [192.0.2.7] is blacklisted by bl.example.net", "bl.example.net"),
        ("Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org", None),
        ("Your address is on our RBL", None),
    ],
)
def test_one_blocklist_refusal_pattern_for_the_check_and_the_log_reader(refusal, listed):
    assert is_blocklist_refusal(refusal)
    assert listed_on(refusal) == listed


def test_an_ordinary_refusal_is_no_blocklist_refusal():
    assert not is_blocklist_refusal("Too many connections from your host, try later")
    assert listed_on("5.7.8 Authentication credentials invalid") is None


def _literals(tree: ast.AST) -> set[str]:
    """String constants of the code, but not the pieces of f-strings (sentences for IT)."""
    in_fstrings = {id(c) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for c in n.values}
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and len(n.value) >= 5
        and id(n) not in in_fstrings
    }


def test_no_log_parser_keeps_its_own_copy_of_a_products_log_words():
    # Every word a product writes in its log is a constant of its module in wizard/servers/;
    # the readers in wizard/logs/ refer to it, so a literal copy there means drift to come.
    words: set[str] = set()
    for module in (dovecot, haraka):
        for value in vars(module).values():
            if isinstance(value, str):
                words.add(value)
            elif isinstance(value, tuple):
                words.update(v for v in value if isinstance(v, str))
            elif isinstance(value, re.Pattern):
                words.add(value.pattern)
    words = {w for w in words if len(w) >= 5}
    logs = Path(wizard.logs.__file__).parent
    parsers = [logs / n for n in ("dovecot.py", "lineformat.py", "reader.py", "redact.py")]
    parsers += sorted((logs / "haraka").glob("*.py"))
    copies = {
        str(path.relative_to(logs)): sorted(_literals(ast.parse(path.read_text())) & words)
        for path in parsers
    }
    assert {name: found for name, found in copies.items() if found} == {}
