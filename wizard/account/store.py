"""The remembered account: what a re-run needs to open straight in "diagnose" mode.

After a successful setup the wizard keeps the non-secret settings (address, display name, the
servers it was set up with and where those settings came from, which client was used, when the
account last checked out, the app version) in a small JSON file in the user's config folder.
The next run pre-fills the address and offers
"Check why my mail isn't working" first, which is what people re-run the app for.

Why it is built the way it is:

* It never holds a password. :class:`RememberedAccount` has no field for one and the file is
  written from the dataclass fields only; a password the person chose to remember lives in the
  system keychain (:mod:`wizard.account.keychain`), which :meth:`AccountStore.forget` also clears.
* It is written atomically (temporary file in the same folder, then ``os.replace``) with mode
  0600, so a crash or a full disk leaves the old file or the new one, never half of one.
* A damaged, unreadable or other-version file is not fatal and is not silently deleted: ``load``
  returns None, logs why and keeps the reason in :attr:`AccountStore.load_problem`; the file
  stays for someone to look at until the next successful setup replaces it.
* It keeps the servers, not the path of the provider file they came from
  (:mod:`wizard.account.settings`): a path re-read on every start trusted whatever file lay
  there later. Settings in use that differ from the remembered ones make the account a new one.
* Format 1 files (which had ``provider_path``) are still read: the path is dropped, never
  re-read, the keychain entry they pointed at (named after the provider id only, so not tied
  to any server) is not filled in, and the next save writes format 2. ``forget`` removes that
  old entry as well.
* A symlink in the file's place is never followed (:mod:`wizard.safe_files`).
* The folder is injectable so tests never touch the real home config.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from wizard import __version__
from wizard.account.keychain import Keychain
from wizard.account.settings import SettingsSnapshot, SnapshotError, keychain_label
from wizard.address import check_address
from wizard.errors import WizardError
from wizard.safe_files import UnsafeTarget, atomic_write_bytes

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from wizard.provider import Provider

log = logging.getLogger(__name__)

APP_DIR_NAME = "MailSetupWizard"
FILE_NAME = "account.json"
FORMAT_VERSION = 2
# Format 1 (before issue 28) had "provider_path"; it is read and migrated, never written.
LEGACY_FORMAT_VERSION = 1
# Far more than a real file needs; anything bigger is not ours and is not read into memory.
MAX_FILE_BYTES = 64 * 1024
_TEMP_PREFIX = f".{FILE_NAME}."
_TEMP_SUFFIX = ".tmp"


def default_config_dir() -> Path:
    """The per-user config folder, e.g. ~/.config/MailSetupWizard or %APPDATA%\\MailSetupWizard."""
    return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))


def utc_iso(when: datetime) -> str:
    """``when`` as UTC ISO 8601 to the second; a naive time is refused as ambiguous."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("the time of the check must carry a time zone")
    return when.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class RememberedAccount:
    """The non-secret settings of the last successful setup. Deliberately no password field.

    ``slots`` means no stray attribute (a password, say) can be attached to an instance either.
    """

    address: str
    name: str
    provider_id: str
    client_id: str | None  # e.g. "thunderbird" (see wizard.flow.CLIENT_LABELS)
    last_good_check: str | None  # UTC ISO 8601, see utc_iso()
    keychain_used: bool = False  # the person ticked "Remember my password on this computer"
    app_version: str = __version__
    # The servers it was set up with; None only for a file migrated from format 1.
    settings: SettingsSnapshot | None = None


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "address": (str,),
    "name": (str,),
    "provider_id": (str,),
    "client_id": (str, type(None)),
    "last_good_check": (str, type(None)),
    "keychain_used": (bool,),
    "app_version": (str,),
}
assert set(_FIELD_TYPES) | {"settings"} == {f.name for f in dataclasses.fields(RememberedAccount)}


class _BadFile(WizardError, ValueError):
    """The file exists but is not a remembered account this version can use."""


