"""The wizard's page flow and the state behind it, with no Qt in sight.

The Qt pages only show this object and forward what the user does, so the rules (which page
comes next, when Next is allowed, what blocks setting up mail) are tested with plain pytest.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from wizard.account.store import AccountStore, RememberedAccount
from wizard.address import check_address, check_display_name
from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.clients.thunderbird import ProfileSearch
from wizard.flow_clients import CLIENT_LABELS, Client, ClientChoice, clients_for_platform
from wizard.flow_memory import AccountMemory
from wizard.flow_settings import SettingsChoice
from wizard.flow_state import (
    AccountField,
    AccountInput,
    AccountValidation,
    CheckState,
    Mode,
    Page,
    ReportSection,
)
from wizard.origin_gate import OriginGate
from wizard.password_rules import password_problem
from wizard.provider import Provider
from wizard.services import Service
from wizard.trust import BUILTIN_PLACE, ProviderPlace, SettingsOrigin

# The names pages and tests import from here (the flow's vocabulary lives in flow_state).
__all__ = [
    "CLIENT_LABELS",
    "PAGES",
    "START_PAGE",
    "AccountField",
    "AccountInput",
    "AccountValidation",
    "CheckState",
    "Client",
    "Mode",
    "NextRule",
    "Page",
    "WizardFlow",
    "clients_for_platform",
]


SPACE_AT_EDGE_NOTE = (
    "Your password starts or ends with a space. That is allowed, but check it was not copied "
    "by mistake."
)


class WizardFlow(ClientChoice, AccountMemory, SettingsChoice):
    """State and rules of one wizard run: navigation, the account as typed, the checks' state.

    The mail programs (:class:`~wizard.flow_clients.ClientChoice`) and the remembered account
    (:class:`~wizard.flow_memory.AccountMemory`) and where the settings come from
    (:class:`~wizard.flow_settings.SettingsChoice`) are its other parts, each in its own module.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        remembered_address: str | None = None,
        remembered_name: str | None = None,
        platform: str | None = None,
        thunderbird_detected: bool = False,
        store: AccountStore | None = None,
        remembered: RememberedAccount | None = None,
        thunderbird: ProfileSearch | None = None,
        send_test_message: bool = False,
        place: ProviderPlace = BUILTIN_PLACE,
        ask_domain: bool = False,
    ) -> None:
        self.provider = provider
        # Where the settings came from; asks before a password goes where IT has not vouched.
        self.origin_gate = OriginGate(place)
        # ask_domain: a user-writable file's outside servers are looked up in what the domain
        # publishes before the person is asked (the app turns it on; tests choose).
        self._init_settings(provider, ask_domain=ask_domain)
        # Once the logins pass, send a test message to oneself and wait for it (the round
        # trip). The app turns it on; the account page lets the person skip it.
        self.send_test_message = send_test_message
        # Thunderbird profiles found on this computer (None: not looked for, e.g. in tests).
        self.thunderbird = thunderbird
        if thunderbird is not None and thunderbird.found:
            thunderbird_detected = True
        self.store = store
        self.remembered = remembered
        # The account was set up with other servers than the settings in use: it is a new one
        # (set up again, nothing filled in from the keychain).
        self.settings_changed = bool(
            remembered
            and remembered.settings is not None
            and not remembered.settings.same_servers(provider)
        )
        if remembered is not None:
            remembered_address = remembered_address or remembered.address
            remembered_name = remembered_name or remembered.name
        self.mode = (
            Mode.DIAGNOSE if remembered_address and not self.settings_changed else Mode.SETUP
        )
        kept = bool(remembered and remembered.keychain_used and not self.settings_changed)
        self.remember_password = kept
        self.keychain_used = kept
        self.keychain_message = ""
        self.account = AccountInput(name=remembered_name or "", address=remembered_address or "")
        # Moves on whenever the account is replaced from outside the account page (Forget on
        # the first page): a page still showing an older generation's fields starts afresh.
        self.account_generation = 0
        self.results: list[CheckResult] = []
        self.mail_programs_section: ReportSection | None = None  # written by its page
        self.check_state = CheckState.NOT_STARTED
        self.continue_anyway = False
        self.tried_alternative = False
        self.platform = platform or sys.platform
        self.thunderbird_detected = thunderbird_detected
        self.clients = clients_for_platform(self.platform, thunderbird_detected)
        self.client_id: str = self.clients[0].id
        self.setup_done = False
        self.setup_summary = ""
        # Technical facts about the set-up (account key, backup file): for the report, not
        # for the person's screen.
        self.setup_notes: list[str] = []
        self.thunderbird_profile: Path | None = None  # where the account was written

    # -- welcome page --------------------------------------------------------------------
    def choose_mode(self, mode: Mode) -> None:
        """Set up mail, or find out why it fails (which decides the pages after checking)."""
        self.mode = mode

    # -- account page --------------------------------------------------------------------
    def choose_remember_password(self, remember: bool) -> None:
        """Whether a password that passes the check is kept in the keychain (opt-in only)."""
        self.remember_password = remember

    def choose_test_message(self, send: bool) -> None:
        """Whether the check also sends a test message to the address (and removes it)."""
        self.send_test_message = send

    def validate_account(self, name: str, address: str, password: str) -> AccountValidation:
        checked = check_address(address)
        name_ok, name_text = check_display_name(name)
        address_error = "" if checked.ok else (checked.message if address.strip() else "")
        # Any address is taken: one outside IT's domains has its settings looked up (the
        # checking page's "Finding your settings"), so there is nothing to warn about.
        warning = ""
        password_error = password_problem(password)
        # Not an error (spaces are legal) but a common copy-paste slip: said under the box.
        spaced = bool(password) and password != password.strip()
        password_warning = SPACE_AT_EDGE_NOTE if spaced else ""
        ok = checked.ok and name_ok and bool(password) and not password_error
        return AccountValidation(
            ok=ok,
            address_error=address_error,
            name_error="" if name_ok or not name.strip() else name_text,
            password_error=password_error,
            domain_warning=warning,
            password_warning=password_warning,
            normalised_address=checked.address if checked.ok else "",
            normalised_name=name_text if name_ok else "",
        )

    def set_account(self, name: str, address: str, password: str) -> AccountValidation:
        v = self.validate_account(name, address, password)
        if v.ok:
            self.forget_found_settings(v.normalised_address)
            self.account = AccountInput(v.normalised_name, v.normalised_address, password)
            self.results = []
            self.check_state = CheckState.NOT_STARTED
            self.continue_anyway = False
        return v

    # -- where the settings came from ----------------------------------------------------
    @property
    def settings_origin(self) -> SettingsOrigin:
        return self.origin_gate.origin(self.provider, self.account.address)

    @property
    def origin_needs_confirmation(self) -> bool:
        """The check must wait for the person's yes: the settings are not IT's word."""
        return self.origin_gate.needs_confirmation(self.provider, self.account.address)

    def confirm_origin(self) -> None:
        self.origin_gate.confirm(self.provider, self.account.address)

    def refuse_origin(self) -> None:
        self.origin_gate.refuse()

    # -- checking page -------------------------------------------------------------------
    def report_extras(self) -> tuple[tuple[str, ...], dict[str, Any]]:
        """What later pages add to the report for the current results (text lines, JSON)."""
        section = self.mail_programs_section
        if section is None or section.results is not self.results:
            return (), {}
        return section.text, dict(section.json)

    def checks_started(self) -> None:
        self.results = []
        self.check_state = CheckState.RUNNING
        self.continue_anyway = False

    def checks_finished(self, results: Sequence[CheckResult]) -> CheckState:
        self.results = list(results)
        if any(r.cancelled for r in results):
            self.check_state = CheckState.CANCELLED
        elif all(r.ok for r in results):
            self.check_state = CheckState.PASSED
        elif all(r.ok for r in results if r.service in (Service.IMAP, Service.SMTP)):
            self.check_state = CheckState.MAIL_WORKS
        else:
            self.check_state = CheckState.FAILED
        return self.check_state

    def retry_with_password(self, password: str) -> bool:
        """The person retyped the password on the checking page; False when it is empty.

        The next run checks the same address with this password, so a refused password is
        fixed where it was reported instead of two pages back.
        """
        if not password or password_problem(password):
            return False
        self.account = AccountInput(self.account.name, self.account.address, password)
        self.results = []
        self.check_state = CheckState.NOT_STARTED
        self.continue_anyway = False
        return True

    @property
    def password_refused(self) -> bool:
        """The server refused the password for the full address: retyping it is the fix."""
        return (
            self.check_state is CheckState.FAILED
            and any(r.cause == Cause.AUTH_FAILED for r in self.results)
            and self.alternative_login() is None
        )

    def field_to_fix(self) -> AccountField | None:
        """The account-page field Back should land in (text selected), for the last failure."""
        if self.check_state is not CheckState.FAILED:
            return None
        refused = [r for r in self.results if r.cause == Cause.AUTH_FAILED]
        if not refused:
            return None
        if all(r.username != self.account.address for r in refused):
            return AccountField.ADDRESS  # a short login: the address is what the login is
        return AccountField.PASSWORD

    # -- the "other form of login" retry ---------------------------------------------------
    def alternative_login(self) -> str | None:
        """The full address, when a short login was refused and has not been retried yet.

        Offered once only: every failed attempt counts towards the server's limit of failed
        logins, after which it refuses this address for a while.
        """
        if self.check_state is not CheckState.FAILED or self.tried_alternative:
            return None
        refused = [r for r in self.results if r.cause == Cause.AUTH_FAILED]
        if not refused:
            return None
        address = self.account.address
        if all(r.username != address for r in refused):
            return address
        return None

    def use_full_address_login(self) -> None:
        """Retry with the full address as the login, for every service from now on."""
        self.tried_alternative = True
        self.provider = replace(
            self.provider,
            imap=replace(self.provider.imap, username_template="%EMAILADDRESS%"),
            smtp=replace(self.provider.smtp, username_template="%EMAILADDRESS%"),
            sieve=replace(self.provider.sieve, username_template="%EMAILADDRESS%")
            if self.provider.sieve
            else None,
        )

    def choose_continue_anyway(self, on: bool) -> None:
        """The person chose to set up their mail program although IMAP or SMTP failed."""
        self.continue_anyway = on

    @property
    def can_leave_checking(self) -> bool:
        """A failure of Sieve alone never blocks; IMAP/SMTP failures do unless overridden."""
        if self.check_state in (CheckState.PASSED, CheckState.MAIL_WORKS):
            return True
        return self.check_state is CheckState.FAILED and self.continue_anyway

    @property
    def can_offer_continue_anyway(self) -> bool:
        return self.check_state is CheckState.FAILED and self.mode is Mode.SETUP

    # -- navigation ----------------------------------------------------------------------
    def next_page(self, current: Page) -> Page | None:
        """The page Next leads to from ``current`` (None: ``current`` is the last)."""
        return PAGES[current](self)


