"""Client instructions: the right port and the client's own security words, from any provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.clients.instructions import (
    CHECKED,
    UNCHECKED,
    ClientNotAvailableError,
    Field,
    FieldKind,
    Instructions,
    UnknownClientError,
    all_clients,
    instructions_for,
    instructions_for_many,
    parse_client_list,
    render_text,
)
from wizard.provider import Provider, load_default_provider, load_provider, parse_provider

DATA = Path(__file__).parent / "data" / "providers"
SEPHEO_ADDRESS = "joe.bloggs@sepheo.co"
EXAMPLE_ADDRESS = "jane.doe@example.org"
ALL_IDS = [
    "outlook_classic",
    "outlook_new",
    "windows_mail",
    "apple_mail",
    "thunderbird",
    "other",
    "sieve",
]


def _provider_xml(imap: tuple[int, str], smtp: tuple[int, str], sieve: bool) -> bytes:
    sieve_xml = (
        "<manageSieveServer><hostname>mx.test.example</hostname><port>4190</port>"
        "<socketType>STARTTLS</socketType></manageSieveServer>"
        if sieve
        else ""
    )
    return f"""<clientConfig version="1.1"><emailProvider id="test.example">
      <domain>test.example</domain><displayName>Test</displayName>
      <incomingServer type="imap"><hostname>mx.test.example</hostname><port>{imap[0]}</port>
        <socketType>{imap[1]}</socketType></incomingServer>
      <outgoingServer type="smtp"><hostname>mx.test.example</hostname><port>{smtp[0]}</port>
        <socketType>{smtp[1]}</socketType></outgoingServer>
      {sieve_xml}
    </emailProvider></clientConfig>""".encode()


@pytest.fixture(scope="module")
def sepheo() -> Provider:
    return load_default_provider()


@pytest.fixture(scope="module")
def example() -> Provider:
    return load_provider(DATA / "example-org.xml")


@pytest.fixture(scope="module")
def no_sieve() -> Provider:
    return parse_provider(_provider_xml((993, "SSL"), (587, "STARTTLS"), sieve=False))


@pytest.fixture(scope="module")
def plain() -> Provider:
    return parse_provider(_provider_xml((143, "plain"), (25, "plain"), sieve=False))


def step_fields(instructions: Instructions, text_contains: str) -> dict[str, Field]:
    """The fields of the first step whose text contains ``text_contains``, by label."""
    for step in instructions.steps:
        if text_contains in step.text:
            return {f.label: f for f in step.fields}
    raise AssertionError(f"no step mentions {text_contains!r} in {instructions.client_id}")


def all_fields(instructions: Instructions) -> list[Field]:
    return [f for step in instructions.steps for f in step.fields]


def test_the_registry_lists_every_client_in_menu_order() -> None:
    assert [c.client_id for c in all_clients()] == ALL_IDS


@pytest.mark.parametrize("client_id", ALL_IDS)
def test_every_client_builds_numbered_steps_for_a_non_default_provider(
    client_id: str, example: Provider
) -> None:
    instructions = instructions_for(client_id, example, EXAMPLE_ADDRESS, "Jane Doe")
    assert instructions.client_id == client_id
    assert instructions.title and instructions.intro and instructions.steps
    everything = render_text(instructions).lower()
    assert "sepheo" not in everything
    assert "my.sepheo.co" not in everything


def test_outlook_classic_uses_ssl_tls_for_993_and_starttls_for_587(sepheo: Provider) -> None:
    outlook = instructions_for("outlook_classic", sepheo, SEPHEO_ADDRESS, "Joe Bloggs")
    incoming = step_fields(outlook, "Incoming mail")
    outgoing = step_fields(outlook, "Outgoing mail")
    assert (incoming["Server"].value, incoming["Port"].value) == ("my.sepheo.co", "993")
    assert incoming["Encryption method"].value == "SSL/TLS"
    assert (outgoing["Server"].value, outgoing["Port"].value) == ("my.sepheo.co", "587")
    assert outgoing["Encryption method"].value == "STARTTLS"
    spa = "Require logon using Secure Password Authentication (SPA)"
    assert incoming[spa].value == UNCHECKED and outgoing[spa].value == UNCHECKED
    assert any("Let me set up my account manually" in s.text for s in outlook.steps)
    assert any("guess" in note for note in outlook.notes)


def test_outlook_classic_follows_a_non_default_provider(example: Provider) -> None:
    outlook = instructions_for("outlook_classic", example, EXAMPLE_ADDRESS, "Jane Doe")
    incoming = step_fields(outlook, "Incoming mail")
    outgoing = step_fields(outlook, "Outgoing mail")
    assert (incoming["Server"].value, incoming["Port"].value) == ("mail.example.org", "143")
    assert incoming["Encryption method"].value == "STARTTLS"
    assert (outgoing["Server"].value, outgoing["Port"].value) == ("smtp.example.org", "465")
    assert outgoing["Encryption method"].value == "SSL/TLS"
    # The login is only the local part here, so Outlook needs telling.
    assert step_fields(outlook, "User Name")["User Name"].value == "jane.doe"


@pytest.mark.parametrize(
    ("provider_name", "expected"),
    [
        ("sepheo", [("my.sepheo.co", "993", "SSL/TLS"), ("my.sepheo.co", "587", "STARTTLS")]),
        (
            "example",
            [("mail.example.org", "143", "STARTTLS"), ("smtp.example.org", "465", "SSL/TLS")],
        ),
    ],
)
def test_new_outlook_gives_each_server_its_secure_connection_type(
    provider_name: str, expected: list[tuple[str, str, str]], request: pytest.FixtureRequest
) -> None:
    provider: Provider = request.getfixturevalue(provider_name)
    outlook = instructions_for("outlook_new", provider, "someone@test.example", "Someone")
    incoming = step_fields(outlook, "incoming server")
    outgoing = step_fields(outlook, "outgoing server")
    got = [
        (
            incoming["IMAP incoming server"].value,
            incoming["Port"].value,
            incoming["Secure connection type"].value,
        ),
        (
            outgoing["SMTP outgoing server"].value,
            outgoing["Port"].value,
            outgoing["Secure connection type"].value,
        ),
    ]
    assert got == expected
    assert any("Microsoft cloud" in s.text for s in outlook.steps)


def test_windows_mail_puts_the_port_in_the_server_box_and_ticks_require_ssl_for_starttls(
    sepheo: Provider,
) -> None:
    mail = instructions_for("windows_mail", sepheo, SEPHEO_ADDRESS, "Joe Bloggs")
    form = step_fields(mail, "Complete the form")
    assert form["Incoming email server"].value == "my.sepheo.co"
    assert form["Outgoing (SMTP) email server"].value == "my.sepheo.co:587"
    assert form["Account type"].value == "IMAP4"
    assert form["Require SSL for incoming email"].value == CHECKED
    assert form["Require SSL for outgoing email"].value == CHECKED
    assert form["Outgoing server requires authentication"].value == CHECKED
    assert form["User name"].value == SEPHEO_ADDRESS


def test_windows_mail_follows_a_non_default_provider(example: Provider) -> None:
    mail = instructions_for("windows_mail", example, EXAMPLE_ADDRESS, "Jane Doe")
    form = step_fields(mail, "Complete the form")
    assert form["Incoming email server"].value == "mail.example.org:143"
    assert form["Outgoing (SMTP) email server"].value == "smtp.example.org:465"
    assert form["Require SSL for incoming email"].value == CHECKED
    assert form["Require SSL for outgoing email"].value == CHECKED
    assert form["User name"].value == "jane.doe"


def test_windows_mail_warns_that_microsoft_ended_support_and_points_to_new_outlook(
    sepheo: Provider,
) -> None:
    mail = instructions_for("windows_mail", sepheo, SEPHEO_ADDRESS, "Joe Bloggs")
    assert any("31 December 2024" in w and "new Outlook" in w for w in mail.warnings)


@pytest.mark.parametrize(
    ("provider_name", "ports"), [("sepheo", ("993", "587")), ("example", ("143", "465"))]
)
def test_apple_mail_unticks_automatic_settings_and_ticks_use_tls_ssl(
    provider_name: str, ports: tuple[str, str], request: pytest.FixtureRequest
) -> None:
    provider: Provider = request.getfixturevalue(provider_name)
    mail = instructions_for("apple_mail", provider, "someone@test.example", "Someone")
    incoming = step_fields(mail, "Incoming Mail Server (IMAP)")
    outgoing = step_fields(mail, "Outgoing Mail Server (SMTP)")
    for fields, port, server in (
        (incoming, ports[0], provider.imap),
        (outgoing, ports[1], provider.smtp),
    ):
        assert fields["Host Name"].value == server.hostname
        assert fields["Port"].value == port
        assert fields["Automatically manage connection settings"].value == UNCHECKED
        assert fields["Use TLS/SSL"].value == CHECKED
        assert fields["Authentication"].value == "Password"
    assert any("Other Mail Account" in s.text for s in mail.steps)


def test_thunderbird_manual_steps_use_thunderbirds_words(example: Provider) -> None:
    bird = instructions_for("thunderbird", example, EXAMPLE_ADDRESS, "Jane Doe")
    incoming = step_fields(bird, "Incoming server")
    outgoing = step_fields(bird, "Outgoing server")
    assert incoming["Connection security"].value == "STARTTLS"
    assert outgoing["Connection security"].value == "SSL/TLS"
    assert incoming["Authentication method"].value == "Normal password"
    assert (incoming["Port"].value, outgoing["Port"].value) == ("143", "465")
    assert any("Configure manually" in s.text for s in bird.steps)
    assert any("Add Mail Account" in s.text for s in bird.steps)


def test_sieve_gives_the_filter_server_port_and_security(
    sepheo: Provider, example: Provider
) -> None:
    ours = step_fields(instructions_for("sieve", sepheo, SEPHEO_ADDRESS), "Enter these")
    assert (ours["Server"].value, ours["Port"].value, ours["Security"].value) == (
        "my.sepheo.co",
        "4190",
        "STARTTLS",
    )
    theirs = step_fields(instructions_for("sieve", example, EXAMPLE_ADDRESS), "Enter these")
    assert (theirs["Server"].value, theirs["Security"].value) == ("sieve.example.org", "SSL/TLS")


def test_sieve_is_absent_when_the_provider_has_no_sieve_server(no_sieve: Provider) -> None:
    assert "sieve" not in [c.client_id for c in all_clients(no_sieve)]
    with pytest.raises(ClientNotAvailableError):
        instructions_for("sieve", no_sieve, "a@test.example")
    many = instructions_for_many(no_sieve, "a@test.example", "A", ["other", "sieve"])
    assert [i.client_id for i in many] == ["other"]
    other = instructions_for("other", no_sieve, "a@test.example")
    assert not any("Sieve" in s.text for s in other.steps)


def test_other_lists_every_service_with_port_security_username_and_authentication(
    example: Provider,
) -> None:
    other = instructions_for("other", example, EXAMPLE_ADDRESS, "Jane Doe")
    expected = {
        "Receiving mail (IMAP)": ("mail.example.org", "143", "STARTTLS"),
        "Sending mail (SMTP)": ("smtp.example.org", "465", "SSL/TLS"),
        "mail filters kept on the server": ("sieve.example.org", "4190", "SSL/TLS"),
    }
    for service, (server, port, security) in expected.items():
        fields = step_fields(other, service)
        assert (fields["Server"].value, fields["Port"].value) == (server, port)
        assert fields["Security"].value == security
        assert fields["Username"].value == "jane.doe"
        assert fields["Authentication"].value == "Normal password"


def test_an_unencrypted_provider_gets_each_clients_word_for_none_and_a_warning(
    plain: Provider,
) -> None:
    address = "a@test.example"
    outlook = instructions_for("outlook_classic", plain, address)
    assert step_fields(outlook, "Incoming mail")["Encryption method"].value == "None"
    windows = step_fields(instructions_for("windows_mail", plain, address), "Complete the form")
    assert windows["Require SSL for incoming email"].value == UNCHECKED
    assert windows["Incoming email server"].value == "mx.test.example"  # 143 is its default
    assert windows["Outgoing (SMTP) email server"].value == "mx.test.example:25"
    apple = step_fields(instructions_for("apple_mail", plain, address), "(IMAP)")
    assert apple["Use TLS/SSL"].value == UNCHECKED
    for client_id in ("outlook_classic", "outlook_new", "apple_mail", "thunderbird", "other"):
        warnings = instructions_for(client_id, plain, address).warnings
        assert any("no encryption" in w for w in warnings), client_id


@pytest.mark.parametrize("client_id", ALL_IDS)
def test_password_fields_only_say_where_the_password_comes_from(
    client_id: str, sepheo: Provider
) -> None:
    instructions = instructions_for(client_id, sepheo, SEPHEO_ADDRESS, "Joe Bloggs")
    passwords = [f for f in all_fields(instructions) if f.label.lower().endswith("password")]
    assert passwords, "every client asks for the password somewhere"
    for field in passwords:
        assert field.kind is FieldKind.PASSWORD and not field.copyable
        assert "only you know it" in field.value.lower()
        assert "my.sepheo.co" in field.value


def test_the_login_hint_warns_against_the_account_page_username(sepheo: Provider) -> None:
    thunderbird = instructions_for("thunderbird", sepheo, SEPHEO_ADDRESS, "Joe Bloggs")
    username = step_fields(thunderbird, "Incoming server")["Username"]
    assert username.value == SEPHEO_ADDRESS
    assert "not the username you use on my.sepheo.co" in username.hint


def test_name_and_address_go_where_each_client_asks_for_them(sepheo: Provider) -> None:
    apple = step_fields(
        instructions_for("apple_mail", sepheo, SEPHEO_ADDRESS, "Joe Bloggs"), "Sign In."
    )
    assert apple["Name"].value == "Joe Bloggs"
    assert apple["Email Address"].value == SEPHEO_ADDRESS
    windows = step_fields(
        instructions_for("windows_mail", sepheo, SEPHEO_ADDRESS, "Joe Bloggs"), "the form"
    )
    assert windows["Send your messages using this name"].value == "Joe Bloggs"


def test_unknown_client_ids_are_refused_with_the_known_ones_listed(sepheo: Provider) -> None:
    with pytest.raises(UnknownClientError, match="apple_mail"):
        instructions_for("lotus_notes", sepheo, SEPHEO_ADDRESS)
    with pytest.raises(UnknownClientError):
        parse_client_list("apple_mail,lotus_notes")
    assert parse_client_list(" apple_mail , other ") == ("apple_mail", "other")


def test_text_rendering_numbers_the_steps_and_shows_labels_with_values(
    sepheo: Provider,
) -> None:
    text = render_text(instructions_for("outlook_classic", sepheo, SEPHEO_ADDRESS, "Joe"))
    assert text.startswith("Outlook (classic) for Windows\n")
    assert " 1. Open Outlook" in text
    assert "Encryption method:" in text and "STARTTLS" in text
    assert "[Not ticked]" in text
    assert all(len(line) <= 100 for line in text.splitlines())
