"""Our own Secret Service backend against a real GNOME Keyring on a private D-Bus session bus.

Every test here talks only to buses started by tests/support/secret_service_daemon.py: the process's
DBUS_SESSION_BUS_ADDRESS is pointed at the private bus for the length of one test. The
reference clients are libsecret's ``secret-tool`` (C) and keyring's own SecretService backend
(secretstorage), which older versions of this app used; secrets reach ``secret-tool`` on stdin.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends.SecretService import Keyring as KeyringsSecretService
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    PasswordDeleteError,
    PasswordSetError,
)

from wizard.account import keychain
from wizard.account.keychain import Keychain

IN_CI = os.environ.get("CI", "").lower() == "true"

# jeepney is installed only on Linux (like keyring's own D-Bus backends); elsewhere there is no
# Secret Service to test. In CI (Linux) a missing jeepney is a failure, not a skip.
if not IN_CI:
    pytest.importorskip("jeepney", reason="jeepney (the D-Bus client) is Linux-only")

from jeepney import message_bus  # noqa: E402
from jeepney.io.blocking import open_dbus_connection  # noqa: E402

from tests.support.secret_service_daemon import (  # noqa: E402
    SECRET_TOOL,
    SecretServiceDaemon,
    secret_service_available,
)
from wizard.account.secret_service import SecretServiceKeyring  # noqa: E402

FREEDESKTOP = "Secret Service (GNOME Keyring / KWallet)"
ADDRESS = "joe.bloggs@sepheo.co"
PASSWORD = "c0rrect-Horse-battery!"
ITEM_IFACE = "org.freedesktop.Secret.Item"
AWKWARD_PASSWORDS = ["pässwörd-密码", 'S3cret "pässwörd" \\ 42', "it's 'single' and \"double\""]


def _require_secret_service() -> None:
    missing = secret_service_available()
    if missing:
        reason = (
            f"GNOME Keyring / D-Bus are not installed (missing: {missing}); see tests/run_all.sh"
        )
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def gnome_keyring() -> Iterator[SecretServiceDaemon]:
    """One GNOME Keyring with an unlocked login keyring, shared by the tests of this module."""
    _require_secret_service()
    with SecretServiceDaemon() as daemon:
        yield daemon


@pytest.fixture
def bus(
    gnome_keyring: SecretServiceDaemon, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretServiceDaemon]:
    """This process on the private bus; the login keyring is unlocked again afterwards."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", gnome_keyring.address)
    yield gnome_keyring
    gnome_keyring.unlock()


@pytest.fixture
def service(request: pytest.FixtureRequest) -> str:
    """A service name of this test's own, so tests sharing the keyring never see each other."""
    return f"Mail Setup Wizard ({request.node.name})"


def _secret_tool(daemon: SecretServiceDaemon, *args: str, secret: str | None = None):
    return subprocess.run(
        [SECRET_TOOL, *args],
        input=None if secret is None else secret.encode(),
        env=daemon.env(),
        capture_output=True,
        timeout=20,
        check=False,
    )


def _printed(exc: BaseException) -> str:
    """The messages a traceback of ``exc`` would show: its own and every chained one's.

    Messages only: a traceback's source lines would show this file's own literals.
    """
    texts = []
    current: BaseException | None = exc
    while current is not None:
        texts.append("".join(traceback.format_exception_only(current)))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n".join(texts)


# -- storing, reading, forgetting ----------------------------------------------------------


def test_a_password_kept_through_the_keychain_is_read_back_and_forgotten(bus: SecretServiceDaemon):
    kc = Keychain(SecretServiceKeyring(), provider_id="sepheo.co")
    assert kc.available().ok and kc.available().where == FREEDESKTOP

    result = kc.store(ADDRESS, PASSWORD)
    assert result.ok, result.message
    assert kc.load(ADDRESS) == PASSWORD
    assert len(bus.search(service=kc.service_name, username=ADDRESS)[0]) == 1

    assert kc.delete(ADDRESS) is True
    assert kc.load(ADDRESS) is None and kc.last_error == ""
    assert kc.delete(ADDRESS) is False and kc.last_error == ""
    assert bus.search(service=kc.service_name, username=ADDRESS) == ([], [])


