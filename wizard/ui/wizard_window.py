"""The QWizard that holds the pages and the flow behind them."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from wizard import APP_NAME
from wizard.checks.options import CheckOptions
from wizard.flow import PAGES, START_PAGE, Page, WizardFlow
from wizard.provider import Provider
from wizard.ui.pages import (
    PAGE_CLASSES,
    AccountPage,
    CheckingPage,
    ClientPage,
    DonePage,
    SetupPage,
    WelcomePage,
    WizardPage,
)
from wizard.ui.style import install_style

_P = TypeVar("_P", bound=WizardPage)
# The smallest window every page is laid out for without clipping (tests check at this size).
MINIMUM_SIZE = QSize(600, 480)


class MailSetupWizard(QWizard):
    """The window: builds one page per entry of the flow's page table and drops secrets on close."""

    def __init__(
        self,
        flow: WizardFlow,
        *,
        options: CheckOptions | None = None,
        ispdb_url: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.flow = flow
        # What every check run of this window is asked to do (built once, by app.py or a
        # test); the checking page adds the person's test-message choice at each run.
        self.check_options = options or CheckOptions()
        self.ispdb_url = ispdb_url  # discovery's ISPDB (None: Thunderbird's own)
        self.setWindowTitle(f"{APP_NAME} — {flow.provider.branding.organization}")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        # Each page names its own main action as the default (wizard.ui.primary), so Enter
        # never presses Next past "Add to Thunderbird" or "Try again".
        self.setOption(QWizard.WizardOption.NoDefaultButton, True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_style(app)
        # The last page ends the wizard with Finish; Cancel beside it would ask "cancel what?".
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setMinimumSize(MINIMUM_SIZE)
        self.pages: dict[Page, WizardPage] = {}
        for page_id in PAGES:
            page = PAGE_CLASSES[page_id](self)
            self.pages[page_id] = page
            self.setPage(int(page_id), page)
            # QWizard clears the default button whenever it updates Next (that is what its
            # NoDefaultButton option does); connected after setPage, this runs after it and
            # names the page's main action again.
            page.completeChanged.connect(page.primary_changed)
        self.setStartId(int(START_PAGE))
        self._secrets_dropped = False
        # Closing the window, Cancel and Finish all end in finished(); that is where the
        # password is dropped.
        self.finished.connect(self._drop_secrets)

    def _page(self, page_id: Page, cls: type[_P]) -> _P:
        page = self.pages[page_id]
        assert isinstance(page, cls), (page_id, type(page))
        return page

    # Typed handles on the pages, for tests and for code that needs one page's own API.
    # Named *_page: a plain ``done`` would shadow QDialog.done() for Qt's virtual call.
    @property
    def welcome_page(self) -> WelcomePage:
        return self._page(Page.WELCOME, WelcomePage)

    @property
    def account_page(self) -> AccountPage:
        return self._page(Page.ACCOUNT, AccountPage)

    @property
    def checking_page(self) -> CheckingPage:
        return self._page(Page.CHECKING, CheckingPage)

    @property
    def client_page(self) -> ClientPage:
        return self._page(Page.CLIENT, ClientPage)

    @property
    def setup_page(self) -> SetupPage:
        return self._page(Page.SETUP, SetupPage)

    @property
    def done_page(self) -> DonePage:
        return self._page(Page.DONE, DonePage)

    def sizeHint(self) -> QSize:
        return QSize(720, 560)

    def _drop_secrets(self) -> None:
        if self._secrets_dropped:
            return
        self._secrets_dropped = True
        for page in self.pages.values():
            page.wizard_closing()
        self.flow.forget_password()


def build_all_pages_for_selftest(provider: Provider) -> list[str]:
    """Build the wizard offscreen and visit every page; used by ``--selftest`` in the bundle."""
    app = QApplication.instance() or QApplication([])
    wizard = MailSetupWizard(WizardFlow(provider))
    titles = []
    for page_id, page in wizard.pages.items():
        if page_id is not Page.CHECKING:  # CHECKING would start network checks
            page.initializePage()
        titles.append(page.title() or type(page).__name__)
    wizard.deleteLater()
    app.processEvents()
    return titles
