"""Courier (IMAP, SMTP): recognised by its greetings; its log lines are not quoted."""

from __future__ import annotations

import re

from wizard.servers.product import Product

KEY = "courier"

PRODUCT = Product(
    key=KEY,
    name="Courier",
    patterns=(re.compile(r"\bCourier(?:-IMAP| mail server)?\b"),),
    usual_log="/var/log/mail.log (or /var/log/maillog)",
)