def test_the_backend_stores_reads_and_deletes_and_says_when_there_is_nothing_to_delete(
    bus: SecretServiceDaemon, service: str
):
    backend = SecretServiceKeyring()
    assert backend.get_password(service, ADDRESS) is None
    backend.set_password(service, ADDRESS, PASSWORD)
    assert backend.get_password(service, ADDRESS) == PASSWORD
    assert backend.get_password(service, "someone.else@sepheo.co") is None
    backend.delete_password(service, ADDRESS)
    assert backend.get_password(service, ADDRESS) is None
    with pytest.raises(PasswordDeleteError):
        backend.delete_password(service, ADDRESS)


def test_the_entry_carries_keyrings_attributes_and_label(bus: SecretServiceDaemon, service: str):
    SecretServiceKeyring().set_password(service, ADDRESS, PASSWORD)
    (item,), _ = bus.search(service=service, username=ADDRESS)
    props = bus.call(item, "org.freedesktop.DBus.Properties", "GetAll", "s", ITEM_IFACE)[0]
    attributes = dict(props["Attributes"][1])
    # GNOME Keyring adds libsecret's generic schema name to some items (not every time: it
    # seems to depend on whether the item was reloaded from disk); it names no secret.
    attributes.pop("xdg:schema", None)
    assert attributes == {
        "application": "Mail Setup Wizard",
        "service": service,
        "username": ADDRESS,
    }
    assert props["Label"][1] == f"Password for '{ADDRESS}' on '{service}'"


def test_replacing_a_password_keeps_a_single_entry(bus: SecretServiceDaemon, service: str):
    backend = SecretServiceKeyring()
    backend.set_password(service, ADDRESS, "first")
    backend.set_password(service, ADDRESS, "second")
    assert len(bus.search(service=service, username=ADDRESS)[0]) == 1
    assert backend.get_password(service, ADDRESS) == "second"


@pytest.mark.parametrize("password", AWKWARD_PASSWORDS)
def test_non_ascii_and_quotes_survive_the_round_trip_as_utf8(
    bus: SecretServiceDaemon, service: str, password: str
):
    SecretServiceKeyring().set_password(service, ADDRESS, password)
    assert SecretServiceKeyring().get_password(service, ADDRESS) == password
    # What other clients see are the UTF-8 bytes, nothing escaped.
    looked_up = _secret_tool(bus, "lookup", "service", service, "username", ADDRESS)
    assert looked_up.stdout == password.encode("utf-8")


# -- interoperability with the reference clients ------------------------------------------


def test_secret_tool_finds_what_we_store(bus: SecretServiceDaemon, service: str):
    SecretServiceKeyring().set_password(service, ADDRESS, PASSWORD)
    looked_up = _secret_tool(bus, "lookup", "service", service, "username", ADDRESS)
    assert looked_up.returncode == 0 and looked_up.stdout.decode() == PASSWORD


def test_we_read_replace_and_delete_what_secret_tool_stores(bus: SecretServiceDaemon, service: str):
    secret = "pässwörd-密码"
    stored = _secret_tool(
        bus, "store", "--label=tool", "service", service, "username", ADDRESS, secret=secret
    )
    assert stored.returncode == 0, stored.stderr
    backend = SecretServiceKeyring()
    assert backend.get_password(service, ADDRESS) == secret

    # secret-tool's item has no "application" attribute, so CreateItem's own replace misses
    # it; ours must still leave only the new password behind.
    backend.set_password(service, ADDRESS, PASSWORD)
    assert len(bus.search(service=service, username=ADDRESS)[0]) == 1
    assert _secret_tool(bus, "lookup", "service", service, "username", ADDRESS).stdout == (
        PASSWORD.encode()
    )
    backend.delete_password(service, ADDRESS)
    assert _secret_tool(bus, "lookup", "service", service, "username", ADDRESS).returncode != 0


