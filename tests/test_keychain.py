"""The opt-in password keychain: only a real system store, never a crash, never a leaked password.

No test touches a real keychain: backends are passed explicitly, and an autouse guard makes
keyring's process-wide default an in-memory store for every test here, and switches off the
keychain's own Secret Service default (the tests of that choice stand in a fake for it).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
import types
from collections.abc import Callable

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordSetError,
)

from tests.support.memory_keyring import MemoryKeyring, RaisingKeyring, guard_default_keyring
from wizard.account import keychain
from wizard.account.keychain import (
    NO_SECURE_STORE,
    Keychain,
    KeychainStatus,
    assess_backend,
)

# The real default-store choice, kept before the autouse guard replaces it in each test.
platform_backend = keychain._platform_backend

ADDRESS = "joe.bloggs@sepheo.co"
PASSWORD = "c0rrect-Horse-battery!"
SERVICE = "Mail Setup Wizard (sepheo.co)"


@pytest.fixture(autouse=True)
def default_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    return guard_default_keyring(monkeypatch)


def backend_like(module: str, name: str, base: type[MemoryKeyring] = MemoryKeyring, **attrs):
    """An in-memory backend whose class looks like keyring's ``module.name`` (by MRO names)."""
    cls = type(name, (base,), {"__module__": module, "__qualname__": name, **attrs})
    return cls()


class _DBusErrorResponse(Exception):
    """Stands in for jeepney/dbus errors: not a KeyringError, just an Exception."""


class _ChainerWith(chainer.ChainerBackend):
    """A chainer over given members instead of every backend installed on this machine."""

    viable = False  # type: ignore[assignment]

    @classmethod
    def over(cls, *members: KeyringBackend) -> chainer.ChainerBackend:
        sub = type("ChainerBackend", (cls,), {"backends": list(members)})
        return sub()


# -- opting in -----------------------------------------------------------------------------


def test_a_remembered_password_is_read_back_and_the_status_says_where_it_is_kept():
    store = backend_like("keyring.backends.macOS", "Keyring")
    kc = Keychain(store, provider_id="sepheo.co")

    status = kc.available()
    assert status == KeychainStatus(ok=True, where="macOS Keychain", reason="")

    result = kc.store(ADDRESS, PASSWORD)
    assert result.ok and result.where == "macOS Keychain"
    assert "macOS Keychain" in result.message
    assert kc.load(ADDRESS) == PASSWORD
    assert store.entries == {(SERVICE, ADDRESS): PASSWORD}


def test_the_entry_is_named_after_the_app_and_provider_so_people_recognise_it():
    assert Keychain(MemoryKeyring(), provider_id="example.org").service_name == (
        "Mail Setup Wizard (example.org)"
    )
    assert Keychain(MemoryKeyring(), service_prefix="Acme Mail").service_name == "Acme Mail"


def test_the_address_is_matched_with_the_domain_in_any_case():
    store = MemoryKeyring()
    kc = Keychain(store, provider_id="sepheo.co")
    assert kc.store(" Joe.Bloggs@SEPHEO.co ", PASSWORD).ok
    assert kc.load("Joe.Bloggs@sepheo.co") == PASSWORD
    assert list(store.entries) == [(SERVICE, "Joe.Bloggs@sepheo.co")]


def test_without_a_backend_the_keychain_uses_keyrings_default(default_keyring: MemoryKeyring):
    kc = Keychain(provider_id="sepheo.co")
    assert kc.store(ADDRESS, PASSWORD).ok
    assert default_keyring.entries == {(SERVICE, ADDRESS): PASSWORD}


def test_deleting_removes_the_entry_once_and_is_then_a_harmless_no():
    store = MemoryKeyring()
    kc = Keychain(store, provider_id="sepheo.co")
    kc.store(ADDRESS, PASSWORD)
    assert kc.delete(ADDRESS) is True
    assert store.entries == {}
    assert kc.delete(ADDRESS) is False and kc.last_error == ""
    assert kc.load(ADDRESS) is None


def test_an_empty_password_is_not_remembered():
    store = MemoryKeyring()
    result = Keychain(store).store(ADDRESS, "")
    assert not result.ok and store.entries == {}


