"""The self-test's password-store check: the OS's own secure store must be what keyring uses."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable

from wizard.selftest.model import KEYRING_TIMEOUT, SelftestError

# The secure store each desktop OS always has, and the keyring module that speaks to it. On
# Windows and macOS a bundle without it is broken (PyInstaller dropped the backend or the
# ctypes/pywin32-ctypes bits it needs): "Remember my password" would be greyed out for
# everyone, so the self-test fails. Linux desktops may legitimately have no Secret Service
# (a server, a minimal window manager): there the self-test only reports it.
NATIVE_PASSWORD_STORES = {
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
}
LINUX_STORE_MODULE = "wizard.account.secret_service"

Resolver = Callable[[], tuple[object | None, object]]


def judge_password_store(platform: str, backend: object | None, status: object) -> str:
    """The keyring line's verdict for what ``Keychain.resolve()`` returned on ``platform``.

    Raises :class:`SelftestError` on Windows and macOS unless the store is the OS's own secure
    one; elsewhere no store is a note, not a failure.
    """
    where = getattr(status, "where", "") or ""
    reason = getattr(status, "reason", "") or ""
    native = NATIVE_PASSWORD_STORES.get(platform)
    if backend is None:
        text = f"none usable here ({reason or where or 'no store'})"
        if native is not None:
            raise SelftestError(
                f"no secure password store: {text}; expected {native} "
                "(is the backend missing from the bundle?)"
            )
        return f"{text}; fine on a desktop without a Secret Service"
    cls = type(backend)
    chosen = f"{cls.__module__}.{cls.__name__}"
    if native is not None and not cls.__module__.startswith(native):
        raise SelftestError(f"the password store is {chosen} ({where}), not {native}")
    return f"{chosen}: {where}"


def check_keyring(platform: str | None = None, resolve: Resolver | None = None) -> str:
    import keyring
    import keyring.backend

    from wizard.account.keychain import Keychain

    platform = platform or sys.platform
    native = NATIVE_PASSWORD_STORES.get(platform, LINUX_STORE_MODULE)
    for module in (native, "keyring.backends.chainer", "keyring.backends.fail"):
        importlib.import_module(module)
    # What "Remember my password" would really use (wizard.account.keychain's rules), not only
    # keyring's own pick: on Linux that is our Secret Service backend when one answers.
    resolve = resolve or Keychain().resolve
    answer: list[tuple[object | None, object]] = []
    thread = threading.Thread(
        target=lambda: answer.append(resolve()), name="selftest-keyring", daemon=True
    )
    thread.start()
    thread.join(KEYRING_TIMEOUT)
    if not answer:
        if platform in NATIVE_PASSWORD_STORES:
            raise SelftestError(f"the password store gave no answer within {KEYRING_TIMEOUT:g} s")
        selected = f"no answer within {KEYRING_TIMEOUT:g} s"
    else:
        selected = judge_password_store(platform, *answer[0])
    viable = sorted(
        f"{type(k).__module__.rpartition('.')[2]}.{type(k).__name__}"
        for k in keyring.backend.get_all_keyring()
    )
    return (
        f"password store: {selected}; native backend {native} present; "
        f"keyring's viable: {', '.join(viable) or 'none'}"
    )
