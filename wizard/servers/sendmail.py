"""Sendmail (SMTP): recognised by its banner, which states the peer; its log is not quoted."""

from __future__ import annotations

import re

from wizard.servers.product import Product

KEY = "sendmail"

PRODUCT = Product(
    key=KEY,
    name="Sendmail",
    patterns=(re.compile(r"\bSendmail (?P<version>\d[\w.]*)"),),
    usual_log="/var/log/maillog or /var/log/mail.log",
    ehlo_states_peer=True,
)