# -- naming the store ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name", "where"),
    [
        ("keyring.backends.macOS", "Keyring", "macOS Keychain"),
        ("keyring.backends.Windows", "WinVaultKeyring", "Windows Credential Manager"),
        ("keyring.backends.SecretService", "Keyring", "Secret Service (GNOME Keyring / KWallet)"),
        ("keyring.backends.libsecret", "Keyring", "Secret Service (GNOME Keyring / KWallet)"),
        ("keyring.backends.kwallet", "DBusKeyring", "KDE Wallet (KWallet)"),
        pytest.param(
            "wizard.account.secret_service",
            "SecretServiceKeyring",
            "Secret Service (GNOME Keyring / KWallet)",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("jeepney") is None, reason="jeepney is Linux-only"
            ),
        ),
    ],
)
def test_each_system_store_is_named_in_plain_words(module: str, name: str, where: str):
    # The real class exists under that name, so a keyring rename would fail here, not silently.
    assert hasattr(importlib.import_module(module), name)
    assert assess_backend(backend_like(module, name)) == KeychainStatus(True, where)


def test_a_subclass_of_a_known_store_keeps_its_name():
    kwallet = type(backend_like("keyring.backends.kwallet", "DBusKeyring"))
    kwallet4 = type("DBusKeyringKWallet4", (kwallet,), {"__module__": "keyring.backends.kwallet"})
    assert assess_backend(kwallet4()).where == "KDE Wallet (KWallet)"


def test_an_unknown_recommended_backend_is_used_under_its_own_name():
    status = assess_backend(MemoryKeyring())
    assert status.ok and status.where == MemoryKeyring.name


# -- no secure store: the option is disabled with a reason, and nothing is written ---------


def test_with_no_password_store_the_option_is_disabled_with_a_reason():
    kc = Keychain(fail.Keyring())
    status = kc.available()
    assert not status.ok
    assert status.reason == NO_SECURE_STORE
    assert "cannot be remembered" in status.reason

    result = kc.store(ADDRESS, PASSWORD)  # fail.Keyring would raise if it were ever called
    assert not result.ok and result.message == NO_SECURE_STORE
    assert kc.load(ADDRESS) is None and kc.last_error == NO_SECURE_STORE
    assert kc.delete(ADDRESS) is False


def test_keyrings_own_fallback_default_counts_as_no_store():
    keyring.set_keyring(fail.Keyring())  # undone by the autouse guard's monkeypatch
    assert Keychain().available().reason == NO_SECURE_STORE


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(backend_like("keyrings.alt.file", "PlaintextKeyring"), id="plaintext"),
        pytest.param(backend_like("keyrings.alt.file", "EncryptedKeyring"), id="encrypted-file"),
        pytest.param(backend_like("keyrings.cryptfile.cryptfile", "CryptFileKeyring"), id="crypt"),
        pytest.param(backend_like("some_plugin", "PlaintextKeyring"), id="plaintext-elsewhere"),
        pytest.param(backend_like("tests.low", "LowKeyring", priority=0.5), id="priority<1"),
        pytest.param(backend_like("keyring.backends.null", "Keyring"), id="null"),
    ],
)
def test_file_null_and_unrecommended_stores_are_refused_and_never_written(
    backend: MemoryKeyring,
):
    kc = Keychain(backend, provider_id="sepheo.co")
    status = kc.available()
    assert not status.ok and "cannot be remembered" in status.reason

    result = kc.store(ADDRESS, PASSWORD)
    assert not result.ok and result.message == status.reason
    assert backend.entries == {}
    backend.entries[(SERVICE, ADDRESS)] = PASSWORD  # even if something is there, it is not read
    assert kc.load(ADDRESS) is None
    assert kc.delete(ADDRESS) is False and backend.entries


def test_the_real_null_backend_is_refused():
    assert Keychain(null.Keyring()).available() == KeychainStatus(False, "", NO_SECURE_STORE)


def test_a_store_that_says_it_cannot_work_here_is_refused_with_its_name():
    def no_session(self: object) -> float:
        raise RuntimeError("Can't open a session to the secret service")

    backend = backend_like("keyring.backends.libsecret", "Keyring", priority=property(no_session))
    status = Keychain(backend).available()
    assert not status.ok
    assert status.where == "Secret Service (GNOME Keyring / KWallet)"
    assert "not working" in status.reason


