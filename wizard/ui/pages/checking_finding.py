"""The checking page's states before the check: finding the settings, nothing found, stopped.

A part of :class:`~wizard.ui.pages.checking.CheckingPage` (a mixin, so the page module stays
small): an address outside IT's domains has its settings found first (``FindingSettings``),
then the found settings are checked the usual way, after the question when they are not
verified. Nothing found leaves *Enter settings myself* as the page's one action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QLabel, QPushButton, QToolButton, QWidget

from wizard.flow import WizardFlow
from wizard.trust import address_domain
from wizard.ui.pages.finding import FindingSettings
from wizard.ui.pages.origin_confirm import OriginConfirmation
from wizard.ui.widgets import StatusMark
from wizard.ui_text.checking import ACTION_LABELS, Action
from wizard.ui_text.discovery import (
    STOPPED,
    TITLE_FINDING,
    TITLE_FOUND,
    TITLE_NOTHING,
    checking_published,
    finding_status,
    nothing_found,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWizard

    from wizard.discovery.model import DiscoveryResult
    from wizard.ui.pages.base import PageHost
    from wizard.ui.pages.check_run import CheckRun


class FindingStates:
    """What the checking page shows while it finds the settings, and the way on from there."""

    # The page's own parts this uses (made in CheckingPage.__init__).
    flow: WizardFlow
    w: PageHost
    run: CheckRun
    finding: FindingSettings
    status: QLabel
    status_mark: StatusMark
    summary: QLabel
    password_box: QWidget
    action_button: QPushButton
    stop_button: QPushButton
    details_button: QToolButton
    rows_box: QWidget
    origin_question: OriginConfirmation
    completeChanged: SignalInstance  # noqa: N815 - QWizardPage's
    _action: Action
    _retyped: bool

    if TYPE_CHECKING:  # the page's methods (never defined here: they would shadow Qt's)

        def setTitle(self, title: str) -> None: ...  # noqa: N802 - QWizardPage's
        def wizard(self) -> QWizard: ...
        def primary_changed(self) -> None: ...
        def start(self, *, retyped: bool = False) -> None: ...

    # -- finding the settings (wizard.ui.pages.finding) ------------------------------------
    def _find_settings(self, *, published: bool = False) -> None:
        """Look the settings up; ``published``: only what the domain names, for IT's file."""
        self.run.abandon()
        domain = address_domain(self.flow.account.address)
        self._settle(TITLE_FINDING, (checking_published if published else finding_status)(domain))
        self.finding.start(self.flow, self.w.check_options, self.w.ispdb_url, published=published)
        self.stop_button.show()
        self.primary_changed()

    def _settle(self, title: str, status: str) -> None:
        """A headline with nothing else of the check shown (finding, nothing found, stopped)."""
        self.setTitle(title)
        self.status.setText(status)
        self.status.setStyleSheet("")
        for widget in (self.status_mark, self.summary, self.password_box, self.action_button):
            widget.hide()
        for widget in (self.rows_box, self.origin_question, self.stop_button, self.details_button):
            widget.hide()
        self.completeChanged.emit()

    def _settings_found(self, result: DiscoveryResult) -> None:
        if self.finding.published:
            self._published_known(result)
            return
        self.flow.use_discovered(result)
        self.setTitle(TITLE_FOUND)
        self.start(retyped=self._retyped)

    def _published_known(self, result: DiscoveryResult | None) -> None:
        """What the domain publishes is known (or Stop): check, or ask first, as the rule says."""
        self.finding.hide()
        self.flow.record_published(address_domain(self.flow.account.address), result)
        self.start(retyped=self._retyped)

    def _nothing_found(self, result: DiscoveryResult) -> None:
        if self.finding.published:
            self._published_known(result)
            return
        self._settle(TITLE_NOTHING, nothing_found(result.domain))
        self.primary_changed()

    def _finding_stopped(self) -> None:
        if self.finding.published:
            self._published_known(None)
            return
        self._settle(TITLE_FINDING, STOPPED)
        self._action = Action.RETRY
        self.action_button.setText(ACTION_LABELS[Action.RETRY])
        self.action_button.show()
        self.primary_changed()

    def _found_settings_refused(self) -> None:
        """Found settings the person would not trust: typing them in is the way on."""
        if self.flow.discovery is not None:
            self.finding.show()
            self.primary_changed()

    def _enter_manually(self) -> None:
        """The manual settings page comes after the account page: go there through it."""
        self.flow.choose_manual_settings()
        wizard = self.wizard()
        wizard.back()
        wizard.next()
