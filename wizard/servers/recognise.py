"""Reading what a server says about itself and about us from words it sends anyway.

The IMAP greeting, the SMTP banner and EHLO reply, the ManageSieve IMPLEMENTATION capability.
IMAP ID (RFC 2971) is not sent: imaplib waits for each tagged reply before the next command, so
ID before LOGIN is one more round trip on the path to the verdict, and after LOGIN it is only
possible when the login worked, which is when it is needed least. Every greeting of the
products in ``catalog`` already names the product.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from wizard.servers.catalog import PRODUCTS
from wizard.servers.product import Product


@dataclass(frozen=True)
class Identified:
    product: Product
    version: str | None

    @property
    def label(self) -> str:
        return self.product.label(self.version)


def identify(*texts: str) -> Identified | None:
    """The product named in the server's own words, or None when it does not say."""
    for text in texts:
        if not text:
            continue
        for product in PRODUCTS:
            for pattern in product.patterns:
                m = pattern.search(text)
                if m:
                    version = m.groupdict().get("version")
                    return Identified(product, version)
    return None


_IP_LITERAL = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")


def seen_ip_from_ehlo(first_line: str, own_helo: str, product: Product | None) -> str | None:
    """The address the server says it sees us as, from the first line of its EHLO reply.

    Haraka, Exim, Sendmail and Exchange put it in brackets ("Hello [1.2.3.4]", Exim after our
    own HELO name: "Hello [192.168.0.5] [1.2.3.4]"), so the last literal is the one. A lone
    literal equal to our own HELO argument could be an echo of it, so it counts only for a
    product known to state the peer.
    """
    literals = _IP_LITERAL.findall(first_line)
    if not literals:
        return None
    ip = str(literals[-1])
    own = own_helo.strip("[]").removeprefix("IPv6:")
    if len(literals) == 1 and ip == own and not (product and product.ehlo_states_peer):
        return None
    return ip if _looks_like_ip(ip) else None


def seen_ip_from_refusal(text: str) -> str | None:
    """A refusal at connect time often names the refused address ("host [1.2.3.4] is listed")."""
    literals = [ip for ip in _IP_LITERAL.findall(text) if _looks_like_ip(ip)]
    return str(literals[0]) if len(literals) == 1 else None


def session_from_banner(banner: str, product: Product | None) -> str | None:
    if product is None or product.session_pattern is None:
        return None
    m = product.session_pattern.search(banner)
    return m.group(1) if m else None


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
