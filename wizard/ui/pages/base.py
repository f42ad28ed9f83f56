"""What every page shares: its place in the page table, the flow behind it, and closing."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QPushButton, QWizardPage

from wizard.flow import Page, WizardFlow
from wizard.ui.headings import scale_heading
from wizard.ui.primary import show_primary

if TYPE_CHECKING:
    from wizard.ui.wizard_window import MailSetupWizard


class WizardPage(QWizardPage):
    """One page: it shows the flow's state and hands what the person does to named flow methods.

    A page never writes the flow's attributes and never touches another page's widgets; what
    one page changes reaches the others through the flow.
    """

    page_id: ClassVar[Page]

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__()
        # Kept rather than asked of QWizard: while it resets or closes, wizard() and
        # currentId() can be None and -1, and an exception in a Qt override is fatal.
        self._wizard = wizard

    @property
    def w(self) -> MailSetupWizard:
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
            scale_heading(self._wizard)
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
        if self._wizard.currentPage() is self:
            scale_heading(self._wizard)
            show_primary(self._wizard, self, self.primary_button(), last_page=self.nextId() == -1)

    def wizard_closing(self) -> None:
        """The window is closing: stop background work and let go of secrets shown here."""
