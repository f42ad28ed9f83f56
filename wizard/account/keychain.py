"""Opt-in "Remember my password on this computer", kept only in the system's own password store.

Why this module exists rather than calling ``keyring`` directly:

* ``keyring`` happily falls back to stores we must never use for a mail password: the
  ``keyrings.alt`` plaintext and "encrypted file" backends, or nothing at all (``fail``/``null``).
  :func:`assess_backend` accepts only a real system store (macOS Keychain, Windows Credential
  Manager, Secret Service, KWallet, or a third-party backend ``keyring`` itself recommends) and
  says in plain words where the password would live, or why it cannot be remembered, so the
  check box can be disabled with that reason.
* A password store that is locked, missing or broken must never crash the wizard, and its error
  text must never carry the password into a message or a log: every backend call is wrapped,
  and only the exception's *type* is ever shown or logged.
* On Linux and the BSDs the default store is our own :class:`wizard.account.secret_service.
  SecretServiceKeyring` (the desktop's Secret Service without ``secretstorage`` and
  ``cryptography``, which keep the bundle large); keyring's own choice is used only when no
  Secret Service answers, e.g. for KWallet without one.
* The backend is injectable, so tests run against an in-memory store and never touch a real
  keychain.

Entries are stored under the service "Mail Setup Wizard (<provider id>; <IMAP host>, <SMTP host>;
<fingerprint>)" with the address as the user name, so someone looking in their keychain can tell
what the entry is and delete it, and so a password is only ever read back for the very servers
(hosts, ports, security, login) it was saved for: a provider file that changed since names other
servers, hence another entry, and nothing is filled in for it. Format 1 entries were named
"Mail Setup Wizard (<provider id>)"; they are only deleted, never read.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard import APP_NAME
from wizard.account import FREEDESKTOP_PLATFORMS

# keyring (with its entry-point discovery, ~50 ms) is imported when a store is first asked, not
# when the wizard starts: the first page needs none of it.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

NO_SECURE_STORE = (
    "No secure password store was found on this computer, so the password cannot be remembered."
)

_FREEDESKTOP_STORE = "Secret Service (GNOME Keyring / KWallet)"

# (module, class name) of keyring's own secure backends -> the name people know the store by.
# Matched along the class's MRO by name rather than by importing the classes, because importing
# e.g. the macOS backend on Linux (or Windows' on macOS) is not something to rely on.
_SECURE_BACKENDS: dict[tuple[str, str], str] = {
    ("keyring.backends.macOS", "Keyring"): "macOS Keychain",
    ("keyring.backends.Windows", "WinVaultKeyring"): "Windows Credential Manager",
    ("keyring.backends.SecretService", "Keyring"): _FREEDESKTOP_STORE,
    ("keyring.backends.libsecret", "Keyring"): _FREEDESKTOP_STORE,
    ("keyring.backends.kwallet", "DBusKeyring"): "KDE Wallet (KWallet)",
    ("wizard.account.secret_service", "SecretServiceKeyring"): _FREEDESKTOP_STORE,
}


# Backends that store nothing (or only raise).
_NO_STORE_BACKENDS = {
    ("keyring.backends.fail", "Keyring"),
    ("keyring.backends.null", "Keyring"),
}

# Packages whose backends keep passwords in a file of their own (plaintext or "encrypted" with a
# key that lives beside it, or behind a second password the person will not have set up).
_FILE_STORE_PACKAGES = ("keyrings.alt", "keyrings.cryptfile")
_FILE_STORE_WORDS = frozenset({"plaintext", "encrypted", "cryptfile", "file"})
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

# keyring's own rule of thumb: a priority of one or more means "recommended".
_MIN_PRIORITY = 1.0


@dataclass(frozen=True)
class KeychainStatus:
    """Whether a password can be remembered, and where (or why not), in the user's words."""

    ok: bool
    where: str  # e.g. "macOS Keychain"; the store's name even when it is refused; "" if none
    reason: str = ""  # set when not ok: a sentence to show beside the disabled check box


@dataclass(frozen=True)
class KeychainResult:
    """The outcome of storing a password: never raises, never contains the password."""

    ok: bool
    message: str
    where: str = ""


def _class_keys(backend: KeyringBackend) -> list[tuple[str, str]]:
    return [(cls.__module__, cls.__name__) for cls in type(backend).__mro__]


