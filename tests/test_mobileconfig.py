"""The macOS configuration profile: keys Apple documents, no password, stable identity, signing."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from wizard.mobileconfig import (
    SigningError,
    SigningIdentity,
    build_profile,
    install_instructions,
    profile_bytes,
    profile_ids,
    sign_profile,
    write_profile,
)
from wizard.provider import Provider, load_default_provider, load_provider, parse_provider

DATA = Path(__file__).parent / "data" / "providers"
ADDRESS = "joe.bloggs@sepheo.co"
NAME = "Joe Bloggs"

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not found")

TOP_LEVEL_KEYS = {
    "PayloadType",
    "PayloadVersion",
    "PayloadIdentifier",
    "PayloadUUID",
    "PayloadDisplayName",
    "PayloadOrganization",
    "PayloadDescription",
    "PayloadRemovalDisallowed",
    "PayloadContent",
}
MAIL_KEYS = {
    "PayloadType",
    "PayloadVersion",
    "PayloadIdentifier",
    "PayloadUUID",
    "EmailAccountDescription",
    "EmailAccountName",
    "EmailAccountType",
    "EmailAddress",
    "IncomingMailServerHostName",
    "IncomingMailServerPortNumber",
    "IncomingMailServerUseSSL",
    "IncomingMailServerAuthentication",
    "IncomingMailServerUsername",
    "OutgoingMailServerHostName",
    "OutgoingMailServerPortNumber",
    "OutgoingMailServerUseSSL",
    "OutgoingMailServerAuthentication",
    "OutgoingMailServerUsername",
    "OutgoingPasswordSameAsIncomingPassword",
}


@pytest.fixture(scope="module")
def sepheo() -> Provider:
    return load_default_provider()


def parsed(data: bytes) -> dict[str, Any]:
    result = plistlib.loads(data)
    assert isinstance(result, dict)
    return result


def mail_payload(profile: dict[str, Any]) -> dict[str, Any]:
    (payload,) = profile["PayloadContent"]
    assert isinstance(payload, dict)
    return payload


def all_keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from all_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from all_keys(inner)


def test_the_profile_parses_and_has_every_key_apple_needs(sepheo: Provider) -> None:
    profile = parsed(profile_bytes(sepheo, ADDRESS, NAME))
    assert profile.keys() >= TOP_LEVEL_KEYS
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadVersion"] == 1
    assert profile["PayloadRemovalDisallowed"] is False
    assert profile["PayloadOrganization"] == "Sepheo"
    mail = mail_payload(profile)
    assert mail.keys() >= MAIL_KEYS
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAccountType"] == "EmailTypeIMAP"
    assert mail["EmailAddress"] == ADDRESS
    assert mail["EmailAccountName"] == NAME
    assert mail["OutgoingPasswordSameAsIncomingPassword"] is True


def test_the_profile_carries_sepheos_servers_with_ssl_for_993_and_587(sepheo: Provider) -> None:
    mail = mail_payload(build_profile(sepheo, ADDRESS, NAME))
    assert mail["IncomingMailServerHostName"] == "my.sepheo.co"
    assert mail["IncomingMailServerPortNumber"] == 993
    assert mail["IncomingMailServerUseSSL"] is True
    assert mail["OutgoingMailServerHostName"] == "my.sepheo.co"
    assert mail["OutgoingMailServerPortNumber"] == 587
    assert mail["OutgoingMailServerUseSSL"] is True
    assert mail["IncomingMailServerAuthentication"] == "EmailAuthPassword"
    assert mail["OutgoingMailServerAuthentication"] == "EmailAuthPassword"
    assert mail["IncomingMailServerUsername"] == ADDRESS
    assert mail["OutgoingMailServerUsername"] == ADDRESS


def test_the_profile_follows_a_non_default_provider() -> None:
    example = load_provider(DATA / "example-org.xml")
    profile = build_profile(example, "jane.doe@example.org", "Jane Doe")
    mail = mail_payload(profile)
    assert (mail["IncomingMailServerHostName"], mail["IncomingMailServerPortNumber"]) == (
        "mail.example.org",
        143,
    )
    assert (mail["OutgoingMailServerHostName"], mail["OutgoingMailServerPortNumber"]) == (
        "smtp.example.org",
        465,
    )
    assert mail["IncomingMailServerUseSSL"] is True  # STARTTLS on 143 still means "encrypt"
    assert mail["IncomingMailServerUsername"] == "jane.doe"
    assert profile["PayloadOrganization"] == "Example Organisation"
    assert profile["PayloadIdentifier"].startswith("org.example.")


def test_an_unencrypted_server_turns_use_ssl_off() -> None:
    plain = parse_provider(
        b"""<clientConfig><emailProvider id="t.example"><domain>t.example</domain>
        <displayName>T</displayName>
        <incomingServer type="imap"><hostname>h.t.example</hostname><port>143</port>
          <socketType>plain</socketType></incomingServer>
        <outgoingServer type="smtp"><hostname>h.t.example</hostname><port>25</port>
          <socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>"""
    )
    mail = mail_payload(build_profile(plain, "a@t.example", "A"))
    assert mail["IncomingMailServerUseSSL"] is False
    assert mail["OutgoingMailServerUseSSL"] is False


def test_the_profile_has_no_password_key_at_all(sepheo: Provider) -> None:
    profile = parsed(profile_bytes(sepheo, ADDRESS, NAME))
    password_keys = {k for k in all_keys(profile) if "password" in k.lower()}
    assert password_keys == {"OutgoingPasswordSameAsIncomingPassword"}


def test_the_same_person_always_gets_the_same_identifiers(sepheo: Provider) -> None:
    first = parsed(profile_bytes(sepheo, ADDRESS, NAME))
    again = parsed(profile_bytes(sepheo, ADDRESS.upper().replace("@SEPHEO.CO", "@sepheo.co"), NAME))
    for profile in (first, again):
        uuid.UUID(profile["PayloadUUID"])
        uuid.UUID(mail_payload(profile)["PayloadUUID"])
    assert first["PayloadUUID"] == again["PayloadUUID"]
    assert first["PayloadIdentifier"] == again["PayloadIdentifier"]
    assert mail_payload(first)["PayloadUUID"] == mail_payload(again)["PayloadUUID"]
    assert first["PayloadUUID"] != mail_payload(first)["PayloadUUID"]
    assert profile_bytes(sepheo, ADDRESS, NAME) == profile_bytes(sepheo, ADDRESS, NAME)


def test_another_address_or_provider_gets_different_identifiers(sepheo: Provider) -> None:
    example = load_provider(DATA / "example-org.xml")
    ours = profile_ids(sepheo, ADDRESS)
    other_person = profile_ids(sepheo, "jane.doe@sepheo.co")
    other_provider = profile_ids(example, ADDRESS)
    assert len({ours.profile_uuid, other_person.profile_uuid, other_provider.profile_uuid}) == 3
    assert ours.profile_identifier != other_person.profile_identifier
    assert ours.mail_identifier != other_person.mail_identifier


def test_install_instructions_point_to_profiles_settings_and_explain_unsigned(
    sepheo: Provider,
) -> None:
    unsigned = install_instructions(sepheo, ADDRESS, NAME, signed=False)
    texts = " ".join(step.text for step in unsigned.steps)
    assert "Privacy & Security > Profiles" in texts
    assert "Double-click" in texts
    assert "Unsigned" in texts or "unsigned" in texts
    signed = install_instructions(sepheo, ADDRESS, NAME, signed=True)
    assert "Verified" in " ".join(step.text for step in signed.steps)
    password = [f for step in unsigned.steps for f in step.fields]
    assert password and not password[0].copyable and "my.sepheo.co" in password[0].value


# --- signing -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signer_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A throwaway CA and signing certificate, as IT would hand them over (PEM files)."""
    folder = tmp_path_factory.mktemp("signer")
    ca = trustme.CA()
    leaf = ca.issue_cert("profiles.test.example")
    cert, key, chain = folder / "cert.pem", folder / "key.pem", folder / "chain.pem"
    leaf.cert_chain_pems[0].write_to_path(cert)
    leaf.private_key_pem.write_to_path(key)
    ca.cert_pem.write_to_path(chain)
    return cert, key, chain


