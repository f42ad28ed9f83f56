"""Properties of the prefs.js merge over generated profiles (hypothesis).

Whatever a profile already holds (other accounts, leftovers, odd spacing, comments, CRLF line
ends, prefs of the wrong type under the names we read), adding the account must keep every line
that was there, in its place, change only the values of prefs it owns, and a second run must
change nothing.
"""

from __future__ import annotations

import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.clients.thunderbird.account import AccountRequest, plan_account
from wizard.clients.thunderbird.prefsjs import PrefValue, parse_prefs, render_value
from wizard.provider import load_default_provider

PROVIDER = load_default_provider()
ADDRESS = "joe.bloggs@sepheo.co"

# Names Thunderbird (and the planner) care about, with the account/server/identity/SMTP numbers
# the generated profiles use, so generated leftovers collide with the planner's choices.
_KEYS = st.sampled_from(["1", "2", "3", "7"])
_NAMES = st.one_of(
    st.sampled_from(
        [
            "mail.accountmanager.accounts",
            "mail.accountmanager.defaultaccount",
            "mail.accountmanager.localfoldersserver",
            "mail.account.lastKey",
            "mail.smtpservers",
            "mail.smtp.defaultserver",
            "browser.startup.page",
            "mailnews.start_page.enabled",
        ]
    ),
    st.builds(lambda n: f"mail.account.account{n}.server", _KEYS),
    st.builds(lambda n: f"mail.account.account{n}.identities", _KEYS),
    st.builds(
        lambda n, leaf: f"mail.server.server{n}.{leaf}",
        _KEYS,
        st.sampled_from(["type", "hostname", "userName", "name", "port", "socketType"]),
    ),
    st.builds(
        lambda n, leaf: f"mail.identity.id{n}.{leaf}",
        _KEYS,
        st.sampled_from(["useremail", "fullName", "smtpServer"]),
    ),
    st.builds(
        lambda n, leaf: f"mail.smtpserver.smtp{n}.{leaf}",
        _KEYS,
        st.sampled_from(["hostname", "port", "username", "try_ssl"]),
    ),
    st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=30),
)
_STRINGS = st.one_of(
    st.sampled_from(
        [
            "imap",
            "smtp",
            "none",
            "my.sepheo.co",
            ADDRESS,
            "joe.bloggs",
            "account1,account2",
            " account1 , ,account3,",
            "server1",
            "server2",
            "id1",
            "smtp1",
            "smtp1,smtp7",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=20),
)
_VALUES: st.SearchStrategy[PrefValue] = st.one_of(
    _STRINGS, st.integers(-(2**31), 2**31 - 1), st.booleans()
)
_SPACE = st.sampled_from(["", " ", "  ", "\t"])
_COMMENT_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="*/\u2028\u2029\x85"),
    max_size=20,
)


def _other_spellings(value: PrefValue) -> st.SearchStrategy[str]:
    """Ways other tools write the same value: single quotes, a detached sign."""
    spellings = [render_value(value)]
    if isinstance(value, str) and "'" not in value and "\\" not in value:
        plain = render_value(value)[1:-1].replace('\\"', '"')
        spellings.append(f"'{plain}'")
    if isinstance(value, int) and not isinstance(value, bool):
        spellings.append(f"- {-value}" if value < 0 else f"+ {value}")
    return st.sampled_from(spellings)


@st.composite
def _statement(draw: st.DrawFn) -> str:
    keyword = draw(st.sampled_from(["user_pref", "user_pref", "pref", "sticky_pref"]))
    name = draw(_NAMES)
    value = draw(_VALUES.flatmap(_other_spellings))
    s1, s2, s3, s4 = (draw(_SPACE) for _ in range(4))
    quote_name = f'"{name}"'
    return f"{keyword}{s1}({s2}{quote_name},{s3}{value}{s4});"


_LINES = st.one_of(
    st.builds(lambda a, b: f"{a} {b}", _statement(), _statement()),  # two on one line
    _statement(),
    _statement(),
    _statement(),
    st.builds(lambda t: f"// {t}", _COMMENT_TEXT),
    st.builds(lambda t: f"# {t}", _COMMENT_TEXT),
    st.builds(lambda t: f"/* {t} */", _COMMENT_TEXT),
    st.just(""),
)


@st.composite
def _prefs_js(draw: st.DrawFn) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = draw(st.lists(_LINES, max_size=40))
    ending = draw(st.sampled_from([newline, ""]))
    return newline.join(lines) + (ending if lines else "")


def _merge(text: str, full_name: str) -> tuple[str, set[str]]:
    document = parse_prefs(text)
    plan = plan_account(document.values(), AccountRequest(ADDRESS, full_name, PROVIDER))
    return document.with_values(plan.changes), set(plan.changes)


_FULL_NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(str.strip)
_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(text=_prefs_js(), full_name=_FULL_NAMES)
def test_every_line_stays_in_its_place_and_only_owned_values_change(
    text: str, full_name: str
) -> None:
    merged, changed = _merge(text, full_name)
    before, after = text.splitlines(), merged.splitlines()
    assert len(after) >= len(before)
    document = parse_prefs(text)
    # Only the last statement for a name counts (and is the one edited), as in Gecko.
    edited = [
        s for s in document.statements if s.name in changed and document.last_statement(s.name) is s
    ]
    edited_lines = {s.line for s in edited}
    for number, (old, new) in enumerate(zip(before, after, strict=False), start=1):
        if number not in edited_lines:
            assert new == old, f"line {number} changed"
    # Where a line did change, only value tokens did: the text up to the end of the original
    # is the original with those tokens replaced, and what follows is whole new statements.
    values = parse_prefs(merged).values()
    expected = text
    for statement in sorted(edited, key=lambda s: s.value_start, reverse=True):
        rendered = render_value(values[statement.name])
        expected = expected[: statement.value_start] + rendered + expected[statement.value_end :]
    assert merged.startswith(expected)
    for line in merged[len(expected) :].splitlines():
        assert line == "" or re.fullmatch(r'user_pref\(".+", .+\);', line), line


@_SETTINGS
@given(text=_prefs_js(), full_name=_FULL_NAMES)
def test_a_second_merge_changes_nothing(text: str, full_name: str) -> None:
    once, _ = _merge(text, full_name)
    twice, changed_again = _merge(once, full_name)
    assert twice == once
    assert not changed_again, f"the second run wanted to change {sorted(changed_again)}"


@_SETTINGS
@given(text=_prefs_js(), full_name=_FULL_NAMES)
def test_the_merged_file_holds_the_account_and_every_other_pref(text: str, full_name: str) -> None:
    merged, changed = _merge(text, full_name)
    before = parse_prefs(text).values()
    after = parse_prefs(merged).values()
    for name, value in before.items():
        if name not in changed:
            assert name in after and type(after[name]) is type(value) and after[name] == value
    accounts = [a.strip() for a in str(after["mail.accountmanager.accounts"]).split(",")]
    assert any(
        after.get(f"mail.server.{after.get(f'mail.account.{a}.server')}.hostname")
        == PROVIDER.imap.hostname
        for a in accounts
    )
