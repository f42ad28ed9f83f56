"""The checking page: the services checked live, the test message to oneself once the logins
pass, then the verdict and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from wizard.checks.model import CheckResult, Step
from wizard.clients.instructions.other import security_word
from wizard.flow import CheckState, Page
from wizard.provider import Service
from wizard.ui.pages.base import WizardPage
from wizard.ui.pages.check_run import CheckRun
from wizard.ui.pages.report_export import ReportExport
from wizard.ui.widgets import ServiceRow, fail_color, ok_color, wrapping_label
from wizard.ui_text.checking import (
    ALTERNATIVE_NOTE,
    ROUND_TRIP_SKIPPED,
    ROUND_TRIP_SUBTITLE,
    ROUND_TRIP_WAITING,
    STOPPING,
    Tone,
    checking_text,
    round_trip_not_run,
)

if TYPE_CHECKING:
    from wizard.ui.wizard_window import MailSetupWizard


class CheckingPage(WizardPage):
    """The person watches each service being checked, then reads the verdict.

    They can Stop, Retry or go Back at any moment. On a failure they read the cause and what
    to do, may open the redacted report (show, copy, save, mail it to IT), retry once with the
    full address when a short login was refused, or choose to set up their mail anyway.
    """

    page_id = Page.CHECKING
    checks_done = Signal()

    def __init__(self, wizard: MailSetupWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Checking your account")
        self.run = CheckRun(self)
        self.run.step.connect(self._on_step)
        self.run.logins_done.connect(self._on_logins_done)
        self.run.finished.connect(self._on_finished)
        self.run.saved.connect(self._on_saved)
        self.export = ReportExport(self, wizard.flow)
        self._rows: dict[Service, ServiceRow] = {}
        outer = QVBoxLayout(self)
        self.status = wrapping_label("", self)
        outer.addWidget(self.status)
        rows_box = QWidget(self)
        rows = QVBoxLayout(rows_box)
        rows.setContentsMargins(0, 0, 0, 0)
        for server in wizard.flow.provider.servers:
            row = ServiceRow(
                server.service.label,
                f"{server.hostname} port {server.port}, {security_word(server.security)}",
                rows_box,
            )
            self._rows[server.service] = row
            rows.addWidget(row)
        # The round trip: run by the core after the logins pass (wizard.checks.pipeline).
        self._rows[Service.ROUNDTRIP] = ServiceRow(
            Service.ROUNDTRIP.label, ROUND_TRIP_SUBTITLE, rows_box
        )
        rows.addWidget(self._rows[Service.ROUNDTRIP])
        rows.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(rows_box)
        outer.addWidget(scroll, 1)

        self.summary = wrapping_label("", self)
        outer.addWidget(self.summary)
        alt_row = QHBoxLayout()
        self.alternative_button = QPushButton("", self)
        self.alternative_button.setAutoDefault(False)
        self.alternative_button.clicked.connect(self.retry_with_full_address)
        self.alternative_note = wrapping_label(ALTERNATIVE_NOTE, self)
        self.alternative_note.setEnabled(False)
        alt_row.addWidget(self.alternative_button)
        alt_row.addWidget(self.alternative_note, 1)
        outer.addLayout(alt_row)
        self.continue_anyway = QCheckBox(
            "Set up my mail program an&yway (it will not work until this is fixed)", self
        )
        self.continue_anyway.toggled.connect(self._continue_toggled)
        outer.addWidget(self.continue_anyway)

        buttons = QHBoxLayout()
        self.stop_button = QPushButton("S&top", self)
        self.retry_button = QPushButton("&Retry", self)
        self.details_button = QPushButton("Show &details", self)
        self.details_button.setCheckable(True)
        self.copy_button = self.export.copy_button
        self.save_button = self.export.save_button
        self.mail_button = self.export.mail_button
        for b in (self.stop_button, self.retry_button, self.details_button, *self.export.buttons):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Report details")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.hide()
        outer.addWidget(self.details, 2)

        self.stop_button.clicked.connect(self.stop)
        self.retry_button.clicked.connect(self.start)
        self.details_button.toggled.connect(self._toggle_details)
        self._set_running(False)

    # -- lifecycle -------------------------------------------------------------------------
    def initializePage(self) -> None:
        self.start()

    def cleanupPage(self) -> None:
        """Back pressed: stop whatever is running."""
        self.stop()

    def wizard_closing(self) -> None:
        self.run.stop()

    def start(self) -> None:
        self.flow.checks_started()
        self.continue_anyway.setChecked(False)
        self.continue_anyway.hide()
        self.details.clear()
        self.details_button.setChecked(False)
        for service, row in self._rows.items():
            if service is Service.ROUNDTRIP:
                row.wait(ROUND_TRIP_WAITING if self.flow.send_test_message else ROUND_TRIP_SKIPPED)
            else:
                row.start()
        self._show_words()
        self.run.start(
            self.flow,
            ca_file=self.w.ca_file,
            timeout=self.w.check_timeout,
            round_trip_timeout=self.w.round_trip_timeout,
            dnsbl_server=self.w.dnsbl_server,
        )
        self._set_running(True)
        self.completeChanged.emit()

    def stop(self) -> None:
        if self.run.stop():
            self.status.setText(STOPPING)

    def _set_running(self, running: bool) -> None:
        have_results = bool(self.flow.results)
        self.stop_button.setVisible(running)
        self.retry_button.setVisible(not running and have_results)
        self.details_button.setEnabled(not running and have_results)
        self.export.set_enabled(not running and have_results)

    def _show_words(self, *, saving: bool = False) -> None:
        """Paint the wording for the flow's check state (wizard.ui_text.checking)."""
        words = checking_text(self.flow, saving=saving)
        color: QColor | None = {Tone.GOOD: ok_color(self), Tone.BAD: fail_color(self)}.get(
            words.tone
        )
        self.status.setText(words.status)
        self.status.setStyleSheet(f"color: {color.name()}; font-weight: bold;" if color else "")
        self.summary.setText(words.summary)
        self.alternative_button.setVisible(bool(words.alternative_login))
        self.alternative_note.setVisible(bool(words.alternative_login))
        if words.alternative_login:
            self.alternative_button.setText(words.alternative_login)

    # -- progress --------------------------------------------------------------------------
    def _on_step(self, service: Service, step: Step) -> None:
        row = self._rows.get(service)
        if row is not None:
            if service is Service.ROUNDTRIP and not row.spinner.isVisible():
                row.start()  # the logins passed: the test message is on its way
            row.update_step(step)

    def _on_logins_done(self, results: list[CheckResult]) -> None:
        """The login verdicts, while the test message is still on its way."""
        for r in results:
            row = self._rows.get(r.service)
            if row is not None:
                row.finish(r)

    def _on_finished(self, results: list[CheckResult]) -> None:
        flow = self.flow
        state = flow.checks_finished(results)
        for r in results:
            row = self._rows.get(r.service)
            if row is not None:
                row.finish(r)
        if self.flow.send_test_message and Service.ROUNDTRIP not in {r.service for r in results}:
            self._rows[Service.ROUNDTRIP].wait(round_trip_not_run(results))
        self._set_running(False)
        self.details.setPlainText(self.export.text())
        good = state is CheckState.PASSED or state is CheckState.MAIL_WORKS
        self._show_words(saving=good)
        self.continue_anyway.setVisible(flow.can_offer_continue_anyway)
        if good:
            # Next waits for the password store (see CheckRun.save_after_good_check).
            self.run.save_after_good_check(flow)
            self.retry_button.setVisible(False)
            self.completeChanged.emit()
            return
        self.completeChanged.emit()
        self.checks_done.emit()

    def _on_saved(self) -> None:
        self._show_words()
        self._set_running(False)
        self.completeChanged.emit()
        self.checks_done.emit()

    def retry_with_full_address(self) -> None:
        self.flow.use_full_address_login()
        self.start()

    def _continue_toggled(self, on: bool) -> None:
        self.flow.choose_continue_anyway(on)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.flow.can_leave_checking and not self.run.saving

    # -- report ----------------------------------------------------------------------------
    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide &details" if shown else "Show &details")

    def copy_report(self) -> None:
        self.export.copy()