def _backend_name(backend: KeyringBackend) -> str:
    try:
        return str(type(backend).name)
    except Exception:  # a backend's classproperty is third-party code
        return type(backend).__name__


def _is_file_store(backend: KeyringBackend) -> bool:
    for module, name in _class_keys(backend):
        if module.startswith(_FILE_STORE_PACKAGES):
            return True
        if module.startswith("keyring."):
            continue  # keyring's own classes are judged by the tables above
        # Whole CamelCase words, so "PlaintextKeyring" counts and "ProfileKeyring" does not.
        words = {w.lower() for w in _CAMEL_WORD.findall(name)}
        if words & _FILE_STORE_WORDS:
            return True
    return False


def select_backend(backend: KeyringBackend) -> tuple[KeyringBackend | None, KeychainStatus]:
    """The backend to really use for ``backend`` and its status; never a file or null store.

    A chainer is looked through: its best secure member is used directly, so a write can never
    fall through to a lower-priority plaintext member.
    """
    from keyring.backends.chainer import ChainerBackend

    if not isinstance(backend, ChainerBackend):
        status = _assess_one(backend)
        return (backend if status.ok else None), status
    try:
        members: list[KeyringBackend] = list(type(backend).backends)
    except Exception as exc:
        log.warning("the password stores could not be listed: %s", type(exc).__name__)
        members = []
    for member in members:  # keyring sorts them best first
        if isinstance(member, ChainerBackend):
            continue
        status = _assess_one(member)
        if status.ok:
            return member, status
    return None, KeychainStatus(False, "", NO_SECURE_STORE)


def assess_backend(backend: KeyringBackend) -> KeychainStatus:
    """Say whether ``backend`` is a secure system store we may use, naming it for the user."""
    return select_backend(backend)[1]


def _assess_one(backend: KeyringBackend) -> KeychainStatus:
    keys = _class_keys(backend)
    known = next((_SECURE_BACKENDS[k] for k in keys if k in _SECURE_BACKENDS), None)
    where = known or _backend_name(backend)
    if any(k in _NO_STORE_BACKENDS for k in keys):
        return KeychainStatus(False, "", NO_SECURE_STORE)
    if known is None and _is_file_store(backend):
        return KeychainStatus(
            False,
            where,
            f"The only password store on this computer is a file ({where}), not a secure "
            f"password store, so the password cannot be remembered.",
        )
    try:
        priority = float(backend.priority)
    except Exception as exc:  # keyring signals "not usable here" by raising from priority
        log.info("password store %s is not usable: %s", where, type(exc).__name__)
        return KeychainStatus(
            False,
            where,
            f"The password store ({where}) is not working on this computer, so the password "
            f"cannot be remembered.",
        )
    if priority < _MIN_PRIORITY:
        if known is None:
            return KeychainStatus(False, where, NO_SECURE_STORE)
        return KeychainStatus(
            False,
            where,
            f"The password store ({where}) is not ready on this computer, so the password "
            f"cannot be remembered.",
        )
    return KeychainStatus(True, where)


def _platform_backend() -> KeyringBackend | None:
    """Our own Secret Service backend where it is the system store and answers, else None.

    Preferred over ``keyring.get_keyring()`` on Linux and the BSDs because keyring would pick its
    own Secret Service backend, which needs ``secretstorage`` and ``cryptography``. Imported
    here, not at the top: only these systems need it, and only once the keychain is asked.
    """
    if not sys.platform.startswith(FREEDESKTOP_PLATFORMS):
        return None
    try:
        from wizard.account.secret_service import SecretServiceKeyring
    except ImportError as exc:
        log.info("the Secret Service backend cannot be loaded: %s", type(exc).__name__)
        return None
    try:
        SecretServiceKeyring.priority  # noqa: B018 - raises when no Secret Service answers
    except Exception as exc:
        log.info("no Secret Service on this desktop: %s", type(exc).__name__)
        return None
    return SecretServiceKeyring()


def _default_backend() -> KeyringBackend:
    import keyring

    backend = _platform_backend()
    return backend if backend is not None else keyring.get_keyring()


def _normalise_address(address: str) -> str:
    """The keychain user name: trimmed, domain lower-cased (as wizard.address does)."""
    local, at, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if at else address.strip()


