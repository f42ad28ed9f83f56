"""Discovery in the wizard (issue 25 item 7), against the loopback discovery world.

dnsmasq answers the names, nginx serves the autoconfig files over HTTPS with the test CA and
a real Dovecot answers under the discovered names; only the port map of the discovery network
is the tests' (the real ports 443, 993… are loopback ports here).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.support import discovery_world as w
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from tests.support.gui import fill_account
from wizard.checks.options import CheckOptions
from wizard.discovery import race
from wizard.flow import CheckState, Page, WizardFlow
from wizard.provider import load_provider, parse_provider
from wizard.services import Service
from wizard.trust import BUILTIN_PLACE, PlaceKind, ProviderPlace
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = [pytest.mark.gui]


@pytest.fixture(scope="module")
def world(test_ca: trustme.CA) -> Iterator[w.World]:
    yield from w.running_world(test_ca)


@pytest.fixture
def on_loopback(world: w.World, monkeypatch: pytest.MonkeyPatch) -> w.World:
    return w.route_to_loopback(world, monkeypatch)


def other_provider():
    """IT's settings for another domain: every address here is discovered."""
    xml = w.client_config(
        "other.example", ("imap.other.example", 993, "SSL"), ("smtp.other.example", 465, "SSL")
    )
    return parse_provider(xml)


def make(qtbot, world: w.World, provider=None, *, dns: bool = True, place=None) -> MailSetupWizard:
    """The window with the world's resolver and CA for discovery and the checks alike."""
    flow = WizardFlow(
        provider or other_provider(),
        platform="linux",
        place=place or BUILTIN_PLACE,
        ask_domain=place is not None,  # as the app does; off for the other tests
    )
    options = CheckOptions(timeout=3.0, ca_file=world.dovecot.ca_pem)
    if dns:
        options = options.with_changes(dns_server=world.dns.address)
    wiz = MailSetupWizard(flow, options=options, ispdb_url=world.ispdb)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    return wiz


def test_settings_are_found_then_checked_and_their_source_is_under_details(qtbot, on_loopback):
    wiz = make(qtbot, on_loopback)
    fill_account(qtbot, wiz)
    page = wiz.checking_page
    with qtbot.waitSignal(page.checks_done, timeout=30000):
        wiz.next()
        assert page.finding.isVisible()  # "Finding your settings" first, on the same page
    flow = wiz.flow
    assert flow.check_state is CheckState.PASSED, [r.cause for r in flow.results]
    d = on_loopback.dovecot
    assert (flow.provider.imap.hostname, flow.provider.imap.port) == ("mail.sepheo.co", d.imap_port)
    lines = [page.finding.lookups.item(i).text() for i in range(page.finding.lookups.count())]
    assert any("found" in line and "autoconfig.sepheo.co" in line for line in lines)
    url = "https://autoconfig.sepheo.co/mail/config-v1.1.xml"
    assert url in page.detail_rows.origin.text()
    assert flow.settings_origin.where == url and flow.settings_origin.trusted


def test_untrusted_settings_ask_naming_their_domain_and_refusing_sends_nothing(qtbot, on_loopback):
    wiz = make(qtbot, on_loopback)
    fill_account(qtbot, wiz, address="hal@http.test", password="secret-never-sent")
    page = wiz.checking_page
    wiz.next()
    qtbot.waitUntil(lambda: page.origin_question.isVisible(), timeout=15000)
    body = page.origin_question.body.text()
    assert "http.test" in body and "http://autoconfig.http.test" in body
    # Nothing is checked (no password sent) while the question waits.
    assert wiz.flow.check_state is CheckState.NOT_STARTED and page.run.worker is None
    page.origin_question.refuse_button.click()
    assert wiz.flow.origin_gate.refused
    assert wiz.flow.check_state is CheckState.NOT_STARTED and page.run.worker is None
    assert "Nothing was sent" in page.origin_question.body.text()
    # The way on: type the settings in.
    assert page.primary_button() is page.finding.manual_button


def test_sending_to_untrusted_settings_after_the_yes_checks_them(qtbot, on_loopback):
    wiz = make(qtbot, on_loopback)
    fill_account(qtbot, wiz, address="hal@http.test", password="secret")
    page = wiz.checking_page
    wiz.next()
    qtbot.waitUntil(lambda: page.origin_question.isVisible(), timeout=15000)
    assert not wiz.flow.settings_origin.trusted
    with qtbot.waitSignal(page.checks_done, timeout=30000):
        page.origin_question.send_button.click()
    # The check ran against the found servers (imap.http.test has no address here).
    assert {r.host for r in wiz.flow.results} == {"imap.http.test", "smtp.http.test"}


def test_nothing_found_makes_enter_settings_myself_the_one_action(qtbot, on_loopback):
    wiz = make(qtbot, on_loopback)
    fill_account(qtbot, wiz, address="nobody@nothing.test")
    page = wiz.checking_page
    with qtbot.waitSignal(page.finding.nothing, timeout=15000):
        wiz.next()
    assert page.primary_button() is page.finding.manual_button
    assert "nothing.test" in page.status.text()
    page.finding.manual_button.click()
    assert wiz.currentId() == int(Page.MANUAL_SETTINGS)


