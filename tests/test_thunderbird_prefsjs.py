"""prefs.js parsing and editing: Mozilla's grammar, strict refusal, untouched surroundings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wizard.clients.thunderbird.prefsjs import (
    PrefsSyntaxError,
    decode,
    encode,
    js_string,
    parse_prefs,
    render_pref,
    render_value,
)

DATA = Path(__file__).parent / "data" / "thunderbird" / "profiles"

TRICKY_STRINGS = [
    "",
    "plain",
    "double \"quotes\" and 'single'",
    "back\\slash and \\n literally",
    "line\nbreak and\r\ncarriage return",
    "Zoë Ångström – 日本語 😀",
    "line\u2028separator and paragraph\u2029separator",
    "tab\there, bell\x07, escape\x1b, DEL\x7f, C1\x85",
    "*/ not a comment end // nor a comment # either",
    'user_pref("injected", true); //',
]


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_every_string_value_reads_back_exactly(value: str) -> None:
    text = render_pref("some.name", value) + "\n"
    assert parse_prefs(text).values() == {"some.name": value}


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_written_values_stay_on_one_line_of_plain_text(value: str) -> None:
    literal = js_string(value)
    assert "\n" not in literal and "\r" not in literal
    assert "\u2028" not in literal and "\u2029" not in literal
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in literal)


def test_line_separators_are_escaped_as_javascript_escapes() -> None:
    assert js_string("a\u2028b\u2029c") == '"a\\u2028b\\u2029c"'


def test_non_ascii_is_written_as_utf8_like_thunderbird_does() -> None:
    assert js_string("Zoë") == '"Zoë"'
    assert encode(render_pref("n", "Zoë")) == b'user_pref("n", "Zo\xc3\xab");'


@pytest.mark.parametrize(
    ("bad", "why"),
    [("nul\0byte", "NUL"), ("lone\ud800surrogate", "surrogate")],
)
def test_values_thunderbird_cannot_store_are_refused(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        js_string(bad)


def test_integers_outside_32_bits_are_refused() -> None:
    assert render_value(2**31 - 1) == "2147483647"
    with pytest.raises(ValueError):
        render_value(2**31)


def test_booleans_are_not_confused_with_integers() -> None:
    assert render_value(True) == "true"
    assert render_value(1) == "1"
    assert parse_prefs('user_pref("a", true);').values()["a"] is True


def test_mozilla_escapes_are_decoded_including_raw_utf8_bytes() -> None:
    text = r"""user_pref("a", "\"\'\\\n\r\u00e9\xC3\xA9\ud83d\ude00");"""
    assert parse_prefs(text).values()["a"] == "\"'\\\n\ré\u00e9😀"


def test_comments_whitespace_signs_and_both_quote_styles_are_understood() -> None:
    text = (
        "# hash\n// slashes\n/* block\n */\t\x0b\x0c"
        "user_pref('single', 'x');user_pref(\"neg\", -  5); user_pref(\"pos\",+7);\r\n"
        'user_pref("multi", "one\ntwo");\n'
        'pref("default.style", false); sticky_pref("sticky", 1); lockPref("locked", 2);'
    )
    assert parse_prefs(text).values() == {
        "single": "x",
        "neg": -5,
        "pos": 7,
        "multi": "one\ntwo",
        "default.style": False,
        "sticky": 1,
        "locked": 2,
    }


def test_a_later_statement_wins_like_in_gecko() -> None:
    doc = parse_prefs('user_pref("a", 1);\nuser_pref("a", 2);\n')
    assert doc.values() == {"a": 2}
    assert doc.last_statement("a") is not None
    assert doc.last_statement("a").line == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('user_pref("a", "unterminated);\n', "never closed"),
        ('user_pref("a", 1)\n', "expected ';'"),
        ('user_pref("a" 1);', "expected ','"),
        ('user_pref("a", 12abc);', "letters right after a number"),
        ('user_pref("a", 2147483648);', "out of range"),
        ('user_pref("a", -2147483649);', "out of range"),
        ('user_pref("a", "\\t");', "unknown escape"),
        ('user_pref("a", "\\x00");', "not allowed"),
        ('user_pref("a", "\\ud800");', "surrogate"),
        ('user_pref("a", 1, locked);', "expected ')'"),
        ("/* never closed", "never closed"),
        ('set_pref("a", 1);', "unknown word"),
        ('user_pref("a", 1); garbage', "unknown word"),
        ('\ufeffuser_pref("a", 1);', "unexpected character"),
        ('user_pref("a", 1); / x', "lone '/'"),
        ('user_pref("a", 1);\0', "NUL"),
        ("user_pref(a, 1);", "unknown word"),
    ],
)
def test_anything_gecko_would_drop_is_refused_with_a_line_number(text: str, reason: str) -> None:
    with pytest.raises(PrefsSyntaxError, match=re.escape(reason)) as caught:
        parse_prefs("// first line\n" + text)
    assert caught.value.line >= 2


def test_edits_replace_only_the_value_and_append_new_prefs() -> None:
    original = (
        '// keep me\nuser_pref("list", "a,b");   /* and me */\nuser_pref("other", 1);\n# and me'
    )
    edited = parse_prefs(original).with_values({"list": "a,b,c", "new.one": "x"})
    assert edited == (
        "// keep me\n"
        'user_pref("list", "a,b,c");   /* and me */\n'
        'user_pref("other", 1);\n'
        "# and me\n"
        'user_pref("new.one", "x");\n'
    )


def test_edits_keep_crlf_line_ends() -> None:
    edited = parse_prefs('user_pref("a", 1);\r\n').with_values({"b": 2})
    assert edited == 'user_pref("a", 1);\r\nuser_pref("b", 2);\r\n'


def test_a_repeated_pref_is_edited_where_it_takes_effect() -> None:
    original = 'user_pref("a", "old");\nuser_pref("a", "effective");\n'
    edited = parse_prefs(original).with_values({"a": "new"})
    assert edited == 'user_pref("a", "old");\nuser_pref("a", "new");\n'


def test_bytes_that_are_not_utf8_survive_a_round_trip() -> None:
    raw = b'user_pref("latin1", "caf\xe9");\n'
    text = decode(raw)
    edited = parse_prefs(text).with_values({"b": 1})
    assert encode(edited).startswith(raw)


def test_the_odd_but_valid_fixture_parses_completely() -> None:
    doc = parse_prefs(decode((DATA / "odd-but-valid" / "prefs.js").read_bytes()))
    values = doc.values()
    assert values["mail.identity.id1.fullName"] == "Zoë Ångström 日本語 😀"
    assert values["mail.identity.id1.htmlSigText"] == (
        'it\'s "fine"\r\nsecond line of the same value'
    )
    assert values["mail.accountmanager.accounts"] == "account1,account2"
    assert values["test.int.min"] == -(2**31)
    assert len(str(values["test.long.line"])) > 100_000


def test_the_corrupt_fixture_is_refused() -> None:
    with pytest.raises(PrefsSyntaxError, match="never closed"):
        parse_prefs(decode((DATA / "corrupt" / "prefs.js").read_bytes()))
