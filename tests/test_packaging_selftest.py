"""The self-test's verdicts that depend on the OS the bundle runs on, and where a finished
build looks for IT's provider file: both decide whether a Windows or macOS build "works"."""

from __future__ import annotations

from pathlib import Path

import keyring.backends.fail
import pytest

from wizard import resources, selftest
from wizard.account.keychain import Keychain, KeychainStatus


class _NativeLooking:
    """Stands in for a backend object of the given module (only its class identity is read)."""


def _backend_of(module: str, name: str) -> object:
    cls = type(name, (_NativeLooking,), {"__module__": module})
    return cls()


def _no_store() -> tuple[object | None, object]:
    """What wizard.account.keychain really answers when keyring has nothing but its fail backend."""
    return Keychain(keyring.backends.fail.Keyring()).resolve()


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_selftest_fails_without_the_os_password_store(platform: str) -> None:
    outcome = selftest.run_check(
        "keyring", lambda: selftest.check_keyring(platform=platform, resolve=_no_store)
    )
    assert not outcome.ok
    assert "no secure password store" in outcome.detail
    assert selftest.NATIVE_PASSWORD_STORES[platform] in outcome.detail


def test_selftest_only_notes_a_linux_desktop_without_secret_service() -> None:
    outcome = selftest.run_check(
        "keyring", lambda: selftest.check_keyring(platform="linux", resolve=_no_store)
    )
    assert outcome.ok, outcome.detail
    assert "none usable here" in outcome.detail
    assert "without a Secret Service" in outcome.detail


@pytest.mark.parametrize(
    ("platform", "module", "name", "where"),
    [
        ("win32", "keyring.backends.Windows", "WinVaultKeyring", "Windows Credential Manager"),
        ("darwin", "keyring.backends.macOS", "Keyring", "macOS Keychain"),
    ],
)
def test_selftest_passes_with_the_os_password_store(
    platform: str, module: str, name: str, where: str
) -> None:
    verdict = selftest.judge_password_store(
        platform, _backend_of(module, name), KeychainStatus(True, where)
    )
    assert verdict == f"{module}.{name}: {where}"


def test_selftest_fails_when_another_store_stands_in_for_the_native_one() -> None:
    """A bundle that lost the Windows backend but found some third-party store is broken too."""
    with pytest.raises(selftest.SelftestError, match="not keyring.backends.Windows"):
        selftest.judge_password_store(
            "win32",
            _backend_of("keyrings.alt.Windows", "RegistryKeyring"),
            KeychainStatus(True, "x"),
        )


def test_selftest_fails_when_the_windows_store_never_answers(monkeypatch) -> None:
    monkeypatch.setattr(selftest.stores, "KEYRING_TIMEOUT", 0.2)
    import threading

    release = threading.Event()

    def hang() -> tuple[object | None, object]:
        release.wait(5)
        return _no_store()

    try:
        outcome = selftest.run_check(
            "keyring", lambda: selftest.check_keyring(platform="win32", resolve=hang)
        )
    finally:
        release.set()
    assert not outcome.ok
    assert "no answer within 0.2 s" in outcome.detail


# -- IT's provider override -------------------------------------------------------------------


def test_macos_override_lives_in_application_support(tmp_path: Path) -> None:
    exe = "/private/var/folders/xy/AppTranslocation/1234/d/Mail Setup Wizard.app/Contents/MacOS/x"
    found = resources.override_provider_candidates(
        executable=exe, platform="darwin", frozen=True, home=tmp_path
    )
    # The machine-wide folder (admin only, IT's word) wins over the per-user one (issue 27).
    assert found == [
        Path("/Library/Application Support/MailSetupWizard/provider.xml"),
        tmp_path / "Library" / "Application Support" / "MailSetupWizard" / "provider.xml",
    ]
    # Nothing inside the signed bundle, nothing beside a (possibly translocated) .app.
    assert not any(".app" in str(p) for p in found)


def test_macos_override_folder_is_the_apps_own_platformdirs_folder(
    tmp_path: Path, monkeypatch
) -> None:
    """The same folder platformdirs gives the app on macOS (where account.json lives too)."""
    import platformdirs.macos

    monkeypatch.setenv("HOME", str(tmp_path))
    own = platformdirs.macos.MacOS(resources.APP_DIR_NAME, appauthor=False).user_config_dir
    found = resources.override_provider_candidates(platform="darwin", frozen=True, home=tmp_path)
    assert found[1].parent == Path(own)


def test_windows_override_sits_beside_the_executable() -> None:
    exe = r"C:\Program Files\Mail Setup Wizard\mail-setup-wizard.exe"
    found = resources.override_provider_candidates(executable=exe, platform="win32", frozen=True)
    assert [str(p) for p in found] == [r"C:\Program Files\Mail Setup Wizard\provider.xml"]


def test_linux_override_sits_in_etc_then_beside_the_executable() -> None:
    exe = "/opt/Mail Setup Wizard/mail-setup-wizard"
    found = resources.override_provider_candidates(executable=exe, platform="linux", frozen=True)
    assert found == [
        Path("/etc/mail-setup-wizard/provider.xml"),
        Path(exe).resolve().parent / "provider.xml",
    ]


def test_from_source_there_is_no_override() -> None:
    assert resources.override_provider_candidates(platform="darwin", frozen=False) == []