# -- the page table --------------------------------------------------------------------------
# Every page once, in the order the wizard shows them (the first is where it starts), each with
# the rule for what Next leads to. The flow's navigation and the window's set-up both read this
# table; wizard.ui.pages binds each page to its Qt class (PAGE_CLASSES), checked complete against
# this table by a test.
NextRule = Callable[[WizardFlow], Page | None]


def _always(page: Page) -> NextRule:
    def rule(flow: WizardFlow) -> Page:
        return page

    return rule


def _after_checking(flow: WizardFlow) -> Page:
    # A diagnosis that found mail working looks at the mail program itself, then ends on the
    # verdict; a failed diagnosis may still lead to setting the mail program up again.
    if flow.mode is Mode.DIAGNOSE and flow.check_state is not CheckState.FAILED:
        return Page.MAIL_PROGRAMS
    return Page.CLIENT


def _last(flow: WizardFlow) -> None:
    return None


def _after_account(flow: WizardFlow) -> Page:
    # The person chose to type the servers in (or nothing was found and they went back).
    return Page.MANUAL_SETTINGS if flow.manual_wanted else Page.CHECKING


PAGES: dict[Page, NextRule] = {
    Page.WELCOME: _always(Page.ACCOUNT),
    Page.ACCOUNT: _after_account,
    Page.MANUAL_SETTINGS: _always(Page.CHECKING),
    Page.CHECKING: _after_checking,
    Page.MAIL_PROGRAMS: _always(Page.DONE),
    Page.CLIENT: _always(Page.SETUP),
    Page.SETUP: _always(Page.DONE),
    Page.DONE: _last,
}
START_PAGE: Page = next(iter(PAGES))
