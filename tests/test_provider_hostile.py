"""The provider-file parser against hostile and random input: always a clear ProviderError that
names the file, never another exception, a hang or a blown-up memory.

The provider file can come from beside the executable or from ``--provider``: whoever can put a
file there can hand the app anything.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.provider import MAX_PROVIDER_BYTES, ProviderError, load_provider, parse_provider

SOURCE = Path("/etc/mail-wizard/hostile-provider.xml")

GOOD = b"""<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="e.org">
<domain>e.org</domain><displayName>E</displayName>
<incomingServer type="imap"><hostname>imap.e.org</hostname><port>993</port>
<socketType>SSL</socketType></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.e.org</hostname><port>587</port>
<socketType>STARTTLS</socketType></outgoingServer></emailProvider></clientConfig>"""


def _refused(data: bytes, *, within: float = 2.0, memory_mb: float = 50.0) -> str:
    """The ProviderError message for ``data``, checking it came quickly and in little memory."""
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(ProviderError) as exc:
            parse_provider(data, source=SOURCE)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    elapsed = time.monotonic() - t0
    assert elapsed < within, f"took {elapsed:.1f} s"
    assert peak < memory_mb * 2**20, f"peak {peak / 2**20:.0f} MB"
    message = str(exc.value)
    assert str(SOURCE) in message
    return message


def test_billion_laughs_is_refused_at_once():
    lol = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10)))
        for i in range(1, 10)
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE clientConfig ['
        + lol
        + b"]><clientConfig>&lol9;</clientConfig>"
    )
    assert "unsafe XML" in _refused(bomb)


def test_quadratic_blowup_is_refused():
    entity = b"x" * 50_000
    data = (
        b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "'
        + entity
        + b'">]><clientConfig>'
        + b"&a;" * 10_000
        + b"</clientConfig>"
    )
    assert "unsafe XML" in _refused(data)


@pytest.mark.parametrize(
    "declaration",
    [
        b'<!ENTITY e SYSTEM "file:///etc/passwd">',
        b'<!ENTITY e SYSTEM "http://127.0.0.1:9/x">',
        b'<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;',
    ],
    ids=["file-entity", "http-entity", "parameter-entity"],
)
def test_external_entities_are_refused_without_being_fetched(declaration):
    data = (
        b'<?xml version="1.0"?><!DOCTYPE clientConfig [' + declaration + b"]>"
        b"<clientConfig>&e;</clientConfig>"
    )
    message = _refused(data)
    assert "root:" not in message


def test_external_dtd_is_not_fetched():
    data = b'<?xml version="1.0"?><!DOCTYPE clientConfig SYSTEM "file:///etc/passwd">' + GOOD[21:]
    try:
        parse_provider(data, source=SOURCE)
    except ProviderError as exc:
        assert str(SOURCE) in str(exc)


def test_a_huge_file_is_refused_by_size_before_it_is_parsed(tmp_path):
    huge = tmp_path / "provider.xml"
    with huge.open("wb") as f:
        f.write(GOOD[: -len(b"</clientConfig>")])
        f.write(b"<!--" + b"x" * (MAX_PROVIDER_BYTES + 10) + b"-->")
        f.write(b"</clientConfig>")
    t0 = time.monotonic()
    with pytest.raises(ProviderError) as exc:
        load_provider(huge)
    assert time.monotonic() - t0 < 1.0
    assert str(huge.resolve()) in str(exc.value) and "too large" in str(exc.value)
    assert "too large" in _refused(huge.read_bytes())


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_a_clear_error_not_a_crash(depth):
    data = b"<clientConfig>" + b"<a>" * depth + b"</a>" * depth + b"</clientConfig>"
    message = _refused(data)
    assert "<emailProvider>" in message or "nested" in message


def test_a_provider_deeply_nested_inside_a_valid_file_is_refused():
    depth = 100_000
    inner = GOOD[GOOD.index(b"<emailProvider") : GOOD.index(b"</clientConfig>")]
    data = b"<clientConfig>" + b"<x>" * depth + inner + b"</x>" * depth + b"</clientConfig>"
    _refused(data)


def test_a_real_provider_file_still_parses():
    assert parse_provider(GOOD, source=SOURCE).imap.hostname == "imap.e.org"


# -- random input ----------------------------------------------------------------------------

_TAGS = st.sampled_from(
    [
        "clientConfig",
        "emailProvider",
        "domain",
        "displayName",
        "incomingServer",
        "outgoingServer",
        "manageSieveServer",
        "hostname",
        "port",
        "socketType",
        "username",
        "authentication",
        "branding",
        "logo",
        "supportEmail",
        "documentation",
        "x",
    ]
)
_TEXT = st.one_of(
    st.sampled_from(["993", "0", "70000", "-1", "SSL", "STARTTLS", "plain", "imap", "a b", "h/x"]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)


_VALID_INNER = GOOD.decode()[
    GOOD.decode().index("<domain>") : GOOD.decode().index("</emailProvider>")
]


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_TAGS)
    attrs = ""
    if draw(st.booleans()):
        attrs = f' type="{_escape(draw(st.sampled_from(["imap", "smtp", "pop3", ""]) | _TEXT))}"'
    if draw(st.booleans()):
        attrs += f' id="{_escape(draw(_TEXT))}"'
    if depth > 3 or draw(st.booleans()):
        return f"<{tag}{attrs}>{_escape(draw(_TEXT))}</{tag}>"
    children = draw(st.lists(_element(depth + 1), max_size=6))
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(_element(), max_size=8),
    root=st.sampled_from(["clientConfig", "clientConfig", "other"]),
    valid_start=st.booleans(),
)
def test_any_structure_gives_a_provider_or_a_provider_error(body, root, valid_start):
    # Half the documents start as a valid provider, so the random parts reach the checks of
    # each server entry and of <branding> rather than stopping at the first missing element.
    start = _VALID_INNER if valid_start else ""
    data = f"<{root}><emailProvider>{start}{''.join(body)}</emailProvider></{root}>".encode()
    try:
        provider = parse_provider(data, source=SOURCE)
    except ProviderError as exc:
        assert str(SOURCE) in str(exc)
    else:
        assert provider.imap.port > 0 and provider.smtp.port > 0


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_a_provider_error_naming_the_file(data):
    try:
        parse_provider(data, source=SOURCE)
    except ProviderError as exc:
        assert str(SOURCE) in str(exc)