def test_keyrings_own_secret_service_backend_and_ours_read_each_others_entries(
    bus: SecretServiceDaemon, service: str
):
    theirs, ours = KeyringsSecretService(), SecretServiceKeyring()

    theirs.set_password(service, ADDRESS, "written-by-keyring")
    assert ours.get_password(service, ADDRESS) == "written-by-keyring"

    # An entry left by an older version of the app is replaced, not shadowed.
    ours.set_password(service, ADDRESS, "written-by-us")
    assert len(bus.search(service=service, username=ADDRESS)[0]) == 1
    assert theirs.get_password(service, ADDRESS) == "written-by-us"

    theirs.delete_password(service, ADDRESS)
    assert ours.get_password(service, ADDRESS) is None


def test_forgetting_removes_every_entry_for_the_account_whoever_wrote_it(
    bus: SecretServiceDaemon, service: str
):
    # In this order, as GNOME Keyring's replace-on-create takes any item that has (at least)
    # the new item's attributes: secret-tool's two would replace keyring's three.
    stored = _secret_tool(
        bus, "store", "--label=x", "service", service, "username", ADDRESS, secret="by-tool"
    )
    assert stored.returncode == 0, stored.stderr
    KeyringsSecretService().set_password(service, ADDRESS, "by-keyring")
    assert len(bus.search(service=service, username=ADDRESS)[0]) == 2

    SecretServiceKeyring().delete_password(service, ADDRESS)
    assert bus.search(service=service, username=ADDRESS) == ([], [])


def test_on_linux_the_keychains_default_is_our_backend_when_a_secret_service_answers(
    bus: SecretServiceDaemon,
):
    kc = Keychain(provider_id="sepheo.co")
    backend, status = kc.resolve()
    assert isinstance(backend, SecretServiceKeyring)
    assert status.ok and status.where == FREEDESKTOP
    assert kc.store(ADDRESS, PASSWORD).ok
    assert kc.load(ADDRESS) == PASSWORD
    assert kc.delete(ADDRESS) is True


# -- a locked keyring ---------------------------------------------------------------------


