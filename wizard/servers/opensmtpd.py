"""OpenSMTPD (SMTP): recognised by its banner; its log lines are not quoted."""

from __future__ import annotations

import re

from wizard.servers.product import Product

KEY = "opensmtpd"

PRODUCT = Product(
    key=KEY,
    name="OpenSMTPD",
    patterns=(re.compile(r"\bOpenSMTPD\b"),),
    usual_log="/var/log/maillog or /var/log/mail.log",
)
