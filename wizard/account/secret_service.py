"""A small ``keyring`` backend for the freedesktop Secret Service, spoken directly over D-Bus.

Why not keyring's own ``keyring.backends.SecretService``: it goes through ``secretstorage``, which
pulls in ``cryptography`` only to encrypt the secret while it crosses the session bus (the
``dh-ietf1024-sha256-aes128-cbc-pkcs7`` session). That one dependency is about 11 MiB of the
Linux bundle. The Secret Service specification itself, in section 7 "Transfer of Secrets"
(https://specifications.freedesktop.org/secret-service/latest/transfer-secrets.html), says that
encryption is not meant to stand up to a man in the middle on the bus, and that for programs
which cannot keep their own memory from being swapped to disk, and it names Python among them,
encrypting in transit is of questionable value. In practice whatever can read our session bus
traffic runs as the same user (or as root) and could read our memory anyway. So this backend
uses the spec's
``plain`` algorithm, which every implementation must offer (GNOME Keyring, KWallet's Secret
Service, KeePassXC), over ``jeepney``, a pure-Python D-Bus client.

What it keeps compatible with keyring's own backend, because older versions of this app used
that one: items are searched by the attributes ``service`` and ``username`` only, and written
with those two, keyring's label wording and an ``application`` attribute (ours names this app),
so an entry written by either backend, or by libsecret's ``secret-tool`` with the same two
attributes, is found by all three.

Why it is careful in the ways it is:

* Every call has a time limit and every prompt wait is bounded, because a password store that
  never answers must not hang the wizard; the priority probe in particular is cheap and short,
  since ``keyring`` and :mod:`wizard.account.keychain` run it whenever they look for a store.
* One short-lived connection per operation: nothing stays open between uses, and a store that
  starts (or stops) while the wizard is open is noticed.
* Errors become ``keyring.errors`` exceptions whose text names the D-Bus error or the exception
  type and never carries the secret or any bytes of it; the originals are not chained, because
  some (Unicode errors, for one) quote the data they failed on.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any, Final

from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    PasswordDeleteError,
    PasswordSetError,
)

from wizard import APP_NAME
from wizard.account import FREEDESKTOP_PLATFORMS

log = logging.getLogger(__name__)

BUS_NAME: Final = "org.freedesktop.secrets"
SERVICE_PATH: Final = "/org/freedesktop/secrets"
SERVICE_IFACE: Final = "org.freedesktop.Secret.Service"
COLLECTION_IFACE: Final = "org.freedesktop.Secret.Collection"
ITEM_IFACE: Final = "org.freedesktop.Secret.Item"
PROMPT_IFACE: Final = "org.freedesktop.Secret.Prompt"
NO_OBJECT: Final = "/"  # the spec's "no such object" / "no prompt needed"

# What the spec calls the type of the secret; the same words secretstorage has written.
CONTENT_TYPE: Final = "text/plain; charset=utf8"
IS_LOCKED: Final = "org.freedesktop.Secret.Error.IsLocked"


def on_freedesktop_platform() -> bool:
    """True where a Secret Service is the system password store (not macOS or Windows)."""
    return sys.platform.startswith(FREEDESKTOP_PLATFORMS)


def session_bus_address() -> str:
    """The session bus to use, as libdbus finds it.

    jeepney only reads ``DBUS_SESSION_BUS_ADDRESS``; a desktop started by systemd may leave that
    unset for programs not launched from the session, while the bus sits at the well-known
    ``$XDG_RUNTIME_DIR/bus``, which libdbus and sd-bus fall back to, and so do we.
    """
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if address:
        return address
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime_dir:
        path = os.path.join(runtime_dir, "bus")
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                return f"unix:path={path}"
        except OSError:
            pass
    raise InitError("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")


def _connect(timeout: float) -> DBusConnection:
    """A new session bus connection, or InitError naming only what kind of failure it was.

    ``auth_timeout`` bounds the wait on a bus that accepts the socket but never answers (a
    stopped daemon); jeepney's own Hello that follows is not bounded, but it only reaches a
    bus that has just authenticated us.
    """
    address = session_bus_address()
    try:
        return open_dbus_connection(bus=address, auth_timeout=timeout)
    except Exception as exc:  # OSError, TimeoutError, jeepney's RuntimeError for odd transports
        raise InitError(f"cannot connect to the D-Bus session bus ({type(exc).__name__})") from None


def _dbus_failure(exc: Exception, doing: str, kind: type[KeyringError]) -> KeyringError:
    """A keyring error for a failed D-Bus exchange, naming the error but quoting nothing."""
    if isinstance(exc, DBusErrorResponse):
        name = str(exc.name or "an unnamed error")
        if name == IS_LOCKED:
            return KeyringLocked(f"could not {doing}: the Secret Service is locked ({name})")
        return kind(f"could not {doing}: the Secret Service answered {name}")
    if isinstance(exc, TimeoutError):
        return kind(f"could not {doing}: the Secret Service did not answer in time")
    return kind(f"could not {doing}: {type(exc).__name__} on the D-Bus session bus")


class _Client:
    """One connection's worth of Secret Service calls; the caller closes it."""

    def __init__(self, conn: DBusConnection, call_timeout: float, prompt_timeout: float) -> None:
        self.conn = conn
        self.call_timeout = call_timeout
        self.prompt_timeout = prompt_timeout
        self._session: str | None = None

    def call(
        self,
        path: str,
        interface: str,
        method: str,
        signature: str | None = None,
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        msg = new_method_call(DBusAddress(path, BUS_NAME, interface), method, signature, body)
        reply = self.conn.send_and_get_reply(msg, timeout=self.call_timeout)
        return tuple(unwrap_msg(reply))

    def bus_call(self, msg: Any) -> tuple[Any, ...]:
        reply = self.conn.send_and_get_reply(msg, timeout=self.call_timeout)
        return tuple(unwrap_msg(reply))

    def session(self) -> str:
        """A ``plain`` transfer session (see the module docstring for why not an encrypted one)."""
        if self._session is None:
            _output, path = self.call(
                SERVICE_PATH, SERVICE_IFACE, "OpenSession", "sv", ("plain", ("s", ""))
            )
            self._session = str(path)
        return self._session

    def search(self, attributes: dict[str, str]) -> tuple[list[str], list[str]]:
        """(unlocked, locked) item paths in every collection."""
        unlocked, locked = self.call(
            SERVICE_PATH, SERVICE_IFACE, "SearchItems", "a{ss}", (attributes,)
        )
        return [str(p) for p in unlocked], [str(p) for p in locked]

    def unlock(self, paths: Sequence[str]) -> None:
        """Unlock objects, asking the person through the service's prompt if it needs one."""
        unlocked, prompt = self.call(SERVICE_PATH, SERVICE_IFACE, "Unlock", "ao", (list(paths),))
        done = {str(p) for p in unlocked}
        if prompt != NO_OBJECT:
            signature, value = self.prompt(str(prompt))
            if signature == "ao":
                done |= {str(p) for p in value}
        if not set(paths) <= done:
            raise KeyringLocked("the Secret Service did not unlock what was asked")

    def prompt(self, path: str) -> tuple[str, Any]:
        """Run a Secret Service prompt and wait, bounded, for its ``Completed`` signal.

        The wait is bounded because the service may show a dialog nobody is there to answer.
        Dismissed, unanswered or failed all mean the store stayed locked as far as the caller
        can tell, hence KeyringLocked. (GNOME Keyring with no prompter on the bus, as in the
        tests, reports the prompt dismissed straight away.)
        """
        try:
            (owner,) = self.bus_call(message_bus.GetNameOwner(BUS_NAME))
            rule = MatchRule(
                type="signal",
                sender=str(owner),
                interface=PROMPT_IFACE,
                member="Completed",
                path=path,
            )
            self.bus_call(message_bus.AddMatch(rule))
            with self.conn.filter(rule) as queue:
                self.call(path, PROMPT_IFACE, "Prompt", "s", ("",))
                try:
                    signal = self.conn.recv_until_filtered(queue, timeout=self.prompt_timeout)
                except TimeoutError:
                    # No Prompt.Dismiss here: GNOME Keyring 42 aborts (an assertion in
                    # gkd-secret-unlock.c) when a prompt is dismissed while it is still waiting
                    # for its prompter. Closing our connection, which the caller does next,
                    # makes it cancel the prompt cleanly instead.
                    raise KeyringLocked(
                        f"nobody answered the Secret Service prompt within "
                        f"{self.prompt_timeout:g} s"
                    ) from None
        except (DBusErrorResponse, OSError) as exc:
            raise _dbus_failure(exc, "show the Secret Service prompt", KeyringLocked) from None
        dismissed, result = signal.body
        if dismissed:
            raise KeyringLocked("the Secret Service prompt was dismissed")
        return str(result[0]), result[1]

    def default_collection(self) -> str:
        """The ``default`` alias, creating that collection (the spec's way) if there is none."""
        (path,) = self.call(SERVICE_PATH, SERVICE_IFACE, "ReadAlias", "s", ("default",))
        if path != NO_OBJECT:
            return str(path)
        label = {"org.freedesktop.Secret.Collection.Label": ("s", "Login")}
        path, prompt = self.call(
            SERVICE_PATH, SERVICE_IFACE, "CreateCollection", "a{sv}s", (label, "default")
        )
        if path == NO_OBJECT and prompt != NO_OBJECT:
            try:
                signature, path = self.prompt(str(prompt))
            except KeyringLocked as exc:
                raise InitError(f"no default collection was created: {exc}") from None
            if signature != "o":
                path = NO_OBJECT
        if path == NO_OBJECT:
            raise InitError("the Secret Service has no default collection and made none")
        return str(path)

    def is_locked(self, path: str, interface: str) -> bool:
        (value,) = self.call(
            path, "org.freedesktop.DBus.Properties", "Get", "ss", (interface, "Locked")
        )
        return bool(value[1])

    def secret(self, item: str) -> bytes:
        (secret,) = self.call(item, ITEM_IFACE, "GetSecret", "o", (self.session(),))
        return bytes(secret[2])

    def delete(self, item: str) -> None:
        (prompt,) = self.call(item, ITEM_IFACE, "Delete")
        if prompt != NO_OBJECT:
            self.prompt(str(prompt))


class SecretServiceKeyring(KeyringBackend):
    """The desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC) without ``cryptography``.

    ``prompt_timeout`` is how long to wait for the person to answer an unlock dialog before
    giving up with KeyringLocked; a class attribute so tests (and callers) can shorten it.
    """

    appid: str = APP_NAME
    probe_timeout: float = 2.0  # the priority check: cheap, and it runs on every lookup
    call_timeout: float = 10.0  # one D-Bus call; a write may touch the disk
    prompt_timeout: float = 120.0  # a human reading and answering an unlock dialog

    def __init__(
        self, *, prompt_timeout: float | None = None, call_timeout: float | None = None
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        if prompt_timeout is not None:
            self.prompt_timeout = prompt_timeout
        if call_timeout is not None:
            self.call_timeout = call_timeout

    @properties.classproperty
    def priority(cls) -> float:
        """5, as keyring's own Secret Service backend; raises where no Secret Service answers."""
        if not on_freedesktop_platform():
            raise RuntimeError(f"the Secret Service is not used on {sys.platform}")
        try:
            conn = _connect(cls.probe_timeout)
        except InitError as exc:
            raise RuntimeError(str(exc)) from None
        with closing(conn):
            try:
                reply = conn.send_and_get_reply(
                    message_bus.NameHasOwner(BUS_NAME), timeout=cls.probe_timeout
                )
                if unwrap_msg(reply)[0]:
                    return 5
                reply = conn.send_and_get_reply(
                    message_bus.ListActivatableNames(), timeout=cls.probe_timeout
                )
                if BUS_NAME in unwrap_msg(reply)[0]:
                    return 5
            except (DBusErrorResponse, OSError) as exc:
                raise RuntimeError(
                    f"the D-Bus session bus did not answer ({type(exc).__name__})"
                ) from None
        raise RuntimeError(
            "no Secret Service (org.freedesktop.secrets) is running or can be started on the "
            "D-Bus session bus"
        )

    @contextmanager
    def _client(self, doing: str, kind: type[KeyringError]) -> Iterator[_Client]:
        """A client on a fresh connection, closed afterwards; D-Bus failures become ``kind``."""
        conn = _connect(float(self.call_timeout))
        try:
            yield _Client(conn, float(self.call_timeout), float(self.prompt_timeout))
        except (DBusErrorResponse, OSError) as exc:
            raise _dbus_failure(exc, doing, kind) from None
        finally:
            conn.close()

    @staticmethod
    def _query(service: str, username: str) -> dict[str, str]:
        """Exactly keyring's search (its "default" scheme), so we find what it wrote."""
        return {"username": username, "service": service}

    def get_password(self, service: str, username: str) -> str | None:
        """An unlocked entry is preferred: reading it needs no prompt, and it is the newest."""
        with self._client("read the password", KeyringError) as client:
            unlocked, locked = client.search(self._query(service, username))
            if unlocked:
                item = unlocked[0]
            elif locked:
                item = locked[0]
                client.unlock([item])
            else:
                return None
            value = client.secret(item)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            # Not chained: the UnicodeDecodeError quotes the byte it failed on.
            raise KeyringError("the stored password is not UTF-8 text") from None

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store (or replace) the password, leaving exactly one unlocked entry for the account.

        ``CreateItem``'s replace only matches items with identical attributes, so an entry
        written by another client (no or another ``application`` attribute) would otherwise
        survive beside ours, and a later read could return that stale password.
        """
        try:
            value = password.encode("utf-8")
        except UnicodeEncodeError:
            raise PasswordSetError("the password is not valid Unicode text") from None
        query = self._query(service, username)
        attributes = {"application": self.appid, **query}
        properties_ = {
            "org.freedesktop.Secret.Item.Label": ("s", f"Password for '{username}' on '{service}'"),
            "org.freedesktop.Secret.Item.Attributes": ("a{ss}", attributes),
        }
        with self._client("store the password", PasswordSetError) as client:
            collection = client.default_collection()
            if client.is_locked(collection, COLLECTION_IFACE):
                client.unlock([collection])
            secret = (client.session(), b"", value, CONTENT_TYPE)
            item, prompt = client.call(
                collection,
                COLLECTION_IFACE,
                "CreateItem",
                "a{sv}(oayays)b",
                (properties_, secret, True),
            )
            if item == NO_OBJECT and prompt != NO_OBJECT:
                signature, item = client.prompt(str(prompt))
                if signature != "o":
                    item = NO_OBJECT
            if item == NO_OBJECT:
                raise PasswordSetError("the Secret Service did not create the entry")
            self._remove_others(client, query, keep=str(item))

    @staticmethod
    def _remove_others(client: _Client, query: dict[str, str], keep: str) -> None:
        """Delete the account's other unlocked entries (locked ones are never read first)."""
        try:
            others, _locked = client.search(query)
            for other in others:
                if other != keep:
                    client.delete(other)
        except (DBusErrorResponse, OSError, KeyringError) as exc:
            name = exc.name if isinstance(exc, DBusErrorResponse) else type(exc).__name__
            raise PasswordSetError(
                f"the password was stored, but an older entry for the account could not be "
                f"removed ({name})"
            ) from None

    def delete_password(self, service: str, username: str) -> None:
        """Remove every entry for the account, not just the first as keyring does.

        "Forget my password" should leave nothing behind. The unlocked entries go first, so a
        declined unlock prompt for the rest still removes what it can. PasswordDeleteError
        only when there is no entry at all: wizard.account.keychain reads it as "nothing to delete".
        """
        with self._client("delete the password", KeyringError) as client:
            unlocked, locked = client.search(self._query(service, username))
            if not unlocked and not locked:
                raise PasswordDeleteError("No such password!")
            for item in unlocked:
                client.delete(item)
            if locked:
                client.unlock(locked)
                for item in locked:
                    client.delete(item)