class Keychain:
    """Remember, read and forget one account's password in the system password store.

    ``backend`` defaults to the Secret Service on Linux and the BSDs when one answers, else to
    ``keyring.get_keyring()``; it is looked up on each use, so a store that becomes available
    while the wizard is open is noticed. Every method reports failure by its return value;
    ``last_error`` holds a short, password-free sentence about the latest failure.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        provider_id: str | None = None,
        service_prefix: str = APP_NAME,
        servers: str | None = None,
    ) -> None:
        self._backend = backend
        self.provider_id = provider_id
        self.servers = servers  # wizard.account.settings.keychain_label of the servers
        self.service_prefix = service_prefix
        self.last_error = ""

    @property
    def service_name(self) -> str:
        """What the entry is called in the keychain, e.g.
        "Mail Setup Wizard (sepheo.co; my.sepheo.co; 3f1c0e9a4b2d)"."""
        parts = [p for p in (self.provider_id, self.servers) if p]
        if parts:
            return f"{self.service_prefix} ({'; '.join(parts)})"
        return self.service_prefix

    def resolve(self) -> tuple[KeyringBackend | None, KeychainStatus]:
        """The backend we would really use (None when refused) and its status."""
        try:
            backend = self._backend if self._backend is not None else _default_backend()
        except Exception as exc:
            log.warning("no password store could be set up: %s", type(exc).__name__)
            return None, KeychainStatus(False, "", NO_SECURE_STORE)
        return select_backend(backend)

    def available(self) -> KeychainStatus:
        """Whether "Remember my password on this computer" can be offered, and where it goes."""
        return self.resolve()[1]

    def store(self, address: str, password: str) -> KeychainResult:
        """Keep ``password`` for ``address``; refuses (writing nothing) without a secure store."""
        from keyring.errors import KeyringLocked

        self.last_error = ""
        backend, status = self.resolve()
        if backend is None:
            return self._fail(status.reason or NO_SECURE_STORE, status.where)
        if not password:
            return self._fail("There is no password to remember.", status.where)
        try:
            backend.set_password(self.service_name, _normalise_address(address), password)
        except KeyringLocked:
            log.warning("could not save the password: %s is locked", status.where)
            return self._fail(
                f"{status.where} is locked, so the password was not remembered. Unlock it and "
                f"try again.",
                status.where,
            )
        except Exception as exc:
            # Only the type: a backend's error text may quote what it was given.
            log.warning("could not save the password in %s: %s", status.where, type(exc).__name__)
            return self._fail(
                f"The password could not be saved in {status.where} ({type(exc).__name__}).",
                status.where,
            )
        return KeychainResult(True, f"Your password is kept in {status.where}.", status.where)

    def load(self, address: str) -> str | None:
        """The remembered password for ``address``, or None (not stored, or store unusable)."""
        from keyring.errors import KeyringLocked

        self.last_error = ""
        backend, status = self.resolve()
        if backend is None:
            self.last_error = status.reason or NO_SECURE_STORE
            return None
        try:
            password = backend.get_password(self.service_name, _normalise_address(address))
        except KeyringLocked:
            log.warning("could not read the password: %s is locked", status.where)
            self.last_error = f"{status.where} is locked, so the saved password could not be read."
            return None
        except Exception as exc:
            log.warning("could not read the password from %s: %s", status.where, type(exc).__name__)
            self.last_error = (
                f"The saved password could not be read from {status.where} ({type(exc).__name__})."
            )
            return None
        return password if isinstance(password, str) and password else None

    def delete(self, address: str) -> bool:
        """Remove the remembered password; True only when an entry was actually removed.

        Idempotent: no entry (or no usable store) is not an error, it is simply False.
        """
        from keyring.errors import PasswordDeleteError

        self.last_error = ""
        backend, status = self.resolve()
        if backend is None:
            return False
        try:
            backend.delete_password(self.service_name, _normalise_address(address))
        except PasswordDeleteError:
            return False  # what backends raise when there is no such entry
        except Exception as exc:
            log.warning("could not delete the password in %s: %s", status.where, type(exc).__name__)
            self.last_error = (
                f"The saved password could not be removed from {status.where} "
                f"({type(exc).__name__})."
            )
            return False
        return True

    def _fail(self, message: str, where: str) -> KeychainResult:
        self.last_error = message
        return KeychainResult(False, message, where)
