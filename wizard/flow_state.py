"""The words the flow and its pages share: pages, modes, check states, the account as typed.

A leaf module (no other part of the flow imported), so the flow's parts (navigation and
check state in :mod:`wizard.flow`, the mail programs in :mod:`wizard.flow_clients`, the
remembered account in :mod:`wizard.flow_memory`) and the pages all read the same names.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class Page(enum.IntEnum):
    """The wizard's pages; the values are QWizard's page ids. :data:`PAGES` orders them."""

    # Listed in the table's order; the values (QWizard's ids) never change once given, so a
    # page added later gets the next free number wherever it sits.
    WELCOME = 0
    ACCOUNT = 1
    MANUAL_SETTINGS = 7  # the servers typed in, when nothing was found or the person chose
    CHECKING = 2
    MAIL_PROGRAMS = 3  # diagnosis: what the mail program itself is set to
    CLIENT = 4
    SETUP = 5
    DONE = 6


class Mode(enum.StrEnum):
    SETUP = "setup"  # "Set up my mail"
    DIAGNOSE = "diagnose"  # "Check why my mail isn't working"


class CheckState(enum.StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PASSED = "passed"  # everything works
    MAIL_WORKS = "mail_works"  # IMAP and SMTP work, only filters (Sieve) failed
    FAILED = "failed"  # IMAP or SMTP failed
    CANCELLED = "cancelled"


class AccountField(enum.StrEnum):
    """A field of the account page, for saying which one a fix needs (Back lands there)."""

    NAME = "name"
    ADDRESS = "address"
    PASSWORD = "password"  # noqa: S105 - a field's name, not a secret


@dataclass
class AccountInput:
    name: str = ""
    address: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class AccountValidation:
    ok: bool
    address_error: str = ""
    name_error: str = ""
    password_error: str = ""
    domain_warning: str = ""
    password_warning: str = ""  # shown under the password box, not under the address
    normalised_address: str = ""
    normalised_name: str = ""


@dataclass(frozen=True)
class ReportSection:
    """Lines (and JSON) a later page adds to the report: the mail programs' settings.

    It belongs to the check results it was made after (``results``, the flow's list itself):
    any new check replaces that list, and the section no longer goes into the report.
    """

    results: Sequence[object]
    text: tuple[str, ...]
    json: dict[str, Any] = field(default_factory=dict)
