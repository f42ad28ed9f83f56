"""Blocklist look-ups against a real DNS server on loopback (dnsmasq), never a public one."""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import CLEAN_IP, OTHER_ZONE, PBL_IP, REFUSED_IP, SBL_IP, XBL_IP
from tests.support.dovecot_server import GOOD_USER
from wizard.checks.blocklist import (
    BackgroundLookups,
    lookup,
    only_pbl,
    query_name,
    worth_looking_up,
)
from wizard.cli import BadInput, parse_dnsbl_server
from wizard.provider import ProviderError, parse_provider

ZEN = ("zen.spamhaus.org",)


def test_a_home_connection_on_the_pbl_is_listed_and_explained_as_harmless_for_sending(dnsbl):
    [result] = lookup(PBL_IP, ZEN, nameserver=dnsbl.address)
    assert result.listed is True
    assert result.codes == ("127.0.0.10", "127.0.0.11")
    assert "Spamhaus PBL" in result.meaning and "Normal for home connections" in result.meaning
    assert "does not stop sending mail" in result.meaning
    assert only_pbl(result)
    # It was really asked, by the name a blocklist is asked by.
    assert "7.113.0.203.zen.spamhaus.org" in dnsbl.queries()


@pytest.mark.parametrize(
    ("ip", "code", "words"),
    [
        (SBL_IP, "127.0.0.2", "Spamhaus SBL"),
        (XBL_IP, "127.0.0.4", "Spamhaus XBL"),
    ],
)
def test_sbl_and_xbl_listings_say_which_list_and_why(dnsbl, ip, code, words):
    [result] = lookup(ip, ZEN, nameserver=dnsbl.address)
    assert result.listed is True and result.codes == (code,)
    assert result.meaning.startswith(words) and not only_pbl(result)


def test_an_address_on_no_list_is_not_listed(dnsbl):
    [result] = lookup(CLEAN_IP, ZEN, nameserver=dnsbl.address)
    assert result.listed is False and result.codes == () and result.meaning == "not listed"


def test_spamhaus_query_errors_are_never_reported_as_a_listing(dnsbl):
    [result] = lookup(REFUSED_IP, ZEN, nameserver=dnsbl.address)
    assert result.listed is None
    assert result.codes == ("127.255.255.254",)
    assert "public or open resolver" in result.meaning and "not checked" in result.meaning


def test_every_zone_is_asked_and_answers_on_its_own(dnsbl):
    results = lookup(PBL_IP, ("zen.spamhaus.org", OTHER_ZONE), nameserver=dnsbl.address)
    assert [r.zone for r in results] == ["zen.spamhaus.org", OTHER_ZONE]
    other = results[1]
    assert other.listed is True and other.codes == ("127.0.0.2",)
    # Spamhaus's list names mean nothing on another list.
    assert other.meaning == f"listed on {OTHER_ZONE} (answer 127.0.0.2)"


def test_a_resolver_that_never_answers_costs_at_most_the_bound():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        t0 = time.monotonic()
        [result] = lookup(PBL_IP, ZEN, nameserver=silent.getsockname(), bound=1.5)
        took = time.monotonic() - t0
    finally:
        silent.close()
    assert took < 2.0, took
    assert result.listed is None and "no answer within" in result.meaning


def test_background_lookups_run_while_checks_go_on_and_skip_local_addresses(dnsbl):
    lookups = BackgroundLookups(ZEN, dnsbl.address)
    before = len(dnsbl.queries())
    for ip in ("127.0.0.1", "192.168.1.20", "10.1.2.3", "fe80::1", "::1"):
        lookups.offer(ip)
    lookups.offer(PBL_IP)
    lookups.offer(PBL_IP)  # asked once however many checks heard it
    found = lookups.collect()
    assert list(found) == [PBL_IP]
    assert found[PBL_IP][0].listed is True
    assert len(dnsbl.queries()) == before + 1


def test_only_addresses_a_server_on_the_internet_could_see_are_looked_up():
    for ip in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.0.54", "100.64.1.1", "::1"):
        assert not worth_looking_up(ip), ip
    for ip in ("203.0.113.7", "8.8.4.4", "2001:db8::7", "::ffff:203.0.113.7"):
        assert worth_looking_up(ip), ip
    assert query_name("203.0.113.7", "zen.spamhaus.org") == "7.113.0.203.zen.spamhaus.org."


def _provider(extra: str) -> bytes:
    return f"""<clientConfig version="1.1"><emailProvider id="x.org"><domain>x.org</domain>
<displayName>X</displayName>
<incomingServer type="imap"><hostname>m.x.org</hostname><port>993</port>
<socketType>SSL</socketType></incomingServer>
<outgoingServer type="smtp"><hostname>m.x.org</hostname><port>587</port>
<socketType>STARTTLS</socketType></outgoingServer>{extra}</emailProvider></clientConfig>""".encode()


def test_the_provider_file_chooses_the_blocklists_or_none():
    assert parse_provider(_provider("")).blocklist_zones == ("zen.spamhaus.org",)
    assert parse_provider(_provider("<blocklists/>")).blocklist_zones == ()
    both = parse_provider(
        _provider(
            "<blocklists><zone>bl.spamcop.net</zone><zone>zen.spamhaus.org.</zone></blocklists>"
        )
    )
    assert both.blocklist_zones == ("bl.spamcop.net", "zen.spamhaus.org")
    with pytest.raises(ProviderError, match="<zone> 'not a zone' is not a DNS zone name"):
        parse_provider(_provider("<blocklists><zone>not a zone</zone></blocklists>"))


def test_dnsbl_server_takes_an_address_and_port():
    assert parse_dnsbl_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_dnsbl_server("[::1]:5353") == ("::1", 5353)
    assert parse_dnsbl_server("127.0.0.1") == ("127.0.0.1", 53)
    for bad in ("resolver.example:53", "127.0.0.1:0", "127.0.0.1:x"):
        with pytest.raises(BadInput):
            parse_dnsbl_server(bad)


def test_a_bad_dnsbl_server_is_bad_input_for_the_cli(capsys):
    from wizard.cli import main

    assert main(["diagnose", GOOD_USER, "--dnsbl-server", "nameserver:53"]) == 2
    assert "--dnsbl-server takes an IP address and port" in capsys.readouterr().err


def test_the_gui_takes_the_same_dnsbl_server_option(capsys):
    from wizard.ui.app import _parse

    assert _parse(["--dnsbl-server", "127.0.0.1:5353"]).dnsbl_server == ("127.0.0.1", 5353)
    assert _parse([]).dnsbl_server is None
    with pytest.raises(SystemExit) as exit_info:
        _parse(["--dnsbl-server", "resolver.example"])
    assert exit_info.value.code == 2
    assert "--dnsbl-server takes an IP address and port" in capsys.readouterr().err
