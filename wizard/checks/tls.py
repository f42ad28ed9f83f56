"""TLS for every check: the OS trust store, hostname checking, TLS 1.2 or newer.

Certificates are verified by ``truststore`` (Keychain on macOS, the Windows certificate store,
OpenSSL's system bundle on Linux), so a company CA pushed by IT is trusted exactly as the user's
mail client would trust it. ``--ca-file`` adds one more trusted CA; nothing turns checking off.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import truststore

from wizard.checks import certificate
from wizard.checks.model import TlsInfo

log = logging.getLogger(__name__)


def make_context(ca_file: Path | None = None) -> ssl.SSLContext:
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # PROTOCOL_TLS_CLIENT already sets these; stated so a reader need not know that.
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if ca_file is not None:
        ctx.load_verify_locations(cafile=str(ca_file))
    return ctx


def describe_certificate(der: bytes) -> dict[str, str | tuple[str, ...]]:
    """What the report says about a certificate; at least its fingerprint, even if unreadable."""
    try:
        return certificate.describe_certificate(der)
    except certificate.CertificateError as exc:
        log.warning("server certificate not described: %s", exc)
        return {"sha256": hashlib.sha256(der).hexdigest().upper()}


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
    adopt: Callable[[socket.socket], None] | None = None,
) -> dict[str, str | tuple[str, ...]] | None:
    """Describe the certificate a server presented after verification has already failed.

    Only used to tell the user and IT *which* certificate was refused (issuer, dates,
    fingerprint); the handshake is closed straight away and nothing is ever sent over it.
    ``prelude`` replays the plaintext part of a STARTTLS dialogue on the raw socket; ``adopt``
    lets the check's cancel and deadline shut this connection down too.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # allowed: describe-only, the connection carries no data
    ctx.verify_mode = ssl.CERT_NONE  # allowed: describe-only, the connection carries no data
    try:
        with socket.create_connection(addr, timeout=timeout) as raw:
            if adopt is not None:
                adopt(raw)
            if prelude is not None:
                prelude(raw)
            with ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError, EOFError):
        return None
    return describe_certificate(der) if der else None
