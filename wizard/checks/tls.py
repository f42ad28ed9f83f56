"""TLS for every check: the OS trust store, hostname checking, TLS 1.2 or newer.

Certificates are verified against the operating system's trust (the Windows certificate store,
the macOS Keychain, the distribution's CA bundle on Linux), so a company CA pushed by IT is
trusted exactly as the user's mail client would trust it. ``--ca-file`` adds one more trusted
CA; nothing turns checking off.

Why the trust is set up differently per OS (:class:`RunTrust`):

* **Windows and macOS** verify natively, through ``truststore``: the handshake's chain is
  handed to the OS (CertGetCertificateChain, SecTrustEvaluate), which keeps its own caches, so
  there is nothing to load up front. Each connection gets its own truststore context because
  truststore holds one lock per context for the whole handshake, network wait included: three
  checks sharing one would take turns at their TLS round trip.
* **Linux** has no native verifier: truststore only points OpenSSL at the distribution's CA
  bundle, and does so again on every ``wrap_socket`` (about 20 ms of CPU per connection for the
  ~150 certificates of a distribution bundle). So one plain OpenSSL context per verification
  run loads the bundle once and all checks of the run share it (an ``ssl.SSLContext`` is safe
  to share between threads). The bundle is found exactly as truststore finds it, by
  truststore's own code: OpenSSL's compiled-in paths when they hold certificates, else the
  known distribution locations (a bundled OpenSSL, as a frozen app may carry, can have
  compiled-in paths that are not the system's). A new run builds a new context, so a CA
  installed while the wizard is open is seen at the next Retry.

  Where the distribution keeps its CAs as a hashed directory too (``/etc/ssl/certs`` on Debian,
  Ubuntu, Alpine and Arch, made by update-ca-certificates from the same list as the bundle),
  the context is pointed at that directory alone: OpenSSL then reads the one CA a chain needs,
  by subject hash, during the handshake, instead of parsing all ~150 up front (~20 ms of CPU
  with the GIL held, in front of every first handshake when the network is fast). The
  directory is read afresh at each lookup, so a newly installed CA is seen at once. When
  ``SSL_CERT_FILE`` names a bundle, someone chose it: it is loaded, as truststore would.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from pathlib import Path

import truststore

from wizard.checks import certificate
from wizard.checks.model import TlsInfo

log = logging.getLogger(__name__)

# Where truststore verifies with the OS itself rather than with OpenSSL (its own rule).
NATIVE_VERIFICATION = sys.platform in ("win32", "darwin")


class RunTrust:
    """The trust one verification run verifies with: the system's, plus ``ca_file``.

    Made once per run (``run_checks``); :meth:`context` is what each connection wraps with. On
    Linux that is one context for the whole run, the CA bundle read on a thread of its own while
    the checks resolve and connect (it takes ~20 ms of CPU that would otherwise sit in front of
    the first handshake); on Windows and macOS a fresh truststore context each time (see the
    module docstring). A bad ``ca_file`` raises here, before any check starts.
    """

    def __init__(self, ca_file: Path | None = None) -> None:
        self._ca_file = ca_file
        self._lock = threading.Lock()
        self._shared: Future[ssl.SSLContext] | None = None
        self._spare: ssl.SSLContext | None = None
        search = None if NATIVE_VERIFICATION else _bundle_search()
        if search is None:
            self._spare = _native_context(ca_file)
            return
        ctx = _verifying(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ca_file)
        shared: Future[ssl.SSLContext] = Future()
        self._shared = shared

        hashed_dir = system_hashed_dir()

        def load() -> None:
            try:
                if hashed_dir is not None:
                    ctx.load_verify_locations(capath=hashed_dir)  # lazy: nothing parsed yet
                else:
                    with search(ctx):
                        pass  # it configures ctx on entry; nothing to undo on exit
            except BaseException as exc:  # a damaged bundle: the handshake reports it
                shared.set_exception(exc)
            else:
                shared.set_result(ctx)
            # Still waiting on the network: get the report's certificate reader ready too.
            with contextlib.suppress(ImportError):
                certificate.load_reader()

        # Not a daemon: the interpreter must not be torn down under OpenSSL while it reads
        # (a check that fails at once, say a refused port, can end the program before that).
        threading.Thread(target=load, name="system-trust").start()

    def context(self) -> ssl.SSLContext:
        """The verifying context for one connection (waits for the bundle on Linux)."""
        if self._shared is not None:
            return self._shared.result()
        with self._lock:
            spare, self._spare = self._spare, None
        return spare or _native_context(self._ca_file)


def make_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A verifying context as the checks use it (for the self-test and one-off handshakes)."""
    return RunTrust(ca_file).context()


