"""Reading and editing Thunderbird's ``prefs.js`` without disturbing anything else in it.

The grammar is Mozilla's user-prefs grammar (the Rust parser in ``modules/libpref/parser``):
``user_pref("name", value);`` statements, where the value is a single- or double-quoted string,
an integer in the signed 32-bit range (the sign may be a separate token), ``true`` or ``false``;
``pref``/``sticky_pref``/``lockPref`` are accepted as statement keywords too. Comments are
``//``, ``#`` (to end of line) and ``/* */``; whitespace is space, tab, ``\\v``, ``\\f``, CR and LF.
String escapes are ``\\" \\' \\\\ \\n \\r \\xNN \\uNNNN`` (surrogate pairs allowed; NUL is not).

Two deliberate differences from Mozilla's parser:

* Mozilla recovers from a syntax error by skipping to the next ``;`` and silently dropping the
  statement. We refuse the whole file instead (``PrefsSyntaxError``): rewriting a file we do not
  fully understand could lose exactly the line the user cares about.
* We never re-serialise the file. Edits replace the text of one value token in place, and new
  prefs are appended, so every other byte (comments, order, odd spacing, long lines) survives.

Files are handled as UTF-8 with ``surrogateescape``, so bytes that are not valid UTF-8 (possible
inside ``\\xNN``-built strings written by other tools) round-trip unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.errors import WizardError

PrefValue = str | int | bool

_ENCODING = "utf-8"
_ERRORS = "surrogateescape"
PREF_INT_MAX = 2**31 - 1
PREF_INT_MIN = -(2**31)
_SPECS = ("user_pref", "pref", "sticky_pref", "lockPref")
_KEYWORDS = frozenset((*_SPECS, "true", "false", "sticky", "locked"))
_SPACE = " \t\v\f\r\n"
_KEYWORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset("0123456789")
_SIMPLE_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r"}
# Runs of string characters that need no special handling, per quote style.
_PLAIN_RUN = {q: re.compile(f"[^{q}\\\\\r\n\0]*") for q in ('"', "'")}


class PrefsSyntaxError(WizardError, ValueError):
    """prefs.js is not valid; ``line`` is 1-based, as an editor would show it."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class PrefStatement:
    """One parsed statement; spans are character offsets into the decoded text."""

    keyword: str
    name: str
    value: PrefValue
    value_start: int
    value_end: int
    line: int


@dataclass(frozen=True)
class PrefsDocument:
    """The file's text plus where each statement's value sits, for in-place edits."""

    text: str
    statements: tuple[PrefStatement, ...]

    @property
    def newline(self) -> str:
        """Keep whatever line ending the file already uses (Gecko writes LF everywhere)."""
        return "\r\n" if "\r\n" in self.text else "\n"

    def values(self) -> dict[str, PrefValue]:
        """Effective values: as in Gecko, a later statement for the same name wins."""
        return {s.name: s.value for s in self.statements}

    def last_statement(self, name: str) -> PrefStatement | None:
        for statement in reversed(self.statements):
            if statement.name == name:
                return statement
        return None

    def with_values(self, changes: dict[str, PrefValue]) -> str:
        """The text with ``changes`` applied: existing values replaced, new prefs appended."""
        replacements: list[tuple[int, int, str]] = []
        appended: list[str] = []
        for name, value in changes.items():
            rendered = render_value(value)
            existing = self.last_statement(name)
            if existing is None:
                appended.append(render_pref(name, value))
            else:
                replacements.append((existing.value_start, existing.value_end, rendered))
        text = self.text
        for start, end, rendered in sorted(replacements, reverse=True):
            text = text[:start] + rendered + text[end:]
        if appended:
            nl = self.newline
            if text and not text.endswith(("\n", "\r")):
                text += nl
            text += nl.join(appended) + nl
        return text


def decode(data: bytes) -> str:
    return data.decode(_ENCODING, _ERRORS)


def encode(text: str) -> bytes:
    return text.encode(_ENCODING, _ERRORS)


def parse_prefs(text: str) -> PrefsDocument:
    """Parse the whole file or raise PrefsSyntaxError naming the first problem."""
    return PrefsDocument(text=text, statements=tuple(_Parser(text).statements()))


def parse_prefs_prefix(text: str) -> tuple[PrefsDocument, PrefsSyntaxError | None]:
    """For reading only: every statement before the first problem, and that problem."""
    found: list[PrefStatement] = []
    try:
        _Parser(text).statements(found)
    except PrefsSyntaxError as exc:
        return PrefsDocument(text=text, statements=tuple(found)), exc
    return PrefsDocument(text=text, statements=tuple(found)), None


