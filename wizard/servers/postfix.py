"""Postfix (SMTP): recognised by its banner; its log lines are not quoted."""

from __future__ import annotations

import re

from wizard.servers.product import Product

KEY = "postfix"

PRODUCT = Product(
    key=KEY,
    name="Postfix",
    patterns=(re.compile(r"\bPostfix\b"),),
    usual_log="/var/log/mail.log or the journal (journalctl -u postfix)",
)