def _bundle_search() -> Callable[[ssl.SSLContext], AbstractContextManager[None]] | None:
    """truststore's own search for the distribution's CA bundle, on Linux and other Unixes.

    OpenSSL's compiled-in paths when they hold certificates, else the first of truststore's list
    of known bundle locations. Reused rather than copied so the two always agree; it is private,
    hence the version pin in pyproject.toml and this guard: should a truststore release move
    it, every handshake goes through truststore.SSLContext again (slower, the same trust).
    """
    try:
        from truststore._openssl import _configure_context
    except ImportError:
        log.warning("truststore's CA bundle search not found; the bundle is read per handshake")
        return None
    return _configure_context


# The distributions' hashed CA directories (c_rehash names: subject hash + ".0"), after
# SSL_CERT_DIR and OpenSSL's compiled-in one; a frozen app's OpenSSL may point elsewhere.
_HASHED_DIR_CANDIDATES = ("/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/openssl/certs")


def system_hashed_dir() -> str | None:
    """The system's hashed CA directory when the trust can be read from it lazily, else None.

    None when ``SSL_CERT_FILE`` is set (a chosen bundle is honoured) or when no candidate
    holds hashed certificates (Fedora and RHEL keep only the bundle): then the bundle is loaded.
    """
    if os.environ.get("SSL_CERT_FILE"):
        return None
    try:
        from truststore._openssl import _capath_contains_certs
    except ImportError:
        return None
    env_dir = os.environ.get("SSL_CERT_DIR")
    if env_dir:
        candidates: tuple[str, ...] = (env_dir,)
    else:
        candidates = (ssl.get_default_verify_paths().openssl_capath, *_HASHED_DIR_CANDIDATES)
    return next((d for d in candidates if d and _capath_contains_certs(d)), None)


def system_bundle_description() -> str:
    """Where the Linux trust comes from, for the self-test: the place truststore's search picks."""
    hashed_dir = system_hashed_dir()
    if hashed_dir is not None:
        return f"the hashed CA directory {hashed_dir}, read as chains need it"
    try:
        from truststore._openssl import _CA_FILE_CANDIDATES, _capath_contains_certs
    except ImportError:
        return "truststore's search"
    paths = ssl.get_default_verify_paths()
    if paths.cafile or (paths.capath and _capath_contains_certs(paths.capath)):
        return "OpenSSL's default paths: " + ", ".join(p for p in (paths.cafile, paths.capath) if p)
    found = [p for p in _CA_FILE_CANDIDATES if Path(p).is_file()]
    return found[0] if found else "none of the known bundle locations exists"


def _native_context(ca_file: Path | None) -> ssl.SSLContext:
    return _verifying(truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ca_file)


def _verifying(ctx: ssl.SSLContext, ca_file: Path | None) -> ssl.SSLContext:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # PROTOCOL_TLS_CLIENT already sets these; stated so a reader need not know that.
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if ca_file is not None:
        ctx.load_verify_locations(cafile=str(ca_file))
    return ctx


def describe_certificate(der: bytes) -> dict[str, str | tuple[str, ...]]:
    """What the report says about a certificate; at least its fingerprint, even if unreadable."""
    return dict(_described(der))


@functools.lru_cache(maxsize=16)
def _described(der: bytes) -> tuple[tuple[str, str | tuple[str, ...]], ...]:
    # The three services usually present one certificate: read it once (a pure function of
    # the bytes, so caching it across runs cannot go stale).
    try:
        return tuple(certificate.describe_certificate(der).items())
    except certificate.CertificateError as exc:
        log.warning("server certificate not described: %s", exc)
        return (("sha256", hashlib.sha256(der).hexdigest().upper()),)


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