def _from_document(doc: Any) -> RememberedAccount:
    if not isinstance(doc, dict):
        raise _BadFile("does not hold a JSON object")
    version = doc.get("format_version")
    known = (FORMAT_VERSION, LEGACY_FORMAT_VERSION)
    if type(version) is not int or version not in known:  # True == 1, but is no version
        if type(version) is int and version > FORMAT_VERSION:
            raise _BadFile(f"was written by a newer version of the app (format {version})")
        raise _BadFile("is in an old or unknown format")
    values: dict[str, Any] = {}
    for key, types in _FIELD_TYPES.items():
        if key not in doc:
            raise _BadFile(f"has no {key!r}")
        value = doc[key]
        if not isinstance(value, types):  # note 1 is not a bool here, nor True a str
            raise _BadFile(f"has an invalid {key!r}")
        values[key] = value
    # Unknown keys (e.g. a hand-added "password") are ignored and never written back.
    if not check_address(values["address"]).ok:
        raise _BadFile("has an invalid 'address'")
    if not values["provider_id"].strip():
        raise _BadFile("has an empty 'provider_id'")
    if values["last_good_check"] is not None:
        try:
            datetime.fromisoformat(values["last_good_check"])
        except ValueError:
            raise _BadFile("has an invalid 'last_good_check'") from None
    if version == LEGACY_FORMAT_VERSION:
        # Its provider_path is dropped (never re-read) and its keychain entry not used.
        log.info(
            "remembered account of format 1 migrated: its provider path %r is no longer "
            "re-read and its saved password is not filled in until the account is checked "
            "again",
            doc.get("provider_path"),
        )
        return RememberedAccount(**{**values, "keychain_used": False})
    try:
        settings = SettingsSnapshot.from_json(doc.get("settings"))
    except SnapshotError as exc:
        raise _BadFile(f"has invalid settings ({exc})") from None
    return RememberedAccount(**values, settings=settings)


