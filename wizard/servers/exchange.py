"""Microsoft Exchange (IMAP, SMTP): recognised by its greetings, whose EHLO reply states the
peer; its protocol logs are off by default and not quoted."""

from __future__ import annotations

import re

from wizard.servers.product import Product

KEY = "exchange"

PRODUCT = Product(
    key=KEY,
    name="Microsoft Exchange",
    patterns=(
        re.compile(r"Microsoft Exchange"),
        re.compile(r"Microsoft ESMTP MAIL Service"),
    ),
    usual_log="the IMAP4 and SMTP Receive protocol logs (protocol logging must be on)",
    ehlo_states_peer=True,
)
