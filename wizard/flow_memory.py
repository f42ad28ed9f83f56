"""Remembering the account between runs: the non-secret settings file and the opt-in keychain.

Apart from the flow's navigation and check state (:mod:`wizard.flow`), whose results it reads:
a good check keeps or drops the password as chosen, a finished set-up remembers the settings,
*Forget this account* removes both.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wizard import APP_NAME
from wizard.account.keychain import Keychain, KeychainStatus
from wizard.account.settings import SettingsSnapshot
from wizard.account.store import AccountStore, RememberedAccount, utc_iso
from wizard.flow_state import AccountInput, CheckState, Mode
from wizard.origin_gate import OriginGate
from wizard.provider import Provider


class AccountMemory:
    """The flow's part that remembers (a mixin of ``WizardFlow``; only with a store: tests
    and ``--selftest`` run without one)."""

    provider: Provider
    account: AccountInput
    account_generation: int
    store: AccountStore | None
    remembered: RememberedAccount | None
    remember_password: bool
    keychain_used: bool
    keychain_message: str
    origin_gate: OriginGate
    client_id: str
    mode: Mode
    check_state: CheckState

    @property
    def keychain(self) -> Keychain | None:
        if self.store is None:
            return None
        # Named after the servers: a provider file that changed since finds nothing here.
        return self.store.keychain_for_settings(self.provider)

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
        origin = self.origin_gate.origin(self.provider, self.account.address)
        # Found or typed settings say so (autoconfig, srv, manual…); else the file's place.
        kind = origin.kind if self.origin_gate.known else self.origin_gate.place.kind
        acct = RememberedAccount(
            address=self.account.address,
            name=self.account.name,
            settings=SettingsSnapshot.of(
                self.provider,
                origin_kind=str(kind),
                origin_where=origin.where,
                origin_trusted=origin.trusted,
            ),
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
