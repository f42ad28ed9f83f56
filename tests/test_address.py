"""What a person types in the address and name fields."""

from __future__ import annotations

import pytest

from wizard.address import check_address, check_display_name


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("joe.bloggs@sepheo.co", "joe.bloggs@sepheo.co"),
        ("  Joe.Bloggs@Sepheo.CO ", "Joe.Bloggs@sepheo.co"),
        ("o'brien+mail@sub.example.org", "o'brien+mail@sub.example.org"),
    ],
)
def test_well_formed_addresses_are_accepted_and_normalised(raw, normalised):
    result = check_address(raw)
    assert result.ok and result.address == normalised


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "Enter your email address"),
        ("joe.bloggs", "exactly one"),
        ("joe@@sepheo.co", "exactly one"),
        ("@sepheo.co", "before"),
        ("joe@", "after"),
        ("joe bloggs@sepheo.co", "spaces"),
        ("joe@sepheo", "not a valid domain"),
        ("joe..bloggs@sepheo.co", "not a valid name"),
        ("jöe@sepheo.co", "“ö”"),
        ("joe@sepheo.co\u200b", "U+200B"),
        ("joe@-bad-.co", "not a valid domain"),
        ("a" * 65 + "@sepheo.co", "too long"),
    ],
)
def test_malformed_addresses_get_a_clear_message(raw, words):
    result = check_address(raw)
    assert not result.ok
    assert words in result.message


def test_names_with_quotes_and_accents_are_fine_but_control_characters_are_not():
    assert check_display_name('Zoë "Zed" O\'Brien <&>') == (True, 'Zoë "Zed" O\'Brien <&>')
    assert not check_display_name("   ")[0]
    assert not check_display_name("Joe\nBloggs")[0]
    assert not check_display_name("Joe\u202eBloggs")[0]
