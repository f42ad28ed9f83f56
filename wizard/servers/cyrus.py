"""Cyrus (IMAP, timsieved): recognised by its greetings; its log lines are not quoted."""

from __future__ import annotations

import re

from wizard.servers.product import Product

KEY = "cyrus"

PRODUCT = Product(
    key=KEY,
    name="Cyrus",
    patterns=(
        re.compile(r"\bCyrus IMAP(?:4)?(?: v?(?P<version>\d[\w.-]*))?"),
        re.compile(r"\bCyrus timsieved(?: v?(?P<version>\d[\w.-]*))?"),
        re.compile(r"\bCyrus\b"),
    ),
    usual_log="the system log, facility mail (/var/log/mail.log or the journal)",
)
