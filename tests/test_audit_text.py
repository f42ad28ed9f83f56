"""Untrusted text in the audit's findings is shown short and with control characters escaped."""

from __future__ import annotations

from wizard.audit.text import shown


def test_terminal_escapes_and_line_breaks_are_shown_escaped() -> None:
    text = shown("ok\x1b[2J\r\nFAKE: all good")
    assert "\x1b" not in text and "\n" not in text and "\r" not in text
    assert "\\x1b[2J" in text and "\\r\\n" in text


def test_long_text_is_cut_and_says_so() -> None:
    text = shown("a" * 1000, 50)
    assert text == "a" * 50 + "…"
    assert shown(b"\xff bytes") == "\ufffd bytes"