def test_a_chainer_with_no_secure_member_is_no_store():
    plaintext = backend_like("keyrings.alt.file", "PlaintextKeyring")
    kc = Keychain(_ChainerWith.over(plaintext))
    assert kc.available().reason == NO_SECURE_STORE
    assert not kc.store(ADDRESS, PASSWORD).ok
    assert plaintext.entries == {}


def test_a_chainer_writes_only_to_its_secure_member_never_the_plaintext_one():
    plaintext = backend_like("keyrings.alt.file", "PlaintextKeyring", priority=9)
    secret_service = backend_like("keyring.backends.SecretService", "Keyring")
    kc = Keychain(_ChainerWith.over(plaintext, secret_service), provider_id="sepheo.co")
    assert kc.available().where == "Secret Service (GNOME Keyring / KWallet)"
    assert kc.store(ADDRESS, PASSWORD).ok
    assert plaintext.entries == {}
    assert secret_service.entries == {(SERVICE, ADDRESS): PASSWORD}


# -- a backend that raises: no crash, and the password is in no message or log -------------


@pytest.mark.parametrize(
    "exc_type",
    [
        KeyringError,
        KeyringLocked,
        PasswordSetError,
        InitError,
        NoKeyringError,
        _DBusErrorResponse,
        RuntimeError,
        OSError,
    ],
)
def test_a_failing_store_never_crashes_and_never_repeats_the_password(
    exc_type: type[Exception], caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    backend = RaisingKeyring(exc_type, secret=PASSWORD)
    kc = Keychain(backend, provider_id="sepheo.co")

    stored = kc.store(ADDRESS, PASSWORD)
    assert not stored.ok and stored.message
    texts = [stored.message, repr(stored), kc.last_error]

    assert kc.load(ADDRESS) is None and kc.last_error
    texts.append(kc.last_error)
    assert kc.delete(ADDRESS) is False and kc.last_error
    texts.append(kc.last_error)

    texts += [r.getMessage() for r in caplog.records]
    texts += [r.exc_text or "" for r in caplog.records]
    assert caplog.records, "failures should be logged (without the password)"
    for text in texts:
        assert PASSWORD not in text
        assert "c0rrect" not in text


def test_a_locked_store_says_so():
    kc = Keychain(RaisingKeyring(KeyringLocked, secret=PASSWORD))
    result = kc.store(ADDRESS, PASSWORD)
    assert "locked" in result.message and "Unlock" in result.message


def test_a_failure_while_finding_the_default_store_is_no_store(monkeypatch: pytest.MonkeyPatch):
    def broken() -> KeyringBackend:
        raise InitError("no D-Bus session")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    kc = Keychain()
    assert kc.available().reason == NO_SECURE_STORE
    assert not kc.store(ADDRESS, PASSWORD).ok


# -- the default store on Linux: our own Secret Service backend, when one answers -----------
#
# wizard.account.secret_service is replaced by a stand-in module, so these run where jeepney is not
# installed too (macOS, Windows), and nothing here can reach a session bus.


class _AnsweringSecretService(MemoryKeyring):
    """Our Secret Service backend as it is when a Secret Service answers, kept in memory.

    The memory belongs to the class: the keychain makes a new backend on each use.
    """

    memory = MemoryKeyring()
    probes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.memory.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.memory.set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.memory.delete_password(service, username)


class _SilentSecretService(_AnsweringSecretService):
    """As it is when no Secret Service is running: its priority raises, as keyring expects."""

    @properties.classproperty
    def priority(cls) -> float:
        _AnsweringSecretService.probes += 1  # counted on the base, which the fixture resets
        raise RuntimeError("no Secret Service (org.freedesktop.secrets) on the session bus")


def _as_our_backend(base: type[MemoryKeyring]) -> type[MemoryKeyring]:
    """``base`` under the module and class name of our own Secret Service backend."""
    attrs = {"__module__": "wizard.account.secret_service", "__qualname__": "SecretServiceKeyring"}
    return type("SecretServiceKeyring", (base,), attrs)


@pytest.fixture
def secret_service(monkeypatch: pytest.MonkeyPatch) -> Callable[[type[MemoryKeyring]], type]:
    """Undo the guard's switch-off of the Secret Service default, on Linux, with a stand-in.

    keyring's own default stays guarded (the in-memory ``default_keyring``).
    """
    monkeypatch.setattr(keychain, "_platform_backend", platform_backend)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(_AnsweringSecretService, "memory", MemoryKeyring())
    monkeypatch.setattr(_AnsweringSecretService, "probes", 0)

    def install(base: type[MemoryKeyring]) -> type:
        cls = _as_our_backend(base)
        module = types.ModuleType("wizard.account.secret_service")
        module.SecretServiceKeyring = cls  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "wizard.account.secret_service", module)
        return cls

    return install


