"""Builds every file of the kit for a domain and writes them into a folder.

Writing follows the app's rule for files it edits: each file goes to a temporary file in the
same folder and replaces the old one atomically; an existing file is first kept as
``<name>.bak``; a name that is a symbolic link is refused (the app did not create it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from wizard.errors import WizardError
from wizard.kit.apache import APACHE_FILE, apache_conf
from wizard.kit.autoconfig import autoconfig_xml
from wizard.kit.autodiscover import autodiscover_xml
from wizard.kit.caddy import CADDY_FILE, caddy_conf
from wizard.kit.model import AUTOCONFIG_FILE, AUTODISCOVER_FILE, KitFile, KitTarget
from wizard.kit.nginx import LOCATIONS_FILE, SERVER_FILE, locations_conf, server_conf
from wizard.kit.profile import domain_profile_bytes
from wizard.kit.readme import README_FILE, ZONE_FILE, profile_file, readme_text
from wizard.kit.zone import zone_text
from wizard.mobileconfig import SigningIdentity


class KitError(WizardError, ValueError):
    """The kit cannot be built or written; the message says what to change."""


def build_kit(target: KitTarget, signing: SigningIdentity | None = None) -> list[KitFile]:
    """Every file of the kit, in the order the README names them."""
    if not target.provider.matches_domain(f"x@{target.name}"):
        raise KitError(
            f"the provider file does not cover {target.name} "
            f"(its domains: {', '.join(target.provider.domains)})"
        )
    text = [
        (AUTOCONFIG_FILE, autoconfig_xml(target), "autoconfig file (Thunderbird)"),
        (AUTODISCOVER_FILE, autodiscover_xml(target), "Autodiscover answer (Outlook)"),
        (SERVER_FILE, server_conf(target).encode(), "nginx server for the two names"),
        (LOCATIONS_FILE, locations_conf(target).encode(), "nginx locations"),
        (APACHE_FILE, apache_conf(target).encode(), "Apache configuration"),
        (CADDY_FILE, caddy_conf(target).encode(), "Caddyfile snippet"),
        (ZONE_FILE, zone_text(target).encode(), "DNS zone lines"),
        (
            profile_file(target),
            domain_profile_bytes(target, signing),
            "configuration profile (Apple Mail)",
        ),
        (
            README_FILE,
            readme_text(target, signed=signing is not None).encode(),
            "where each file goes",
        ),
    ]
    return [KitFile(name, data, what) for name, data, what in text]


def write_kit(folder: Path, files: list[KitFile]) -> list[Path]:
    """Write the files into ``folder`` (created if missing); returns the paths written."""
    if folder.is_symlink():
        raise KitError(f"{folder} is a symbolic link: give the kit a real folder")
    if folder.exists() and not folder.is_dir():
        raise KitError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kit_file in files:
        written.append(_replace(folder / kit_file.name, kit_file.data))
    return written


def _replace(path: Path, data: bytes) -> Path:
    if path.is_symlink():
        raise KitError(f"{path} is a symbolic link; the kit never writes through one")
    if path.exists():
        if path.read_bytes() == data:
            return path
        _replace_plain(path.with_name(path.name + ".bak"), path.read_bytes())
    return _replace_plain(path, data)


def _replace_plain(path: Path, data: bytes) -> Path:
    if path.is_symlink():
        raise KitError(f"{path} is a symbolic link; the kit never writes through one")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
