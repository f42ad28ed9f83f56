"""What the app knows about one mail server product, as one value per product module.

Fragments are templates (``{user}``, ``{session}``, ``{seen_ip}``, ``{refusal}``) for words that
appear literally in that product's log line for that outcome; a product carries them only when
the test suite reads its real log lines (``tests/test_log_hints*.py``,
``tests/test_haraka_report.py``), so every quoted word is held to a line the server wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from wizard.servers.outcome import Logged
from wizard.services import Service

Fragments = Mapping[tuple[Service, Logged], tuple[str, ...]]


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    # Any match names the product; a group named "version", when it matches, gives the version.
    patterns: tuple[re.Pattern[str], ...]
    usual_log: str
    # Per service and outcome, the words its log line has (templates, see the module docstring).
    fragments: Fragments = field(default_factory=dict)
    # A session id the server shows the client, as it appears in the server's own log.
    session_pattern: re.Pattern[str] | None = None
    # Its EHLO reply names the connecting address even when that equals our own HELO literal.
    ehlo_states_peer: bool = False
    # Said after a hint for a refused login, when its log lines leave something out.
    refused_login_note: str = ""

    def label(self, version: str | None) -> str:
        return f"{self.name} {version}" if version else self.name