def string_literal(literal: str) -> str:
    """The value of one quoted string token (as the full parser decodes it)."""
    parser = _Parser(literal)
    value = parser.string(literal[0])
    if parser.i != len(literal):
        raise PrefsSyntaxError(1, "text after the string")
    return value


# --- writing ---


def js_string(value: str) -> str:
    """A double-quoted literal Gecko reads back as exactly ``value``.

    Quotes, backslashes, CR and LF get the short escapes Gecko itself writes. Other control
    characters, DEL, the C1 range and the line/paragraph separators U+2028/U+2029 become
    ``\\uNNNN`` so the file stays one statement per line and safe for any JavaScript-aware tool.
    Everything else (accents, CJK, emoji) is written as UTF-8, as Thunderbird does.
    """
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif code == 0:
            raise ValueError("a preference value cannot contain the NUL character")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError("a preference value cannot contain an unpaired surrogate")
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def render_value(value: PrefValue) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        if not PREF_INT_MIN <= value <= PREF_INT_MAX:
            raise ValueError(f"{value} does not fit a preference integer (32-bit)")
        return str(value)
    return js_string(value)


def render_pref(name: str, value: PrefValue) -> str:
    return f"user_pref({js_string(name)}, {render_value(value)});"


def same_value(a: PrefValue | None, b: PrefValue | None) -> bool:
    """Equality that tells ``true`` from ``1``, as Gecko's typed prefs do."""
    return type(a) is type(b) and a == b


# --- reading ---


