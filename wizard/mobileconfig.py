"""A macOS/iOS configuration profile that adds the mail account in one double-click.

The profile holds one ``com.apple.mail.managed`` payload inside a ``Configuration`` profile. Key
names and value ranges follow Apple's device-management schema (github.com/apple/device-management,
``mdm/profiles/com.apple.mail.managed.yaml`` and ``TopLevel.yaml``).

Choices made here, and why:

* No password key at all. ``IncomingPassword``/``OutgoingPassword`` are only meant for encrypted
  profiles; without them macOS asks for the password while installing, and
  ``OutgoingPasswordSameAsIncomingPassword`` makes it ask once.
* ``…UseSSL`` is true for implicit TLS *and* for STARTTLS: like the "Use TLS/SSL" box in Mail's
  settings, it means "encrypt", and Mail upgrades with STARTTLS on 587/143.
* The identifiers and UUIDs are uuid5 values over a fixed namespace, the provider id and the
  lower-cased address, so installing a newer profile for the same person replaces the old one
  (macOS matches on ``PayloadIdentifier``) instead of adding a second account.
* Signing is optional and done by the ``openssl`` command, so no crypto library is bundled.
"""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.clients.instructions.model import (
    AuthKind,
    Field,
    Instructions,
    InstructionStep,
    auth_kind,
)
from wizard.errors import WizardError
from wizard.programs import find_program
from wizard.provider import Provider, ServerSettings
from wizard.safe_files import atomic_write_bytes
from wizard.services import Security

# Fixed once for this app; changing it would make every profile a new one to macOS.
PROFILE_NAMESPACE = uuid.UUID("1b0592c1-e0c0-491a-b95a-292a5ff7bb99")
MAIL_PAYLOAD_TYPE = "com.apple.mail.managed"
# Name of the environment variable carrying a key passphrase to openssl where file descriptors
# cannot be passed (Windows). Set only in the child's environment, never in ours.
PASSPHRASE_ENV = "MAIL_SETUP_WIZARD_KEY_PASSPHRASE"  # noqa: S105 - a variable name

_AUTH = {
    AuthKind.PASSWORD: "EmailAuthPassword",
    AuthKind.ENCRYPTED_PASSWORD: "EmailAuthCRAMMD5",
    AuthKind.NTLM: "EmailAuthNTLM",
    AuthKind.NONE: "EmailAuthNone",
}


@dataclass(frozen=True)
class ProfileIds:
    """The stable identifiers of one person's profile and of the mail payload inside it."""

    profile_uuid: str
    profile_identifier: str
    mail_uuid: str
    mail_identifier: str


def _reverse_dns(provider_id: str) -> str:
    labels = [re.sub(r"[^A-Za-z0-9-]", "-", part) for part in provider_id.split(".") if part]
    return ".".join(reversed(labels)) or "mail-setup-wizard"


def profile_ids(provider: Provider, address: str) -> ProfileIds:
    """Identifiers derived from the provider and the address: same input, same identifiers."""
    seed = f"{provider.id}\n{address.strip().lower()}"
    profile_uuid = str(uuid.uuid5(PROFILE_NAMESPACE, seed + "\nprofile")).upper()
    mail_uuid = str(uuid.uuid5(PROFILE_NAMESPACE, seed + "\nmail")).upper()
    identifier = f"{_reverse_dns(provider.id)}.mail-setup-wizard.{profile_uuid}"
    return ProfileIds(profile_uuid, identifier, mail_uuid, identifier + ".mail")


def _auth(server: ServerSettings) -> str:
    # Kerberos and OAuth2 have no profile value for IMAP accounts; a password is the fallback.
    return _AUTH.get(auth_kind(server), "EmailAuthPassword")


def _use_ssl(server: ServerSettings) -> bool:
    return server.security is not Security.PLAIN


