"""TLS for every check: the OS trust store, hostname checking, TLS 1.2 or newer.

Certificates are verified by ``truststore`` (Keychain on macOS, the Windows certificate store,
OpenSSL's system bundle on Linux), so a company CA pushed by IT is trusted exactly as the user's
mail client would trust it. ``--ca-file`` adds one more trusted CA; nothing turns checking off.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import truststore
from cryptography import x509
from cryptography.x509.oid import NameOID

from wizard.checks.model import TlsInfo


def make_context(ca_file: Path | None = None) -> ssl.SSLContext:
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # PROTOCOL_TLS_CLIENT already sets these; stated so a reader need not know that.
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if ca_file is not None:
        ctx.load_verify_locations(cafile=str(ca_file))
    return ctx


def _name(name: x509.Name) -> str:
    parts = []
    for oid, label in ((NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATION_NAME, "O")):
        for attr in name.get_attributes_for_oid(oid):
            value = attr.value if isinstance(attr.value, str) else attr.value.decode()
            parts.append(f"{label}={value}")
    return ", ".join(parts) or name.rfc4514_string()


def describe_certificate(der: bytes) -> dict[str, str | tuple[str, ...]]:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names: list[str] = list(san.get_values_for_type(x509.DNSName))
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    return {
        "cert_subject": _name(cert.subject),
        "cert_issuer": _name(cert.issuer),
        "not_before": cert.not_valid_before_utc.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "not_after": cert.not_valid_after_utc.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "sha256": hashlib.sha256(der).hexdigest().upper(),
        "san": tuple(names),
    }


def tls_info(sock: ssl.SSLSocket) -> TlsInfo:
    der = sock.getpeercert(binary_form=True)
    cipher = sock.cipher()
    facts = describe_certificate(der) if der else {}
    san = facts.pop("san", ())
    return TlsInfo(
        version=sock.version() or "",
        cipher=cipher[0] if cipher else "",
        san=tuple(san),
        **{k: str(v) for k, v in facts.items()},
    )


def fetch_certificate_for_report(
    addr: tuple[str, int],
    server_hostname: str,
    timeout: float,
    prelude: Callable[[socket.socket], None] | None = None,
) -> dict[str, str | tuple[str, ...]] | None:
    """Describe the certificate a server presented after verification has already failed.

    Only used to tell the user and IT *which* certificate was refused (issuer, dates,
    fingerprint); the handshake is closed straight away and nothing is ever sent over it.
    ``prelude`` replays the plaintext part of a STARTTLS dialogue on the raw socket.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # allowed: describe-only, the connection carries no data
    ctx.verify_mode = ssl.CERT_NONE  # allowed: describe-only, the connection carries no data
    try:
        with socket.create_connection(addr, timeout=timeout) as raw:
            if prelude is not None:
                prelude(raw)
            with ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError, EOFError):
        return None
    return describe_certificate(der) if der else None
