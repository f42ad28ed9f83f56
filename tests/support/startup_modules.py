"""What the first page must be shown without: the network and password-store stacks.

They cost ~0.1 s of start-up (imapclient, smtplib, ssl, truststore; keyring's entry-point
discovery); the checks import them on their own thread, the keychain when it is first asked.
Shared by the from-source test (tests/test_startup_imports.py) and the bundle's.
"""

from __future__ import annotations

from collections.abc import Iterable

DEFERRED = (
    "wizard.checks.runner",
    "wizard.checks.session",
    "wizard.checks.tls",
    "wizard.checks.imap",
    "wizard.checks.smtp",
    "wizard.checks.sieve",
    "imapclient",
    "imaplib",
    "smtplib",
    "ssl",
    "truststore",
    "keyring",
    "jeepney",
    "wizard.account.secret_service",
    # OpenSSL's libcrypto (~4 MB) comes with hashlib: the remembered servers' fingerprint
    # imports it when first asked. The Public Suffix List is read on the first trust decision.
    "_hashlib",
    "publicsuffixlist",
)


def deferred_loaded(modules: Iterable[str]) -> list[str]:
    """The modules of ``DEFERRED`` (or inside them) that are loaded."""
    return sorted(m for m in modules if any(m == d or m.startswith(d + ".") for d in DEFERRED))
