"""The wizard's page flow and the state behind it, with no Qt in sight.

The Qt pages only show this object and forward what the user does, so the rules (which page
comes next, when Next is allowed, what blocks setting up mail) are tested with plain pytest.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from wizard import APP_NAME
from wizard.account.keychain import Keychain, KeychainStatus
from wizard.account.store import AccountStore, RememberedAccount, utc_iso
from wizard.address import check_address, check_display_name
from wizard.checks.errors import Cause
from wizard.checks.model import CheckResult
from wizard.clients.thunderbird import ProfileSearch, WriteResult, write_account
from wizard.provider import Provider
from wizard.services import Service


class Page(enum.IntEnum):
    """The wizard's pages; the values are QWizard's page ids. :data:`PAGES` orders them."""

    WELCOME = 0
    ACCOUNT = 1
    CHECKING = 2
    CLIENT = 3
    SETUP = 4
    DONE = 5


class Mode(enum.StrEnum):
    SETUP = "setup"  # "Set up my mail"
    DIAGNOSE = "diagnose"  # "Check why my mail isn't working"


class CheckState(enum.StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PASSED = "passed"  # everything works
    MAIL_WORKS = "mail_works"  # IMAP and SMTP work, only filters (Sieve) failed
    FAILED = "failed"  # IMAP or SMTP failed
    CANCELLED = "cancelled"


class AccountField(enum.StrEnum):
    """A field of the account page, for saying which one a fix needs (Back lands there)."""

    NAME = "name"
    ADDRESS = "address"
    PASSWORD = "password"  # noqa: S105 - a field's name, not a secret


@dataclass(frozen=True)
class Client:
    id: str
    label: str
    detected: bool = False
    # No longer works (Windows Mail since 2024): offered only when the person asks for it.
    retired: bool = False


# Every mail program the wizard knows, in a neutral order; ``clients_for_platform`` puts the
# current OS's usual choices first.
CLIENT_LABELS: dict[str, str] = {
    "thunderbird": "Thunderbird",
    "outlook_new": "Outlook (new)",
    "outlook_classic": "Outlook (classic)",
    "windows_mail": "Windows Mail (retired)",
    "apple_mail": "Apple Mail",
    "other": "Other mail program",
}
RETIRED_CLIENTS = frozenset({"windows_mail"})
_ORDER = {
    "win32": ["outlook_new", "outlook_classic", "thunderbird", "apple_mail", "windows_mail"],
    "darwin": ["apple_mail", "thunderbird", "outlook_new", "outlook_classic", "windows_mail"],
    "linux": ["thunderbird", "outlook_new", "outlook_classic", "apple_mail", "windows_mail"],
}


def clients_for_platform(platform: str, thunderbird_detected: bool) -> list[Client]:
    order = _ORDER.get(platform, _ORDER["linux"]) + ["other"]
    if thunderbird_detected and order[0] != "thunderbird":
        # A detected Thunderbird is the likeliest choice on any OS.
        order.remove("thunderbird")
        order.insert(0, "thunderbird")
    return [
        Client(
            cid,
            CLIENT_LABELS[cid],
            detected=(cid == "thunderbird" and thunderbird_detected),
            retired=cid in RETIRED_CLIENTS,
        )
        for cid in order
    ]


@dataclass
class AccountInput:
    name: str = ""
    address: str = ""
    password: str = field(default="", repr=False)


SPACE_AT_EDGE_NOTE = (
    "Your password starts or ends with a space. That is allowed, but check it was not copied "
    "by mistake."
)


@dataclass(frozen=True)
class AccountValidation:
    ok: bool
    address_error: str = ""
    name_error: str = ""
    password_error: str = ""
    domain_warning: str = ""
    password_warning: str = ""  # shown under the password box, not under the address
    normalised_address: str = ""
    normalised_name: str = ""


class WizardFlow:
    """State and rules of one wizard run."""

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
        provider_file_chosen: bool = False,
        send_test_message: bool = False,
    ) -> None:
        self.provider = provider
        # Once the logins pass, send a test message to oneself and wait for it (the round
        # trip). The app turns it on; the account page lets the person skip it.
        self.send_test_message = send_test_message
        # Thunderbird profiles found on this computer (None: not looked for, e.g. in tests).
        self.thunderbird = thunderbird
        if thunderbird is not None and thunderbird.found:
            thunderbird_detected = True
        self.store = store
        self.remembered = remembered
        if remembered is not None:
            remembered_address = remembered_address or remembered.address
            remembered_name = remembered_name or remembered.name
        self.mode = Mode.DIAGNOSE if remembered_address else Mode.SETUP
        self.remember_password = bool(remembered and remembered.keychain_used)
        self.keychain_used = bool(remembered and remembered.keychain_used)
        self.keychain_message = ""
        # True when IT's provider file was chosen explicitly (--provider), so it is remembered.
        self.provider_file_chosen = provider_file_chosen
        self.account = AccountInput(name=remembered_name or "", address=remembered_address or "")
        # Moves on whenever the account is replaced from outside the account page (Forget on
        # the first page): a page still showing an older generation's fields starts afresh.
        self.account_generation = 0
        self.results: list[CheckResult] = []
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
        warning = ""
        if checked.ok and not self.provider.matches_domain(checked.address):
            domains = " or ".join(self.provider.domains)
            warning = (
                f"This address is not at {domains}. If that is right, carry on; otherwise check "
                f"for a typo."
            )
        password_error = ""
        password_warning = ""
        if password and password != password.strip():
            # Not an error (spaces are legal) but a common copy-paste slip.
            password_warning = SPACE_AT_EDGE_NOTE
        ok = checked.ok and name_ok and bool(password)
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
            self.account = AccountInput(v.normalised_name, v.normalised_address, password)
            self.results = []
            self.check_state = CheckState.NOT_STARTED
            self.continue_anyway = False
        return v

    # -- checking page -------------------------------------------------------------------
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
        if not password:
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

    def checks_cancelled(self) -> None:
        self.check_state = CheckState.CANCELLED

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

    # -- client and set-up ---------------------------------------------------------------
    def choose_client(self, client_id: str) -> None:
        if client_id not in CLIENT_LABELS:
            raise ValueError(client_id)
        self.client_id = client_id
        self.setup_done = False

    def write_thunderbird(self, profile: Path) -> WriteResult:
        """Add the account to a Thunderbird profile (never the password)."""
        result = write_account(profile, self.provider, self.account.address, self.account.name)
        self.setup_notes = [f"Thunderbird profile: {profile}", *_write_notes(result)]
        if result.ok:
            self.setup_done = True
            self.thunderbird_profile = profile
            self.setup_summary = (
                "Your account was added to Thunderbird."
                if result.changed
                else "Thunderbird already had this account."
            )
        return result

    def thunderbird_opened(self, ok: bool, command: str) -> None:
        """ "Open Thunderbird" was pressed; the command goes to the report."""
        self.setup_notes.append(f"Open Thunderbird: {'started' if ok else 'failed'}: {command}")

    def instructions_shown(self) -> None:
        """The set-up page showed the steps; unless something was written, that is what was done."""
        if not self.setup_done:
            self.setup_summary = f"You were shown how to set up {self.client_label}."

    def mail_profile_saved(self, path: str) -> None:
        """An Apple Mail configuration profile was saved for the person to install."""
        self.setup_summary = f"A configuration profile for Mail was saved to {path}."

    @property
    def client_label(self) -> str:
        return CLIENT_LABELS[self.client_id]

    # -- navigation ----------------------------------------------------------------------
    def next_page(self, current: Page) -> Page | None:
        """The page Next leads to from ``current`` (None: ``current`` is the last)."""
        return PAGES[current](self)

    # -- remembering (only with a store: tests and --selftest run without one) -------------
    @property
    def keychain(self) -> Keychain | None:
        if self.store is None:
            return None
        return self.store.keychain_for_provider(self.provider.id)

    def keychain_status(self) -> KeychainStatus | None:
        kc = self.keychain
        return kc.available() if kc is not None else None

    @property
    def expects_stored_password(self) -> bool:
        """Whether :meth:`stored_password` would ask the keychain (which may prompt and wait)."""
        return self.store is not None and self.keychain_used and bool(self.account.address)

    def stored_password(self) -> str | None:
        """The password kept in the keychain for the remembered address, if the user opted in."""
        kc = self.keychain
        if kc is None or not self.expects_stored_password:
            return None
        return kc.load(self.account.address)

    def after_good_check(self) -> None:
        """Keep (or drop) the password as the user chose, and note the time of this success."""
        if self.store is None or self.check_state not in (
            CheckState.PASSED,
            CheckState.MAIL_WORKS,
        ):
            return
        kc = self.keychain
        address = self.account.address
        if kc is not None and self.remember_password:
            result = kc.store(address, self.account.password)
            self.keychain_used = result.ok
            self.keychain_message = result.message
        elif kc is not None and self.keychain_used and not self.remember_password:
            kc.delete(address)
            self.keychain_used = False
            self.keychain_message = "Your password is no longer kept on this computer."
        try:
            if self.mode is Mode.DIAGNOSE:
                self.store.record_good_check(address)
        except OSError:
            pass  # remembering is a convenience; a full disk must not spoil a good result

    def remember_account(self) -> str:
        """Save the non-secret settings after a successful set-up; say what happened."""
        if self.store is None:
            return ""
        acct = RememberedAccount(
            address=self.account.address,
            name=self.account.name,
            provider_path=str(self.provider.source) if self.provider_file_chosen else None,
            provider_id=self.provider.id,
            client_id=self.client_id,
            last_good_check=utc_iso(datetime.now(UTC)),
            keychain_used=self.keychain_used,
        )
        try:
            self.store.save(acct)
        except OSError as exc:
            return f"This computer could not remember the account ({exc.strerror or exc})."
        self.remembered = acct
        return f"Next time, {APP_NAME} opens ready to check this account."

    def forget_account(self) -> str:
        """Remove everything remembered about the account (settings file and keychain entry).

        The name and address in this run go too; the account page sees
        :attr:`account_generation` move and clears its fields. Returns what to tell the person.
        """
        self.account = AccountInput(password=self.account.password)
        self.account_generation += 1
        if self.store is None:
            return ""
        gone = self.store.forget_everything()
        self.remembered = None
        self.keychain_used = False
        self.remember_password = False
        self.mode = Mode.SETUP
        said = f"Everything {APP_NAME} stored about your account was removed"
        if gone.password_removed:
            said += f", including your password in {gone.password_store}"
        if gone.problem:
            said += f" (the password could not be removed: {gone.problem})"
        return said + "."

    def forget_password(self) -> None:
        """Drop our reference to the password (the wizard is closing or finished)."""
        self.account.password = ""


def _write_notes(result: WriteResult) -> list[str]:
    """What IT may need to know about a Thunderbird write (never shown on the page)."""
    notes = [f"Thunderbird write: {'ok' if result.ok else 'refused'}; {result.message}"]
    if result.account_key:
        notes.append(
            f"Keys: account {result.account_key}, server {result.server_key}, identity "
            f"{result.identity_key}, SMTP {result.smtp_key}"
        )
    if result.backup is not None:
        notes.append(f"Previous prefs.js kept as {result.backup}")
    if result.detail:
        notes.append(f"Detail: {result.detail}")
    return notes


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
    # A diagnosis that found mail working ends on the verdict; a failed diagnosis may still
    # lead to setting the mail program up again.
    if flow.mode is Mode.DIAGNOSE and flow.check_state is not CheckState.FAILED:
        return Page.DONE
    return Page.CLIENT


def _last(flow: WizardFlow) -> None:
    return None


PAGES: dict[Page, NextRule] = {
    Page.WELCOME: _always(Page.ACCOUNT),
    Page.ACCOUNT: _always(Page.CHECKING),
    Page.CHECKING: _after_checking,
    Page.CLIENT: _always(Page.SETUP),
    Page.SETUP: _always(Page.DONE),
    Page.DONE: _last,
}
START_PAGE: Page = next(iter(PAGES))