def test_a_locked_keyring_with_nobody_to_answer_is_reported_locked_at_once(
    bus: SecretServiceDaemon, caplog: pytest.LogCaptureFixture
):
    """GNOME Keyring with no prompter on the bus dismisses the unlock prompt straight away.

    So the default two-minute wait for a human is not what ends this: it must not take long.
    """
    caplog.set_level(logging.DEBUG)
    backend = SecretServiceKeyring()
    kc = Keychain(backend, provider_id="locked.example")
    service = kc.service_name
    assert kc.store(ADDRESS, PASSWORD).ok
    bus.lock()

    started = time.monotonic()
    failures = []
    for what, attempt in (
        ("read", lambda: backend.get_password(service, ADDRESS)),
        ("replace", lambda: backend.set_password(service, ADDRESS, "new-" + PASSWORD)),
        ("delete", lambda: backend.delete_password(service, ADDRESS)),
    ):
        with pytest.raises(KeyringLocked) as caught:
            attempt()
            pytest.fail(f"{what} did not find the keyring locked")
        failures.append(caught.value)
    assert time.monotonic() - started < 5

    assert kc.load(ADDRESS) is None
    assert kc.last_error == f"{FREEDESKTOP} is locked, so the saved password could not be read."
    result = kc.store(ADDRESS, PASSWORD)
    assert not result.ok and "is locked" in result.message and "Unlock it" in result.message

    texts = [_printed(exc) for exc in failures] + [kc.last_error, result.message]
    texts += [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    assert all(PASSWORD not in text and "c0rrect" not in text for text in texts)

    bus.unlock()  # nothing was lost or changed while it was locked
    assert backend.get_password(service, ADDRESS) == PASSWORD


def _hang_as_the_prompter(address: str, stop: threading.Event) -> None:
    """Own GNOME Keyring's prompter name and never answer, like a dialog nobody looks at."""
    with open_dbus_connection(bus=address) as conn:
        conn.send_and_get_reply(
            message_bus.RequestName("org.gnome.keyring.SystemPrompter"), timeout=5
        )
        stop.wait()


def test_an_unanswered_unlock_prompt_gives_up_after_the_prompt_timeout(
    monkeypatch: pytest.MonkeyPatch,
):
    _require_secret_service()
    with SecretServiceDaemon() as daemon:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", daemon.address)
        backend = SecretServiceKeyring(prompt_timeout=0.3)
        backend.set_password("Mail Setup Wizard (prompt)", ADDRESS, PASSWORD)
        daemon.lock()
        stop = threading.Event()
        prompter = threading.Thread(target=_hang_as_the_prompter, args=(daemon.address, stop))
        prompter.start()
        try:
            deadline = time.monotonic() + 5
            while not daemon.has_owner("org.gnome.keyring.SystemPrompter"):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            started = time.monotonic()
            with pytest.raises(KeyringLocked, match="nobody answered"):
                backend.get_password("Mail Setup Wizard (prompt)", ADDRESS)
            assert 0.3 <= time.monotonic() - started < 3
        finally:
            stop.set()
            prompter.join(timeout=10)
        # Giving up did not take GNOME Keyring down (a Prompt.Dismiss here would have).
        time.sleep(0.2)
        assert daemon.has_owner("org.freedesktop.secrets")
        daemon.unlock()
        assert backend.get_password("Mail Setup Wizard (prompt)", ADDRESS) == PASSWORD


def test_with_no_default_collection_a_refused_creation_is_a_plain_error_quickly(
    monkeypatch: pytest.MonkeyPatch,
):
    _require_secret_service()
    with SecretServiceDaemon(login_keyring=False) as daemon:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", daemon.address)
        assert daemon.default_collection() == "/"
        backend = SecretServiceKeyring()
        assert backend.get_password("Mail Setup Wizard (x)", ADDRESS) is None
        started = time.monotonic()
        with pytest.raises(InitError) as caught:
            backend.set_password("Mail Setup Wizard (x)", ADDRESS, PASSWORD)
        assert time.monotonic() - started < 5
        assert "default collection" in str(caught.value)
        assert PASSWORD not in _printed(caught.value)


# -- no Secret Service, no bus ------------------------------------------------------------


@pytest.fixture
def bare_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretServiceDaemon]:
    """A private session bus with no Secret Service on it, nor any that could be started."""
    _require_secret_service()
    with SecretServiceDaemon(keyring=False) as daemon:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", daemon.address)
        yield daemon


def test_with_no_secret_service_on_the_bus_the_store_is_not_offered(
    bare_bus: SecretServiceDaemon, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RuntimeError, match="no Secret Service"):
        SecretServiceKeyring.priority  # noqa: B018
    assert not SecretServiceKeyring.viable
    assert keychain._platform_backend() is None

    kc = Keychain(SecretServiceKeyring(), provider_id="sepheo.co")
    status = kc.available()
    assert not status.ok and status.where == FREEDESKTOP
    assert status.reason == (
        f"The password store ({FREEDESKTOP}) is not working on this computer, so the password "
        f"cannot be remembered."
    )
    assert not kc.store(ADDRESS, PASSWORD).ok

    # Called anyway, each operation fails with a keyring error naming the D-Bus error.
    backend = SecretServiceKeyring()
    failures = []
    for attempt, kind in (
        (lambda: backend.get_password("S", ADDRESS), KeyringError),
        (lambda: backend.set_password("S", ADDRESS, PASSWORD), PasswordSetError),
        (lambda: backend.delete_password("S", ADDRESS), KeyringError),
    ):
        with pytest.raises(kind, match="ServiceUnknown") as caught:
            attempt()
        assert not isinstance(caught.value, PasswordDeleteError)  # not "there was none"
        failures.append(caught.value)
    texts = [_printed(exc) for exc in failures] + [r.getMessage() for r in caplog.records]
    assert all(PASSWORD not in text for text in texts)


