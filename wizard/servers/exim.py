"""Exim (SMTP): how it names itself and what its mainlog says about a refused login.

Its mainlog has one line per refused login, with the address it saw and the login (set_id); a
good login is logged only with a message, so there is nothing to point at.
"""

from __future__ import annotations

import re

from wizard.servers.outcome import AUTH_UNAVAILABLE, LOGIN_REFUSED
from wizard.servers.product import Product
from wizard.services import Service

KEY = "exim"

AUTHENTICATOR_FAILED = "authenticator failed for"

PRODUCT = Product(
    key=KEY,
    name="Exim",
    patterns=(re.compile(r"\bExim (?P<version>\d[\d.]*)"), re.compile(r"\bExim\b")),
    usual_log="/var/log/exim4/mainlog (Debian) or /var/log/exim/main.log, in local time",
    fragments={
        (Service.SMTP, LOGIN_REFUSED): (
            AUTHENTICATOR_FAILED,
            "[{seen_ip}]",
            "535 Incorrect authentication data",
            "(set_id={user})",
        ),
        (Service.SMTP, AUTH_UNAVAILABLE): (
            AUTHENTICATOR_FAILED,
            "[{seen_ip}]",
            "435 Unable to authenticate at present",
            "(set_id={user})",
        ),
    },
    ehlo_states_peer=True,
)
