"""The page flow, without Qt: what comes next and what may block it."""

from __future__ import annotations

from wizard.checks.model import CheckResult
from wizard.flow import PAGES, START_PAGE, CheckState, Mode, Page, WizardFlow, clients_for_platform
from wizard.provider import load_default_provider
from wizard.services import Security, Service


def result(service: Service, ok: bool, cancelled: bool = False) -> CheckResult:
    return CheckResult(
        service,
        "my.sepheo.co",
        993,
        Security.TLS,
        "joe@sepheo.co",
        ok=ok,
        cancelled=cancelled,
        cause=None if ok else "auth_failed",
    )


def flow(**kw) -> WizardFlow:
    return WizardFlow(load_default_provider(), **kw)


def test_first_run_offers_setup_and_a_remembered_account_offers_diagnosis():
    assert flow().mode is Mode.SETUP
    f = flow(remembered_address="joe.bloggs@sepheo.co", remembered_name="Joe")
    assert f.mode is Mode.DIAGNOSE and f.account.address == "joe.bloggs@sepheo.co"


def test_account_needs_a_well_formed_address_and_a_password():
    f = flow()
    assert not f.validate_account("Joe", "joe.bloggs@", "pw").ok
    assert not f.validate_account("Joe", "joe.bloggs@sepheo.co", "").ok
    assert not f.validate_account("", "joe.bloggs@sepheo.co", "pw").ok
    assert f.validate_account("Joe", "joe.bloggs@sepheo.co", "pw").ok


def test_any_address_is_taken_without_a_warning_its_settings_are_looked_up():
    f = flow()
    v = f.validate_account("Joe", "joe.bloggs@sepheo.com", "pw")
    assert v.ok and v.domain_warning == ""
    assert f.set_account("Joe", "joe.bloggs@sepheo.com", "pw").ok
    assert f.needs_discovery
    assert flow().validate_account("Joe", "joe.bloggs@sepheo.co", "pw").domain_warning == ""


def test_an_address_at_its_own_domain_needs_no_discovery():
    f = flow()
    assert f.set_account("Joe", "joe.bloggs@sepheo.co", "pw").ok
    assert not f.needs_discovery
    assert f.next_page(Page.ACCOUNT) is Page.CHECKING


def test_bad_input_changes_nothing():
    f = flow()
    f.set_account("Joe", "joe.bloggs@sepheo.co", "pw")
    f.set_account("Joe", "broken@", "other")
    assert f.account.address == "joe.bloggs@sepheo.co" and f.account.password == "pw"


def test_sieve_failure_alone_does_not_block_setting_up_mail():
    f = flow()
    state = f.checks_finished(
        [result(Service.IMAP, True), result(Service.SMTP, True), result(Service.SIEVE, False)]
    )
    assert state is CheckState.MAIL_WORKS and f.can_leave_checking


def test_imap_or_smtp_failure_blocks_unless_the_user_chooses_to_continue():
    f = flow()
    f.checks_finished([result(Service.IMAP, False), result(Service.SMTP, True)])
    assert not f.can_leave_checking and f.can_offer_continue_anyway
    f.choose_continue_anyway(True)
    assert f.can_leave_checking
    f.checks_started()  # a retry forgets the override
    assert not f.can_leave_checking


def test_cancelled_check_blocks_next():
    f = flow()
    f.checks_finished([result(Service.IMAP, False, cancelled=True), result(Service.SMTP, True)])
    assert f.check_state is CheckState.CANCELLED and not f.can_leave_checking


def test_setup_goes_through_client_and_setup_pages_while_diagnosis_looks_at_the_mail_program():
    f = flow()
    assert [
        f.next_page(p) for p in (Page.WELCOME, Page.ACCOUNT, Page.CHECKING, Page.CLIENT, Page.SETUP)
    ] == [Page.ACCOUNT, Page.CHECKING, Page.CLIENT, Page.SETUP, Page.DONE]
    f.choose_mode(Mode.DIAGNOSE)
    f.checks_finished([result(Service.IMAP, True), result(Service.SMTP, True)])
    assert f.next_page(Page.CHECKING) is Page.MAIL_PROGRAMS
    assert f.next_page(Page.MAIL_PROGRAMS) is Page.DONE
    assert f.next_page(Page.DONE) is None


def test_each_os_lists_its_usual_mail_programs_first():
    assert clients_for_platform("win32", False)[0].id == "outlook_new"
    assert clients_for_platform("darwin", False)[0].id == "apple_mail"
    tb_first = clients_for_platform("win32", True)
    assert tb_first[0].id == "thunderbird" and tb_first[0].detected
    assert clients_for_platform("linux", False)[-1].id == "other"
    assert len({c.id for c in clients_for_platform("darwin", True)}) == 6


def test_forgetting_the_password_drops_it():
    f = flow()
    f.set_account("Joe", "joe.bloggs@sepheo.co", "pw")
    f.forget_password()
    assert f.account.password == ""


def test_a_refused_short_login_is_offered_once_with_the_full_address():
    f = flow()
    f.set_account("Joe", "joe.bloggs@sepheo.co", "pw")
    short = result(Service.IMAP, False)
    short.username = "joe.bloggs"
    f.checks_finished([short, result(Service.SMTP, True)])
    assert f.alternative_login() == "joe.bloggs@sepheo.co"
    f.use_full_address_login()
    assert f.provider.imap.username_for("joe.bloggs@sepheo.co") == "joe.bloggs@sepheo.co"
    f.checks_finished([short, result(Service.SMTP, True)])
    assert f.alternative_login() is None  # once only


def test_a_refused_full_address_is_not_retried_with_another_form():
    f = flow()
    f.set_account("Joe", "joe.bloggs@sepheo.co", "pw")
    full = result(Service.IMAP, False)
    full.username = "joe.bloggs@sepheo.co"
    f.checks_finished([full])
    assert f.alternative_login() is None


def test_the_page_table_lists_every_page_once_starting_with_welcome():
    assert list(PAGES) == list(Page) and START_PAGE is Page.WELCOME
    f = flow()
    assert all(f.next_page(p) is PAGES[p](f) for p in Page)


def test_forgetting_the_account_clears_name_and_address_and_moves_the_generation(tmp_path):
    from tests.support.memory_keyring import MemoryKeyring
    from wizard.account.store import AccountStore

    store = AccountStore(tmp_path / "config", keychain_backend=MemoryKeyring())
    f = flow(store=store, remembered_address="joe.bloggs@sepheo.co", remembered_name="Joe")
    before = f.account_generation
    assert "removed" in f.forget_account()
    assert (f.account.address, f.account.name) == ("", "")
    assert f.account_generation == before + 1 and f.mode is Mode.SETUP


def test_named_choices_set_what_the_pages_chose():
    f = flow()
    f.choose_remember_password(True)
    assert f.remember_password
    f.choose_client("apple_mail")
    f.instructions_shown()
    assert f.setup_summary == "You were shown how to set up Apple Mail."
    f.mail_profile_saved("/tmp/x.mobileconfig")
    assert f.setup_summary.endswith("saved to /tmp/x.mobileconfig.")