def test_a_secret_service_that_can_be_started_on_demand_counts(bare_bus: SecretServiceDaemon):
    (bare_bus.root / "services" / "secrets.service").write_text(
        "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/false\n", encoding="utf-8"
    )
    with open_dbus_connection(bus=bare_bus.address) as conn:
        conn.send_and_get_reply(message_bus.ReloadConfig(), timeout=5)
    assert SecretServiceKeyring.priority == 5


def test_without_a_bus_address_the_bus_in_the_runtime_dir_is_used_as_libdbus_does(
    gnome_keyring: SecretServiceDaemon, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    socket_path = gnome_keyring.address.removeprefix("unix:path=").split(",")[0]
    (tmp_path / "bus").symlink_to(socket_path)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert SecretServiceKeyring.priority == 5
    backend = SecretServiceKeyring()
    backend.set_password("Mail Setup Wizard (runtime dir)", ADDRESS, PASSWORD)
    assert backend.get_password("Mail Setup Wizard (runtime dir)", ADDRESS) == PASSWORD
    backend.delete_password("Mail Setup Wizard (runtime dir)", ADDRESS)


@pytest.mark.parametrize(
    "environment",
    [
        pytest.param({"DBUS_SESSION_BUS_ADDRESS": "unix:path={tmp}/no-such-bus"}, id="no-socket"),
        pytest.param({"DBUS_SESSION_BUS_ADDRESS": None, "XDG_RUNTIME_DIR": "{tmp}"}, id="unset"),
        pytest.param({"DBUS_SESSION_BUS_ADDRESS": "tcp:host=127.0.0.1,port=9"}, id="tcp"),
    ],
)
def test_with_no_session_bus_at_all_the_store_is_refused_quickly(
    environment: dict[str, str | None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG)
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value.format(tmp=tmp_path))
    started = time.monotonic()
    with pytest.raises(RuntimeError):
        SecretServiceKeyring.priority  # noqa: B018
    status = Keychain(SecretServiceKeyring()).available()
    assert not status.ok and "not working" in status.reason
    assert keychain._platform_backend() is None
    with pytest.raises(InitError) as caught:
        SecretServiceKeyring().set_password("S", ADDRESS, PASSWORD)
    assert time.monotonic() - started < 2
    texts = [_printed(caught.value)] + [r.getMessage() for r in caplog.records]
    assert all(PASSWORD not in text for text in texts)


# -- the password never shows --------------------------------------------------------------


def test_a_stored_value_that_is_not_utf8_is_an_error_that_does_not_quote_it(
    bus: SecretServiceDaemon, service: str
):
    secret = "p\udce4ss-w0rd"  # secret-tool stores these bytes: b"p\xe4ss-w0rd"
    stored = subprocess.run(
        [SECRET_TOOL, "store", "--label=latin-1", "service", service, "username", ADDRESS],
        input=secret.encode("utf-8", "surrogateescape"),
        env=bus.env(),
        capture_output=True,
        timeout=20,
        check=False,
    )
    assert stored.returncode == 0, stored.stderr
    with pytest.raises(KeyringError) as caught:
        SecretServiceKeyring().get_password(service, ADDRESS)
    printed = _printed(caught.value)
    assert "not UTF-8" in printed
    assert "xe4" not in printed and "w0rd" not in printed and "position" not in printed


def test_a_password_that_cannot_be_encoded_is_refused_without_quoting_it(
    bus: SecretServiceDaemon, service: str
):
    with pytest.raises(PasswordSetError) as caught:
        SecretServiceKeyring().set_password(service, ADDRESS, "half\udcffZq9-rest")
    printed = _printed(caught.value)
    assert "Zq9" not in printed and "udcff" not in printed and "half" not in printed
    assert bus.search(service=service, username=ADDRESS) == ([], [])


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_elsewhere_the_backend_imports_but_declines_without_touching_a_bus(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    """--selftest imports every wizard module on every OS; there this one must say no, quietly."""
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/should-not-be-used")
    with pytest.raises(RuntimeError, match=platform):
        SecretServiceKeyring.priority  # noqa: B018
