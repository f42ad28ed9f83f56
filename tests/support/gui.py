"""Driving the wizard from GUI tests the way a person would: fill the account page, run checks."""

from __future__ import annotations

from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER


def fill_account(qtbot, wiz, password=GOOD_PASSWORD, address=GOOD_USER, name="Joe Bloggs"):
    wiz.next()  # welcome -> account
    page = wiz.account_page
    page.name.setText(name)
    page.address.setText(address)
    page.password.setText(password)
    assert page.isComplete()


def run_checks_and_wait(qtbot, wiz, timeout_ms=20000):
    with qtbot.waitSignal(wiz.checking_page.checks_done, timeout=timeout_ms):
        wiz.next()


def choose_client(wiz, client_id="thunderbird"):
    """On the client page nothing is ticked that was not detected: the person picks one."""
    wiz.client_page.buttons[client_id].click()
