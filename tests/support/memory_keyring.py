"""Harmless keyring backends for tests: nothing here ever reaches a real keychain.

Every class sets ``viable = False`` so keyring's own auto-detection (which sees every subclass
of KeyringBackend ever defined in the process) can never pick one of them for another test.
"""

from __future__ import annotations

import threading

import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

import wizard.account.keychain


class MemoryKeyring(KeyringBackend):
    """A recommended-priority backend keeping passwords in a dict."""

    priority = 5  # type: ignore[assignment]
    viable = False  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("no such entry") from None


class PromptingKeyring(MemoryKeyring):
    """A store that waits like one showing its "unlock" dialog, until the test answers."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = threading.Event()
        self.waiting = threading.Event()

    def _wait_for_the_person(self) -> None:
        self.waiting.set()
        if not self.answer.wait(30):
            raise TimeoutError("the test never answered the prompt")

    def get_password(self, service: str, username: str) -> str | None:
        self._wait_for_the_person()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._wait_for_the_person()
        super().set_password(service, username, password)


class RaisingKeyring(MemoryKeyring):
    """A broken or locked store whose error texts quote what it was given (the worst case)."""

    def __init__(self, exc_type: type[Exception], secret: str) -> None:
        super().__init__()
        self.exc_type = exc_type
        self.secret = secret

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc_type(f"cannot read {username}: stored value {self.secret!r} is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc_type(f"refused to store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc_type(f"cannot delete {self.secret!r}")


def guard_default_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    """Make the keychain's default store an in-memory one for one test, then restore it.

    Two defaults are covered: keyring's process-wide one, set directly (not via
    keyring.set_keyring) so restoring does not need to look up, and thus detect, the real
    backend first; and wizard.account.keychain's own Secret Service choice on Linux, switched off
    so it never probes a real session bus.
    """
    guard = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", guard)
    monkeypatch.setattr(wizard.account.keychain, "_platform_backend", lambda: None)
    return guard
