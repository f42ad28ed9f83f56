"""What every page shares: its place in the page table, the flow behind it, and closing."""

from __future__ import annotations

from typing import ClassVar, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QPushButton, QWizardPage

from wizard.checks.options import CheckOptions
from wizard.flow import Page, WizardFlow
from wizard.ui.headings import scale_heading
from wizard.ui.primary import show_primary


class PageHost(Protocol):
    """What a page needs of the window that holds it (the window is ``MailSetupWizard``).

    A protocol rather than the window class, so pages never import the window and the window
    imports its pages one way only.
    """

    flow: WizardFlow
    # What every check run starts from (built once by app.py or a test).
    check_options: CheckOptions
    # Where discovery asks Thunderbird's provider list (None: the real one; tests use their own).
    ispdb_url: str | None


class WizardPage(QWizardPage):
    """One page: it shows the flow's state and hands what the person does to named flow methods.

    A page never writes the flow's attributes and never touches another page's widgets; what
    one page changes reaches the others through the flow.
    """

    page_id: ClassVar[Page]

    def __init__(self, wizard: PageHost) -> None:
        super().__init__()
        # Kept rather than asked of QWizard: while it resets or closes, wizard() and
        # currentId() can be None and -1, and an exception in a Qt override is fatal.
        self._wizard = wizard

    @property
    def w(self) -> PageHost:
        return self._wizard

    @property
    def flow(self) -> WizardFlow:
        return self._wizard.flow

    def nextId(self) -> int:
        nxt = self._wizard.flow.next_page(self.page_id)
        return -1 if nxt is None else int(nxt)

    def showEvent(self, event: QShowEvent) -> None:
        # QWizard shows the current page on Next and on Back alike. (Not its currentIdChanged
        # signal: QWizard's destructor emits it, into a Python object already being freed.)
        super().showEvent(event)
        if not event.spontaneous():
            host = self.wizard()
            if host is not None:
                scale_heading(host)
            self.page_shown()
            # After the page's own focus choice (page_shown may set it on the next turn).
            QTimer.singleShot(0, self, self.primary_changed)

    def page_shown(self) -> None:
        """The page has just become the current one, by Next or by Back.

        QWizard calls ``initializePage`` only on the way forward; what must also happen on the
        way back (where the focus goes) belongs here.
        """

    def primary_button(self) -> QPushButton | None:
        """The page's own main action now; None when Next (or Finish) is the main action."""
        return None

    def primary_changed(self) -> None:
        """The page's main action changed: make it the accent-coloured default and the focus."""
        host = self.wizard()  # None while the window resets or closes: nothing to paint then
        if host is not None and host.currentPage() is self:
            scale_heading(host)
            show_primary(host, self, self.primary_button(), last_page=self.nextId() == -1)

    def wizard_closing(self) -> None:
        """The window is closing: stop background work and let go of secrets shown here."""
