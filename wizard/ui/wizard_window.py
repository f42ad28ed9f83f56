"""The QWizard that holds the pages and the flow behind them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from wizard import APP_NAME
from wizard.checks.model import DEFAULT_TIMEOUT
from wizard.flow import Page, WizardFlow
from wizard.provider import Provider
from wizard.ui.pages import (
    AccountPage,
    CheckingPage,
    ClientPage,
    DonePage,
    SetupPage,
    WelcomePage,
)


class MailSetupWizard(QWizard):
    def __init__(
        self,
        flow: WizardFlow,
        *,
        ca_file: Path | None = None,
        check_timeout: float = DEFAULT_TIMEOUT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.flow = flow
        self.ca_file = ca_file
        self.check_timeout = check_timeout
        self.setWindowTitle(f"{APP_NAME} — {flow.provider.branding.organization}")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        # Named *_page: a plain ``self.done`` would shadow QDialog.done() for Qt's virtual call.
        self.welcome_page = WelcomePage(self)
        self.account_page = AccountPage(self)
        self.checking_page = CheckingPage(self)
        self.client_page = ClientPage(self)
        self.setup_page = SetupPage(self)
        self.done_page = DonePage(self)
        for page_id, page in (
            (Page.WELCOME, self.welcome_page),
            (Page.ACCOUNT, self.account_page),
            (Page.CHECKING, self.checking_page),
            (Page.CLIENT, self.client_page),
            (Page.SETUP, self.setup_page),
            (Page.DONE, self.done_page),
        ):
            self.setPage(int(page_id), page)
        self.setStartId(int(Page.WELCOME))
        self._secrets_dropped = False
        # Closing the window, Cancel and Finish all end in finished(); that is where the
        # password is dropped.
        self.finished.connect(self._drop_secrets)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(720, 560)

    def _drop_secrets(self) -> None:
        if self._secrets_dropped:
            return
        self._secrets_dropped = True
        worker = self.checking_page.worker
        if worker is not None:
            worker.cancel()
        self.flow.forget_password()
        self.account_page.clear_password()


def build_all_pages_for_selftest(provider: Provider) -> list[str]:
    """Build the wizard offscreen and visit every page; used by ``--selftest`` in the bundle."""
    app = QApplication.instance() or QApplication([])
    wizard = MailSetupWizard(WizardFlow(provider))
    titles = []
    for page_id in Page:
        page = wizard.page(int(page_id))
        if page_id not in (Page.CHECKING,):  # CHECKING would start network checks
            page.initializePage()
        titles.append(page.title() or type(page).__name__)
    wizard.deleteLater()
    app.processEvents()
    return titles
