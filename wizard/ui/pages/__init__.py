"""The wizard's pages, one module each, and the binding of each page to its Qt class.

The order of the pages and what Next leads to live in :data:`wizard.flow.PAGES` (Qt-free);
:data:`PAGE_CLASSES` only says which class shows each page. A test checks the two tables
name the same pages.
"""

from __future__ import annotations

from wizard.flow import Page
from wizard.ui.pages.account import AccountPage
from wizard.ui.pages.base import WizardPage
from wizard.ui.pages.checking import CheckingPage
from wizard.ui.pages.client import ClientPage
from wizard.ui.pages.done import DonePage
from wizard.ui.pages.mail_programs import MailProgramsPage
from wizard.ui.pages.manual_settings import ManualSettingsPage
from wizard.ui.pages.setup import SetupPage
from wizard.ui.pages.welcome import WelcomePage

PAGE_CLASSES: dict[Page, type[WizardPage]] = {
    cls.page_id: cls
    for cls in (
        WelcomePage,
        AccountPage,
        ManualSettingsPage,
        CheckingPage,
        MailProgramsPage,
        ClientPage,
        SetupPage,
        DonePage,
    )
}

__all__ = [
    "PAGE_CLASSES",
    "AccountPage",
    "CheckingPage",
    "ClientPage",
    "DonePage",
    "MailProgramsPage",
    "ManualSettingsPage",
    "SetupPage",
    "WelcomePage",
    "WizardPage",
]