@dataclass(frozen=True)
class _Token:
    kind: str  # "keyword", "string", "int", "punct", "eof"
    text: str  # keyword / punctuation text; decoded value for strings
    start: int
    end: int
    line: int
    number: int = 0


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1

    def fail(self, reason: str, line: int | None = None) -> PrefsSyntaxError:
        return PrefsSyntaxError(line if line is not None else self.line, reason)

    def statements(self, found: list[PrefStatement] | None = None) -> list[PrefStatement]:
        found = [] if found is None else found
        while True:
            token = self.next_token()
            if token.kind == "eof":
                return found
            if token.kind != "keyword" or token.text not in _SPECS:
                raise self.fail("expected user_pref( at the start of a statement", token.line)
            self.expect_punct("(", "after " + token.text)
            name = self.next_token()
            if name.kind != "string":
                raise self.fail("expected the preference name in quotes", name.line)
            self.expect_punct(",", "after the preference name")
            value, start, end = self.value()
            self.expect_punct(")", "after the value")
            self.expect_punct(";", "after ')'")
            found.append(PrefStatement(token.text, name.text, value, start, end, token.line))

    def expect_punct(self, char: str, where: str) -> None:
        token = self.next_token()
        if token.kind != "punct" or token.text != char:
            raise self.fail(f"expected '{char}' {where}", token.line)

    def value(self) -> tuple[PrefValue, int, int]:
        token = self.next_token()
        if token.kind == "string":
            return token.text, token.start, token.end
        if token.kind == "keyword" and token.text in ("true", "false"):
            return token.text == "true", token.start, token.end
        if token.kind == "int":
            if token.number > PREF_INT_MAX:
                raise self.fail("integer out of range", token.line)
            return token.number, token.start, token.end
        if token.kind == "punct" and token.text in "+-":
            number = self.next_token()
            if number.kind != "int":
                raise self.fail(f"expected a number after '{token.text}'", number.line)
            signed = -number.number if token.text == "-" else number.number
            if not PREF_INT_MIN <= signed <= PREF_INT_MAX:
                raise self.fail("integer out of range", number.line)
            return signed, token.start, number.end
        raise self.fail("expected a value (string, number, true or false)", token.line)

    # -- lexer

    def next_token(self) -> _Token:
        text = self.text
        while True:
            if self.i >= len(text):
                return _Token("eof", "", self.i, self.i, self.line)
            ch = text[self.i]
            if ch in _SPACE:
                self.skip_newline_or_space()
                continue
            if ch == "#":
                self.skip_line_comment()
                continue
            if ch == "/":
                nxt = text[self.i + 1] if self.i + 1 < len(text) else ""
                if nxt == "/":
                    self.skip_line_comment()
                    continue
                if nxt == "*":
                    self.skip_block_comment()
                    continue
                raise self.fail("a lone '/' (expected // or /* for a comment)")
            start, line = self.i, self.line
            if ch in "(),;+-":
                self.i += 1
                return _Token("punct", ch, start, self.i, line)
            if ch in ('"', "'"):
                value = self.string(ch)
                return _Token("string", value, start, self.i, line)
            if ch in _DIGITS:
                return self.integer(start, line)
            if ch in _KEYWORD_CHARS:
                while self.i < len(text) and text[self.i] in _KEYWORD_CHARS:
                    self.i += 1
                word = text[start : self.i]
                if word not in _KEYWORDS:
                    raise self.fail(f"unknown word {word!r}", line)
                return _Token("keyword", word, start, self.i, line)
            if ch == "\0":
                raise self.fail("a NUL byte in the file")
            raise self.fail(f"unexpected character {ch!r}")

    def skip_newline_or_space(self) -> None:
        ch = self.text[self.i]
        self.i += 1
        if ch == "\n":
            self.line += 1
        elif ch == "\r":
            self.line += 1
            if self.i < len(self.text) and self.text[self.i] == "\n":
                self.i += 1

    def skip_line_comment(self) -> None:
        text = self.text
        while self.i < len(text) and text[self.i] not in "\r\n":
            if text[self.i] == "\0":
                raise self.fail("a NUL byte in the file")
            self.i += 1

    def skip_block_comment(self) -> None:
        start_line = self.line
        self.i += 2
        text = self.text
        while self.i < len(text):
            if text.startswith("*/", self.i):
                self.i += 2
                return
            if text[self.i] in "\r\n":
                self.skip_newline_or_space()
            else:
                self.i += 1
        raise self.fail("a /* comment is never closed", start_line)

    def integer(self, start: int, line: int) -> _Token:
        text = self.text
        while self.i < len(text) and text[self.i] in _DIGITS:
            self.i += 1
        if self.i < len(text) and text[self.i] in _KEYWORD_CHARS:
            raise self.fail("letters right after a number", line)
        return _Token("int", text[start : self.i], start, self.i, line, int(text[start : self.i]))

    def string(self, quote: str) -> str:
        """Decode a string literal; built as bytes because ``\\xNN`` adds raw bytes."""
        start_line = self.line
        text = self.text
        plain = _PLAIN_RUN[quote]
        self.i += 1
        out = bytearray()
        while True:
            run = plain.match(text, self.i)
            if run and run.end() > self.i:
                out += encode(run.group())
                self.i = run.end()
            if self.i >= len(text):
                raise self.fail("a string is never closed", start_line)
            ch = text[self.i]
            if ch == quote:
                self.i += 1
                return decode(bytes(out))
            if ch == "\0":
                raise self.fail("a NUL byte in the file")
            if ch == "\\":
                out += self.escape()
            else:  # CR or LF: Gecko allows line breaks inside strings
                newline_start = self.i
                self.skip_newline_or_space()
                out += encode(text[newline_start : self.i])

    def escape(self) -> bytes:
        text = self.text
        self.i += 1  # the backslash
        if self.i >= len(text):
            raise self.fail("a string ends in a lone backslash")
        ch = text[self.i]
        if ch in _SIMPLE_ESCAPES:
            self.i += 1
            return _SIMPLE_ESCAPES[ch].encode()
        if ch == "x":
            self.i += 1
            byte = self.hex_digits(2)
            if byte == 0:
                raise self.fail("\\x00 is not allowed")
            return bytes([byte])  # a raw byte, as Gecko copies it
        if ch == "u":
            self.i += 1
            unit = self.hex_digits(4)
            if unit == 0:
                raise self.fail("\\u0000 is not allowed")
            if 0xDC00 <= unit <= 0xDFFF:
                raise self.fail("a low surrogate without a high one")
            if 0xD800 <= unit <= 0xDBFF:
                if not text.startswith("\\u", self.i):
                    raise self.fail("a high surrogate without a low one")
                self.i += 2
                low = self.hex_digits(4)
                if not 0xDC00 <= low <= 0xDFFF:
                    raise self.fail("a high surrogate without a low one")
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            return chr(unit).encode()
        raise self.fail(f"unknown escape \\{ch}")

    def hex_digits(self, count: int) -> int:
        chunk = self.text[self.i : self.i + count]
        if len(chunk) != count or any(c not in "0123456789abcdefABCDEF" for c in chunk):
            raise self.fail("a malformed \\x or \\u escape")
        self.i += count
        return int(chunk, 16)