def test_on_linux_the_default_store_is_our_secret_service_backend_when_one_answers(
    secret_service: Callable[[type[MemoryKeyring]], type], default_keyring: MemoryKeyring
):
    ours = secret_service(_AnsweringSecretService)
    kc = Keychain(provider_id="sepheo.co")
    backend, status = kc.resolve()
    assert isinstance(backend, ours)
    assert status == KeychainStatus(True, "Secret Service (GNOME Keyring / KWallet)")
    assert kc.store(ADDRESS, PASSWORD).ok
    assert kc.load(ADDRESS) == PASSWORD
    assert _AnsweringSecretService.memory.entries == {(SERVICE, ADDRESS): PASSWORD}
    assert default_keyring.entries == {}


def test_with_no_secret_service_answering_keyrings_own_choice_is_used(
    secret_service: Callable[[type[MemoryKeyring]], type], default_keyring: MemoryKeyring
):
    secret_service(_SilentSecretService)
    kc = Keychain(provider_id="sepheo.co")
    assert kc.resolve()[0] is default_keyring
    assert kc.store(ADDRESS, PASSWORD).ok
    assert default_keyring.entries == {(SERVICE, ADDRESS): PASSWORD}
    assert _AnsweringSecretService.probes >= 2  # asked on each use, not once for good


@pytest.mark.parametrize("platform", ["darwin", "win32", "cygwin"])
def test_off_linux_and_bsd_the_secret_service_is_never_asked(
    platform: str,
    secret_service: Callable[[type[MemoryKeyring]], type],
    monkeypatch: pytest.MonkeyPatch,
    default_keyring: MemoryKeyring,
):
    secret_service(_SilentSecretService)
    monkeypatch.setattr(sys, "platform", platform)
    assert Keychain().resolve()[0] is default_keyring
    assert _AnsweringSecretService.probes == 0


@pytest.mark.parametrize("platform", ["linux", "freebsd14", "openbsd7"])
def test_on_linux_and_the_bsds_the_secret_service_is_asked_first(
    platform: str,
    secret_service: Callable[[type[MemoryKeyring]], type],
    monkeypatch: pytest.MonkeyPatch,
):
    ours = secret_service(_AnsweringSecretService)
    monkeypatch.setattr(sys, "platform", platform)
    assert isinstance(Keychain().resolve()[0], ours)


def test_without_jeepney_the_keychain_falls_back_to_keyrings_choice(
    secret_service: Callable[[type[MemoryKeyring]], type],
    monkeypatch: pytest.MonkeyPatch,
    default_keyring: MemoryKeyring,
):
    monkeypatch.setitem(
        sys.modules, "wizard.account.secret_service", None
    )  # import raises ImportError
    assert Keychain().resolve()[0] is default_keyring


def test_the_guard_keeps_unit_tests_away_from_the_secret_service(
    monkeypatch: pytest.MonkeyPatch, default_keyring: MemoryKeyring
):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(_AnsweringSecretService, "probes", 0)
    module = types.ModuleType("wizard.account.secret_service")
    module.SecretServiceKeyring = _as_our_backend(_SilentSecretService)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wizard.account.secret_service", module)
    kc = Keychain(provider_id="sepheo.co")
    assert kc.resolve()[0] is default_keyring
    assert kc.store(ADDRESS, PASSWORD).ok
    assert _AnsweringSecretService.probes == 0


def test_the_suite_never_reaches_the_developers_own_session_bus() -> None:
    """conftest points the session bus at nothing, so no test can touch a real keychain."""
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"].startswith("unix:path=/nonexistent/")
    assert platform_backend() is None  # the unpatched lookup finds no Secret Service