def test_typed_settings_are_checked_error_under_the_field_first(qtbot, on_loopback):
    wiz = make(qtbot, on_loopback)
    fill_account(qtbot, wiz)
    page = wiz.checking_page
    wiz.next()
    assert page.finding.manual_button.isVisible()
    page.finding.manual_button.click()  # the person chooses, while the look-ups still run
    assert wiz.currentId() == int(Page.MANUAL_SETTINGS)
    manual = wiz.page(int(Page.MANUAL_SETTINGS))
    d = on_loopback.dovecot
    imap, smtp = manual.fields[Service.IMAP], manual.fields[Service.SMTP]
    imap.host.setText("mail.sepheo.co")
    imap.port.setText("99999")
    smtp.host.setText("mail.sepheo.co")
    wiz.next()
    assert wiz.currentId() == int(Page.MANUAL_SETTINGS)  # refused: nothing changed
    assert imap.error.isVisible() and "port" in imap.error.text()
    assert imap.port.property("invalid") is True
    imap.port.setText(str(d.imap_port))
    smtp.security.setCurrentIndex(smtp.security.findData("starttls"))
    smtp.port.setText(str(d.submission_port))
    with qtbot.waitSignal(page.checks_done, timeout=30000):
        wiz.next()
    assert wiz.flow.check_state is CheckState.PASSED
    assert wiz.flow.settings_origin.kind == "manual"


def test_stop_ends_the_look_ups_within_200_ms(qtbot, on_loopback):
    wiz = make(qtbot, on_loopback)
    fill_account(qtbot, wiz, address="joe@drop.test")
    page = wiz.checking_page
    wiz.next()
    qtbot.wait(400)
    assert page.finding.running
    t0 = time.monotonic()
    with qtbot.waitSignal(page.finding.stopped, timeout=2000):
        page.stop_button.click()
    assert time.monotonic() - t0 < 0.2
    assert page.action_button.isVisible()  # Try again


def test_the_built_in_domain_is_checked_with_no_discovery_at_all(
    qtbot, on_loopback, provider_file: Path, monkeypatch: pytest.MonkeyPatch
):
    def no_discovery(*args: object, **kwargs: object) -> None:
        raise AssertionError("discovery ran for a domain IT's settings cover")

    monkeypatch.setattr(race, "discover", no_discovery)
    # IT's settings name "localhost" (the session's Dovecot): the system resolver knows it.
    wiz = make(qtbot, on_loopback, load_provider(provider_file), dns=False)
    fill_account(qtbot, wiz, address=GOOD_USER, password=GOOD_PASSWORD)
    assert not wiz.flow.needs_discovery
    with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=30000):
        wiz.next()
    assert wiz.flow.check_state is CheckState.PASSED
    assert not wiz.checking_page.finding.isVisible()


def user_place_provider(tmp_path: Path, host: str):
    """IT's settings for hosted.test in a file anyone on the computer can write (issue 27)."""
    where = tmp_path / "provider.xml"
    where.write_bytes(w.client_config("hosted.test", (host, 993, "SSL"), (host, 587, "STARTTLS")))
    return load_provider(where), ProviderPlace(PlaceKind.USER, where)


def test_a_user_writable_file_naming_the_servers_the_domain_publishes_is_not_asked_about(
    qtbot, on_loopback, tmp_path: Path
):
    provider, place = user_place_provider(tmp_path, "mail.hoster.example")
    flow = WizardFlow(provider, platform="linux", place=place, ask_domain=True)
    assert flow.set_account("Joe", "joe@hosted.test", "pw").ok
    assert flow.needs_endorsement  # outside hosted.test: unknown until the domain is asked
    wiz = make(qtbot, on_loopback, provider, place=place)
    fill_account(qtbot, wiz, address="joe@hosted.test", password="not-a-user-here")
    page = wiz.checking_page
    with qtbot.waitSignal(page.checks_done, timeout=30000):
        wiz.next()
        assert page.finding.isVisible() and page.finding.published
    assert not page.origin_question.isVisible()
    assert wiz.flow.settings_origin.trusted
    assert wiz.flow.published_servers == {"hosted.test": frozenset({"mail.hoster.example"})}
    assert {r.host for r in wiz.flow.results} == {"mail.hoster.example"}


def test_a_user_writable_file_naming_other_servers_is_still_asked_about(
    qtbot, on_loopback, tmp_path: Path
):
    provider, place = user_place_provider(tmp_path, "mail.wk.test")
    wiz = make(qtbot, on_loopback, provider, place=place)
    fill_account(qtbot, wiz, address="joe@hosted.test", password="secret-never-sent")
    page = wiz.checking_page
    wiz.next()
    qtbot.waitUntil(lambda: page.origin_question.isVisible(), timeout=15000)
    assert "wk.test" in page.origin_question.body.text()
    assert wiz.flow.check_state is CheckState.NOT_STARTED and page.run.worker is None


def test_stop_while_the_domain_is_asked_goes_straight_to_the_question(
    qtbot, on_loopback, tmp_path: Path
):
    where = tmp_path / "provider.xml"
    where.write_bytes(
        w.client_config(
            "drop.test", ("mail.hoster.example", 993, "SSL"), ("mail.hoster.example", 465, "SSL")
        )
    )
    place = ProviderPlace(PlaceKind.USER, where)
    wiz = make(qtbot, on_loopback, load_provider(where), place=place)
    fill_account(qtbot, wiz, address="joe@drop.test", password="secret-never-sent")
    page = wiz.checking_page
    wiz.next()
    qtbot.wait(300)
    assert page.finding.running and page.finding.published
    page.stop_button.click()
    qtbot.waitUntil(lambda: page.origin_question.isVisible(), timeout=1000)
    assert "hoster.example" in page.origin_question.body.text()
    assert wiz.flow.check_state is CheckState.NOT_STARTED and page.run.worker is None
