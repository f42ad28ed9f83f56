"""Mail server products: one module per product (how it names itself, its session id, the words
of its log lines per outcome, where its log usually is, its quirks), read by the report's hints
(``wizard.log_hints``), the checks' server facts and the log reader alike.

A hint for IT is true for the server actually in front of us: a Dovecot gets Dovecot's log
words, a Haraka its session id, and a server that does not say what it is gets no quoted words
at all (the report would only be guessing). This package imports nothing of the app but
``wizard.services``, so everything else may import it.
"""

from wizard.servers.catalog import BY_KEY, PRODUCTS
from wizard.servers.outcome import Logged, Outcome, Reason
from wizard.servers.product import Product
from wizard.servers.recognise import (
    Identified,
    identify,
    seen_ip_from_ehlo,
    seen_ip_from_refusal,
    session_from_banner,
)

__all__ = [
    "BY_KEY",
    "PRODUCTS",
    "Identified",
    "Logged",
    "Outcome",
    "Product",
    "Reason",
    "identify",
    "seen_ip_from_ehlo",
    "seen_ip_from_refusal",
    "session_from_banner",
]