def build_profile(provider: Provider, address: str, name: str) -> dict[str, Any]:
    """The profile as a plist dictionary. ``address`` and ``name`` must already be checked."""
    ids = profile_ids(provider, address)
    organization = provider.branding.organization
    imap, smtp = provider.imap, provider.smtp
    mail: dict[str, Any] = {
        "PayloadType": MAIL_PAYLOAD_TYPE,
        "PayloadVersion": 1,
        "PayloadIdentifier": ids.mail_identifier,
        "PayloadUUID": ids.mail_uuid,
        "PayloadDisplayName": f"{organization} mail ({address})",
        "PayloadDescription": f"Adds {address} to Mail.",
        "PayloadOrganization": organization,
        "EmailAccountDescription": f"{organization} ({address})",
        "EmailAccountName": name,
        "EmailAccountType": "EmailTypeIMAP",
        "EmailAddress": address,
        "IncomingMailServerHostName": imap.hostname,
        "IncomingMailServerPortNumber": imap.port,
        "IncomingMailServerUseSSL": _use_ssl(imap),
        "IncomingMailServerAuthentication": _auth(imap),
        "IncomingMailServerUsername": imap.username_for(address),
        "OutgoingMailServerHostName": smtp.hostname,
        "OutgoingMailServerPortNumber": smtp.port,
        "OutgoingMailServerUseSSL": _use_ssl(smtp),
        "OutgoingMailServerAuthentication": _auth(smtp),
        "OutgoingMailServerUsername": smtp.username_for(address),
        "OutgoingPasswordSameAsIncomingPassword": True,
    }
    return {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": ids.profile_identifier,
        "PayloadUUID": ids.profile_uuid,
        "PayloadDisplayName": f"{organization} mail for {name}",
        "PayloadOrganization": organization,
        "PayloadDescription": (
            f"Sets up the mail account {address} in Mail with {organization}'s server "
            "settings. You will be asked for your mail password while installing; it is not "
            "stored in this file."
        ),
        "PayloadRemovalDisallowed": False,
        "PayloadScope": "User",
        "PayloadContent": [mail],
    }


def profile_bytes(provider: Provider, address: str, name: str) -> bytes:
    """The unsigned profile as an XML property list (keys sorted, so output is reproducible)."""
    return plistlib.dumps(build_profile(provider, address, name), fmt=plistlib.FMT_XML)


def profile_filename(address: str, organization: str = "") -> str:
    """A file name safe on every platform, e.g. ``Sepheo-joe.bloggs@sepheo.co.mobileconfig``."""
    stem = f"{organization}-{address}" if organization else address
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", stem) + ".mobileconfig"


# --- signing -------------------------------------------------------------------------------


class SigningError(WizardError, RuntimeError):
    """openssl could not sign the profile; the message carries openssl's own words."""


@dataclass(frozen=True)
class SigningIdentity:
    """IT's signing certificate and key (PEM files), and the chain to embed, if any.

    ``passphrase`` is handed to openssl through a pipe (``-passin fd:N``) on macOS and Linux,
    or through an environment variable of the child process only (``-passin env:…``) on
    Windows; it never appears on a command line.
    """

    certificate: Path
    key: Path
    chain: Path | None = None
    passphrase: str | None = field(default=None, repr=False)

    def missing_files(self) -> list[Path]:
        files = [self.certificate, self.key] + ([self.chain] if self.chain else [])
        return [f for f in files if not f.is_file()]


