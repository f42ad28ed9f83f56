"""Recording what a server says about itself and about us, from words it sends anyway.

The protocol modules call these with the greeting, the EHLO reply or a refusal; the reading of
those words (which product, which address, which session) lives in ``wizard.servers``.
"""

from __future__ import annotations

from wizard.checks.model import CheckResult
from wizard.servers import (
    BY_KEY,
    identify,
    seen_ip_from_ehlo,
    seen_ip_from_refusal,
    session_from_banner,
)


def note_greeting(result: CheckResult, text: str) -> None:
    """The IMAP greeting, the SMTP banner or the ManageSieve IMPLEMENTATION string."""
    found = identify(text)
    if found is not None and result.server_product is None:
        result.server_product = found.product.key
        result.server_software = found.label
    session = session_from_banner(text, found.product if found else None)
    if session:
        result.server_session = session


def note_ehlo(result: CheckResult, reply: str, own_helo: str) -> None:
    """The EHLO reply: its first line may name the product and the address seen."""
    first = reply.split("\n", 1)[0]
    if result.server_product is None:
        note_greeting(result, first)
    product = BY_KEY.get(result.server_product or "")
    ip = seen_ip_from_ehlo(first, own_helo, product)
    if ip:
        result.server_seen_ip = ip


def note_refusal(result: CheckResult, text: str) -> None:
    """A refusal at connect time ("554 host [1.2.3.4] is listed on …")."""
    ip = seen_ip_from_refusal(text)
    if ip and result.server_seen_ip is None:
        result.server_seen_ip = ip
    if result.server_product is None:
        note_greeting(result, text.split("\n", 1)[0])
