"""The self-test's TLS checks: a real handshake with itself over a local socket pair, through the
very context the mail checks use, and the system trust store proven to refuse an unknown CA."""

from __future__ import annotations

import importlib.util
import socket
import ssl
import sys
import tempfile
import threading
from pathlib import Path

from wizard import APP_NAME
from wizard.selftest.model import TLS_TIMEOUT, SelftestError

CHAIN_FILES = ("ca.pem", "leaf.pem", "leaf.key")
BUNDLED_CHAIN_DIR = "selftest"  # under resources/, written at build time by the spec


def write_test_chain(folder: Path) -> tuple[Path, Path, Path]:
    """Write a CA and a ``localhost`` server certificate (PEM) for the loopback handshake.

    Made with trustme, which needs ``cryptography``. The bundle does not carry that library (11
    MiB for this alone), so the spec calls this at build time and ships the files; a checkout
    with the test extras makes them on the fly. The CA is trusted by nothing but this self-test
    and its key is not kept, so the files are harmless to ship.
    """
    import trustme

    ca = trustme.CA(organization_name=f"{APP_NAME} selftest")
    leaf = ca.issue_cert("localhost")
    folder.mkdir(parents=True, exist_ok=True)
    paths = tuple(folder / name for name in CHAIN_FILES)
    ca.cert_pem.write_to_path(str(paths[0]))
    leaf.cert_chain_pems[0].write_to_path(str(paths[1]))
    leaf.private_key_pem.write_to_path(str(paths[2]))
    return paths[0], paths[1], paths[2]


def _test_chain(tmp: Path) -> tuple[Path, Path, Path]:
    """The shipped chain when there is one, else a fresh one (needs trustme)."""
    from wizard.resources import resource_path

    shipped = tuple(resource_path(f"{BUNDLED_CHAIN_DIR}/{name}") for name in CHAIN_FILES)
    if all(p.is_file() for p in shipped):
        return shipped[0], shipped[1], shipped[2]
    if importlib.util.find_spec("trustme") is None:
        raise SelftestError(
            "no test certificates: this build lacks resources/selftest and trustme is not "
            "installed (pip install -e '.[test]')"
        )
    return write_test_chain(tmp)


def _handshake(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> tuple[str, str, bytes]:
    """Handshake client and server over a local socket pair; (TLS version, cipher, cert DER)."""
    server_sock, client_sock = socket.socketpair()
    server_error: list[BaseException] = []

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(server_sock, server_side=True) as tls:
                tls.recv(1)  # until the client closes
        except (OSError, ssl.SSLError) as exc:
            server_error.append(exc)

    server_sock.settimeout(TLS_TIMEOUT)
    client_sock.settimeout(TLS_TIMEOUT)
    thread = threading.Thread(target=serve, name="selftest-tls-server", daemon=True)
    thread.start()
    try:
        with client_ctx.wrap_socket(client_sock, server_hostname="localhost") as tls:
            version, cipher = tls.version() or "?", (tls.cipher() or ("?",))[0]
            der = tls.getpeercert(binary_form=True) or b""
    finally:
        client_sock.close()
        thread.join(TLS_TIMEOUT)
        server_sock.close()
    return version, cipher, der


def check_tls() -> str:
    from wizard.checks.certificate import describe_certificate
    from wizard.checks.tls import make_context

    with tempfile.TemporaryDirectory(prefix="wizard-selftest-") as tmp:
        ca_file, cert_file, key_file = _test_chain(Path(tmp))
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert_file, key_file)
        # The very context the mail checks use (the OS trust store) plus our CA.
        version, cipher, der = _handshake(make_context(ca_file), server_ctx)
        # The same without our CA must be refused: verification really is on.
        try:
            _handshake(make_context(), server_ctx)
        except ssl.SSLCertVerificationError as exc:
            refused = exc.verify_message or exc.reason or "refused"
        else:
            raise SelftestError("a certificate from an unknown CA was accepted")
    # The report's certificate reader (imported lazily, so only a use proves it is bundled).
    facts = describe_certificate(der)
    names = ", ".join(facts["san"])
    return (
        f"loopback {version} {cipher} verified via the app's CA chain (names: {names}); "
        f"unknown CA: {refused}"
    )


def check_trust_store() -> str:
    import truststore

    from wizard.checks.tls import make_context, system_bundle_description

    ctx = make_context()
    if sys.platform == "win32":
        roots = len(ssl.enum_certificates("ROOT"))  # type: ignore[attr-defined,unused-ignore]
        if not roots:
            raise SelftestError("the Windows ROOT certificate store is empty")
        return f"Windows ROOT store: {roots} certificates (truststore {truststore.__version__})"
    if sys.platform == "darwin":
        return f"macOS Keychain via Security.framework (truststore {truststore.__version__})"
    # Linux: the checks' context is plain OpenSSL, loaded with the distribution's CA bundle
    # found the way truststore finds it (wizard.checks.tls). Prove a chain is really checked
    # against it (our throwaway CA is in no system store, so the handshake must be refused),
    # then count what was loaded.
    with tempfile.TemporaryDirectory(prefix="wizard-selftest-") as tmp:
        _, cert_file, key_file = _test_chain(Path(tmp))
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert_file, key_file)
        try:
            _handshake(ctx, server_ctx)
        except ssl.SSLCertVerificationError:
            pass
        else:
            raise SelftestError("the system store accepted a certificate from a throwaway CA")
    count = ctx.cert_store_stats().get("x509_ca", 0)
    where = system_bundle_description()
    paths = ssl.get_default_verify_paths()
    if not count and paths.capath and Path(paths.capath).is_dir():
        # A hashed directory is read certificate by certificate as chains need them.
        count = sum(1 for p in Path(paths.capath).iterdir() if p.name[-2:-1] == ".")
    if not count:
        raise SelftestError(f"no system CA certificates found (looked in {where})")
    return f"OpenSSL system store: {count} CA certificates ({where})"