def sign_profile(data: bytes, identity: SigningIdentity, *, openssl: str | None = None) -> bytes:
    """Sign ``data`` as CMS/PKCS#7 with the content attached, DER-encoded, as macOS expects.

    Runs ``openssl smime -sign -binary -nodetach -outform der -signer … -inkey … [-certfile …]``.
    ``-binary`` keeps the plist's bytes exactly (without it openssl rewrites line ends to CRLF).
    ``openssl`` is found by absolute path on ``PATH`` (wizard.programs), never in the current
    folder; a path given by the caller must be absolute.
    """
    missing = identity.missing_files()
    if missing:
        raise SigningError(f"signing file not found: {missing[0]}")
    program = _openssl(openssl)
    cmd = [
        str(program),
        *("smime", "-sign", "-binary", "-nodetach", "-outform", "der"),
        *("-signer", str(identity.certificate), "-inkey", str(identity.key)),
    ]
    if identity.chain is not None:
        cmd += ["-certfile", str(identity.chain)]
    passphrase = (identity.passphrase or "").encode()
    env = None
    pass_fds: tuple[int, ...] = ()
    read_fd = -1
    if sys.platform == "win32":
        env = {**os.environ, PASSPHRASE_ENV: passphrase.decode()}
        cmd += ["-passin", f"env:{PASSPHRASE_ENV}"]
    else:
        # An empty pipe for an unencrypted key is harmless, and for an encrypted key without a
        # passphrase it makes openssl fail at once instead of prompting on a terminal.
        read_fd, write_fd = os.pipe()
        with os.fdopen(write_fd, "wb") as writer:
            writer.write(passphrase + b"\n")
        pass_fds = (read_fd,)
        cmd += ["-passin", f"fd:{read_fd}"]
    try:
        result = subprocess.run(
            cmd,
            input=data,
            capture_output=True,
            env=env,
            pass_fds=pass_fds,
            timeout=60,
            check=False,
            start_new_session=sys.platform != "win32",
        )
    except FileNotFoundError:
        raise SigningError(f"cannot sign: {str(program)!r} was not found") from None
    except subprocess.TimeoutExpired:
        raise SigningError("cannot sign: openssl did not finish within 60 seconds") from None
    finally:
        if read_fd >= 0:
            os.close(read_fd)
    if result.returncode != 0 or not result.stdout:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[0] if detail else f"exit status {result.returncode}"
        raise SigningError(f"openssl could not sign the profile: {reason}")
    return result.stdout


def _openssl(given: str | None) -> Path:
    if given is not None:
        if not Path(given).is_absolute():
            raise SigningError(f"cannot sign: {given!r} is not an absolute path to openssl")
        return Path(given)
    found = find_program("openssl")
    if found is None:
        raise SigningError(
            "cannot sign: the openssl command was not found in PATH's folders (the current "
            "folder is never searched)"
        )
    return found


def write_profile(
    path: Path,
    provider: Provider,
    address: str,
    name: str,
    signing: SigningIdentity | None = None,
) -> Path:
    """Write the profile, signed when ``signing`` is given; returns the path written."""
    data = profile_bytes(provider, address, name)
    if signing is not None:
        data = sign_profile(data, signing)
    # In one step, never through a link planted at ``path`` (wizard.safe_files).
    return atomic_write_bytes(path, data)


# --- what the Apple Mail screen shows about installing it ------------------------------------


def install_instructions(
    provider: Provider, address: str, name: str, *, signed: bool = False
) -> Instructions:
    """How to install the profile on a Mac, as the same data the client instructions use."""
    organization = provider.branding.organization
    page = provider.branding.account_page_name or provider.branding.account_page
    where = f" — the same one you use on {page}" if page else ""
    display_name = build_profile(provider, address, name)["PayloadDisplayName"]
    check = (
        f"It is signed, so macOS shows it as Verified; the signer should be {organization}."
        if signed
        else "It is not signed, so macOS marks it as Unsigned or Unverified. That is expected "
        "for a profile made by this wizard: check that the servers it lists are "
        f"{provider.imap.hostname} and {provider.smtp.hostname}, then continue."
    )
    steps = (
        InstructionStep(
            f"Double-click the file {profile_filename(address, organization)}. macOS says the "
            "profile was downloaded and needs reviewing."
        ),
        InstructionStep(
            "Open System Settings > Privacy & Security > Profiles (on newer macOS versions: "
            "System Settings > General > Device Management)."
        ),
        InstructionStep(
            f"Under “Downloaded”, double-click “{display_name}”. {check}",
        ),
        InstructionStep(
            "Click Install… macOS may ask for your Mac login password to allow it, then asks "
            "for the mail account's password.",
            (Field("Password", f"Your mail password{where}.", copyable=False),),
        ),
        InstructionStep(
            "Open Mail: the account is there, already set up. To remove it later, select the "
            "profile in the same place and click the minus (−) button."
        ),
    )
    return Instructions(
        client_id="apple_profile",
        title="Install the configuration profile (macOS)",
        intro=(
            "A configuration profile adds your mail account to Mail with the right settings in "
            "one go. It contains no password."
        ),
        steps=steps,
        notes=(
            "Installing a newer profile for the same address replaces the old one rather than "
            "adding a second account.",
        ),
    )
