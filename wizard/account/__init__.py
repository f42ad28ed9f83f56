"""Remembering the account between runs: the settings file and the opt-in password store.

Kept light on purpose: the keychain and the Secret Service client import their stacks (keyring,
jeepney) only when first used, so importing this package costs nothing at start-up.
"""

from __future__ import annotations

from typing import Final

# sys.platform prefixes where the desktop's password store is a Secret Service (GNOME Keyring,
# KWallet, KeePassXC). One place for both the keychain's assessment and the D-Bus client.
FREEDESKTOP_PLATFORMS: Final = ("linux", "freebsd", "openbsd", "netbsd", "dragonfly")