def openssl_verify(signed: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / "signed.mobileconfig"
    path.write_bytes(signed)
    result = subprocess.run(
        ["openssl", "smime", "-verify", "-noverify", "-inform", "der", "-in", str(path)],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@needs_openssl
def test_a_signed_profile_verifies_and_carries_the_exact_plist(
    sepheo: Provider, signer_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    cert, key, chain = signer_files
    data = profile_bytes(sepheo, ADDRESS, NAME)
    signed = sign_profile(data, SigningIdentity(cert, key, chain))
    assert signed[:1] == b"\x30"  # DER SEQUENCE, not PEM or S/MIME text
    assert openssl_verify(signed, tmp_path) == data


@needs_openssl
def test_an_encrypted_key_is_unlocked_without_the_passphrase_on_the_command_line(
    sepheo: Provider,
    signer_files: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, plain_key, _ = signer_files
    passphrase = "correct horse battery staple"
    key = serialization.load_pem_private_key(plain_key.read_bytes(), password=None)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    commands: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(cmd: list[str], **kwargs: Any) -> Any:
        commands.append(list(cmd))
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    data = profile_bytes(sepheo, ADDRESS, NAME)
    signed = sign_profile(data, SigningIdentity(cert, locked, passphrase=passphrase))
    assert openssl_verify(signed, tmp_path) == data
    assert commands and all(passphrase not in arg for arg in commands[0])
    assert "-passin" in commands[0]


@needs_openssl
def test_a_wrong_passphrase_fails_with_openssls_reason(
    sepheo: Provider, signer_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    cert, plain_key, _ = signer_files
    key = serialization.load_pem_private_key(plain_key.read_bytes(), password=None)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right"),
        )
    )
    with pytest.raises(SigningError, match="openssl could not sign"):
        sign_profile(b"data", SigningIdentity(cert, locked, passphrase="wrong"))
    with pytest.raises(SigningError):  # no passphrase: fails at once rather than prompting
        sign_profile(b"data", SigningIdentity(cert, locked))


def test_missing_signing_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(SigningError, match="nope.pem"):
        sign_profile(b"data", SigningIdentity(missing, missing))


def test_the_passphrase_stays_out_of_the_identitys_repr(tmp_path: Path) -> None:
    identity = SigningIdentity(tmp_path / "c.pem", tmp_path / "k.pem", passphrase="s3cret")
    assert "s3cret" not in repr(identity)


@needs_openssl
def test_write_profile_writes_signed_or_plain_files(
    sepheo: Provider, signer_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    plain_path = write_profile(tmp_path / "plain.mobileconfig", sepheo, ADDRESS, NAME)
    assert parsed(plain_path.read_bytes())["PayloadType"] == "Configuration"
    cert, key, chain = signer_files
    signed_path = write_profile(
        tmp_path / "signed.mobileconfig", sepheo, ADDRESS, NAME, SigningIdentity(cert, key, chain)
    )
    assert openssl_verify(signed_path.read_bytes(), tmp_path) == plain_path.read_bytes()