def _to_document(acct: RememberedAccount) -> dict[str, Any]:
    # Built from the declared fields only, so nothing else can ever reach the file.
    doc: dict[str, Any] = {"format_version": FORMAT_VERSION}
    for name in _FIELD_TYPES:
        doc[name] = getattr(acct, name)
    doc["settings"] = acct.settings.as_json() if acct.settings is not None else None
    return doc


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, mode 0600; raise OSError on failure.

    The temporary file is made in the same folder (``os.replace`` is only atomic within one
    file system) and removed again if anything goes wrong; a link in the file's place is
    refused, not followed (wizard.safe_files).
    """
    if path.parent.is_symlink():
        raise UnsafeTarget(
            f"{path.parent} is a symbolic link, which this app did not create and does not "
            f"follow; the account was not remembered"
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write_bytes(
        path,
        text.encode("utf-8"),
        mode=0o600,
        prefix=_TEMP_PREFIX,
    )


@dataclass(frozen=True)
class Forgotten:
    """What :meth:`AccountStore.forget_everything` removed, for the "Forget me" confirmation."""

    files: list[Path]
    password_removed: bool  # an entry was deleted from the keychain
    password_store: str  # where it was, e.g. "macOS Keychain"; "" when there is no store
    problem: str = ""  # a password-free sentence when the keychain entry could not be removed


class AccountStore:
    """Load, save and forget the remembered account in ``config_dir`` (default: user config).

    ``keychain_backend`` is handed to :class:`~wizard.account.keychain.Keychain` when forgetting, so
    tests can use an in-memory store; None means the system default.
    """

    def __init__(
        self,
        config_dir: Path | None = None,
        *,
        keychain_backend: KeyringBackend | None = None,
    ) -> None:
        self._dir = Path(config_dir) if config_dir is not None else default_config_dir()
        self._keychain_backend = keychain_backend
        self._load_problem: str | None = None

    @property
    def path(self) -> Path:
        """The JSON file (it may not exist)."""
        return self._dir / FILE_NAME

    @property
    def load_problem(self) -> str | None:
        """Why the last ``load`` found a file but could not use it; None if it could (or none)."""
        return self._load_problem

    def keychain_for(self, acct: RememberedAccount) -> Keychain:
        """The keychain entry belonging to ``acct`` (same service name as when it was stored)."""
        label = acct.settings.keychain_label if acct.settings is not None else None
        return Keychain(self._keychain_backend, provider_id=acct.provider_id, servers=label)

    def keychain_for_provider(self, provider_id: str) -> Keychain:
        """The entry of format 1, named after the provider id alone (kept to be forgotten)."""
        return Keychain(self._keychain_backend, provider_id=provider_id)

    def keychain_for_settings(self, provider: Provider) -> Keychain:
        """The entry for ``provider``'s servers: other servers never see this password."""
        return Keychain(
            self._keychain_backend, provider_id=provider.id, servers=keychain_label(provider)
        )

    def load(self) -> RememberedAccount | None:
        """The remembered account, or None when there is none or the file cannot be used."""
        self._load_problem = None
        try:
            return _from_document(self._read_document())
        except FileNotFoundError:
            return None
        except _BadFile as exc:
            self._unusable(str(exc))
        except OSError as exc:
            self._unusable(f"cannot be read ({exc.strerror or type(exc).__name__})")
        return None

    def save(self, acct: RememberedAccount) -> None:
        """Write ``acct`` atomically, replacing any earlier (or damaged) file; raise OSError."""
        text = json.dumps(_to_document(acct), indent=2, ensure_ascii=False) + "\n"
        atomic_write_text(self.path, text)
        self._load_problem = None

    def record_good_check(
        self, address: str, when: datetime | None = None
    ) -> RememberedAccount | None:
        """Note that ``address`` just passed its checks (``when`` defaults to now).

        Returns the updated account, or None (and writes nothing) when the remembered account
        is for another address or there is none: a diagnosis of someone else's address must
        not overwrite this computer's account.
        """
        acct = self.load()
        if acct is None or acct.address.lower() != address.strip().lower():
            return None
        updated = dataclasses.replace(
            acct,
            last_good_check=utc_iso(when or datetime.now(UTC)),
            app_version=__version__,
        )
        self.save(updated)
        return updated

    def forget(self) -> list[Path]:
        """Remove everything the app stored (file, keychain entry); return the files removed.

        Idempotent: a second call removes nothing and returns an empty list.
        """
        return self.forget_everything().files

    def forget_everything(self) -> Forgotten:
        """Like :meth:`forget`, also saying whether (and from where) the password was removed."""
        address, provider_id, servers = self._identity_for_forgetting()
        password_removed, store, problem = False, "", ""
        if address:
            # The entry tied to the remembered servers, and the older one named after the
            # provider id alone (format 1), whichever exist.
            keychains = [Keychain(self._keychain_backend, provider_id=provider_id)]
            if servers is not None:
                keychains.insert(
                    0, Keychain(self._keychain_backend, provider_id=provider_id, servers=servers)
                )
            for keychain in keychains:
                store = keychain.available().where
                password_removed = keychain.delete(address) or password_removed
                problem = problem or keychain.last_error
        removed: list[Path] = []
        candidates = [self.path]
        with contextlib.suppress(OSError):
            candidates += sorted(self._dir.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"))
        for candidate in candidates:
            try:
                candidate.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("could not remove %s: %s", candidate, exc.strerror or exc)
                continue
            removed.append(candidate)
        # The folder is ours; leave it only if something else of the app's lives there.
        with contextlib.suppress(OSError):
            self._dir.rmdir()
            removed.append(self._dir)
        return Forgotten(removed, password_removed, store, problem)

    # -- helpers -------------------------------------------------------------------------
    def _read_document(self) -> Any:
        with self.path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise _BadFile("is too large to be a remembered account")
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _BadFile("is not valid JSON") from None

    def _unusable(self, why: str) -> None:
        self._load_problem = f"The remembered account in {self.path} {why}; it was ignored."
        log.warning("%s", self._load_problem)

    def _identity_for_forgetting(self) -> tuple[str | None, str | None, str | None]:
        """Address, provider id and the servers' keychain label, read as leniently as possible:
        an old or damaged file should not stop "forget" from finding the keychain entry."""
        acct = self.load()
        if acct is not None:
            label = acct.settings.keychain_label if acct.settings is not None else None
            return acct.address, acct.provider_id, label
        try:
            doc = self._read_document()
        except (OSError, ValueError):
            return None, None, None
        if not isinstance(doc, dict):
            return None, None, None
        address, provider_id = doc.get("address"), doc.get("provider_id")
        try:
            servers: str | None = SettingsSnapshot.from_json(doc.get("settings")).keychain_label
        except SnapshotError:
            servers = None
        return (
            address if isinstance(address, str) and address.strip() else None,
            provider_id if isinstance(provider_id, str) and provider_id.strip() else None,
            servers,
        )
