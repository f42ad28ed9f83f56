"""The checking page, summary first: one headline, one fix, one row per thing, details folded.

Like Outlook's "Test Account Settings": the person reads whether mail works and, if not, the
one thing to do and the one button that does it (retype the password here, try the full
address, or try again). Steps, timings, hosts, ports and protocol names are under *Details*,
with *Details for IT…*, the window that holds the report and its Copy, Save and Email buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from wizard.checks.model import CheckResult, Step
from wizard.flow import CheckState, Page
from wizard.password_rules import password_problem
from wizard.services import Service
from wizard.ui.pages.base import WizardPage
from wizard.ui.pages.check_details import DetailRows
from wizard.ui.pages.check_run import CheckRun
from wizard.ui.pages.checking_finding import FindingStates
from wizard.ui.pages.finding import FindingSettings
from wizard.ui.pages.origin_confirm import OriginConfirmation
from wizard.ui.pages.summary_row import MARKS as _MARKS
from wizard.ui.pages.summary_row import SummaryRow
from wizard.ui.report_export import ReportExport
from wizard.ui.report_window import ReportWindow
from wizard.ui.widgets import (
    PasswordEdit,
    StatusMark,
    fail_color,
    ok_color,
    warn_color,
    wrapping_label,
)
from wizard.ui_text.checking import (
    ROUND_TRIP_SKIPPED,
    ROUND_TRIP_WAITING,
    STOPPING,
    TITLE_RUNNING,
    Action,
    Row,
    Tone,
    checking_text,
    round_trip_not_run,
)
from wizard.ui_text.discovery import (
    discovered_confirmation,
)
from wizard.ui_text.trust import ORIGIN_TITLE

if TYPE_CHECKING:
    from wizard.ui.pages.base import PageHost


class CheckingPage(FindingStates, WizardPage):
    """The person watches the check run, then reads the verdict and does the one fix here.

    They can Stop or go Back at any moment. On a refused password they retype it on this page
    and press *Try again*; on a refused short login they press *Try with my full email
    address*; otherwise *Try again*. *Details* shows each service's steps and *Details for
    IT…* (the report: copy, save, mail it to IT), and lets them set up their mail anyway.
    """

    page_id = Page.CHECKING
    checks_done = Signal()

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self.setTitle(TITLE_RUNNING)
        self._retyped = False  # this run checks a password typed again on this page
        self.run = CheckRun(self)
        self.run.step.connect(self._on_step)
        self.run.logins_done.connect(self._on_logins_done)
        self.run.finished.connect(self._on_finished)
        self.run.saved.connect(self._on_saved)
        self.export = ReportExport(self, wizard.flow)
        self._report_window: ReportWindow | None = None  # made when first opened
        for button in self.export.buttons:
            button.hide()  # they live in the details window
        self._action = Action.NONE
        outer = QVBoxLayout(self)

        # Summary: headline (with the outcome's icon), the one fix, the one action.
        head = QHBoxLayout()
        self.status = wrapping_label("", self)
        font = self.status.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.status.setFont(font)
        self.status_mark = StatusMark(self)
        self.status_mark.setFont(font)
        self.status_mark.hide()
        head.addWidget(self.status_mark, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.status, 1)
        outer.addLayout(head)
        self.summary = wrapping_label("", self)
        outer.addWidget(self.summary)
        self.origin_question = OriginConfirmation(self)
        self.origin_question.send.connect(self._origin_confirmed)
        self.origin_question.refuse.connect(self.flow.refuse_origin)
        self.origin_question.refuse.connect(self._found_settings_refused)
        outer.addWidget(self.origin_question)
        self.finding = FindingSettings(self)  # "Finding your settings" (issue 25)
        self.finding.found.connect(self._settings_found)
        self.finding.nothing.connect(self._nothing_found)
        self.finding.stopped.connect(self._finding_stopped)
        self.finding.manual.connect(self._enter_manually)
        outer.addWidget(self.finding)
        self.password_box = QWidget(self)
        form = QFormLayout(self.password_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.password = PasswordEdit(self.password_box)
        self.password.setAccessibleName("Password")
        # Enter in the box presses the default button, which is the page's one action.
        self.password.textChanged.connect(self._password_typed)
        password_label = QLabel("&Password:", self.password_box)
        password_label.setBuddy(self.password)
        form.addRow(password_label, self.password)
        self.caps = wrapping_label("Caps Lock seems to be on.", self.password_box)
        form.addRow("", self.caps)
        form.setRowVisible(self.caps, False)
        # A password the flow refuses (a pasted line break) is said right under the box.
        self.password_error = wrapping_label("", self.password_box)
        form.addRow("", self.password_error)
        form.setRowVisible(self.password_error, False)
        self.password.caps_lock.connect(self._caps_changed)
        self._password_form = form
        outer.addWidget(self.password_box)
        action_row = QHBoxLayout()
        self.action_button = QPushButton("", self)
        self.action_button.setAutoDefault(False)
        self.action_button.clicked.connect(self._act)
        self.stop_button = QPushButton("S&top", self)
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(self.stop)
        action_row.addWidget(self.action_button)
        action_row.addWidget(self.stop_button)
        action_row.addStretch(1)
        outer.addLayout(action_row)

        outer.addSpacing(6)
        self.rows_box = QWidget(self)
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(0)
        self._summary: dict[str, SummaryRow] = {}
        outer.addWidget(self.rows_box)

        # Details, folded: each service's steps, the way on anyway, the report for IT.
        self.details_button = QToolButton(self)
        self.details_button.setText("&Details")
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.toggled.connect(self._toggle_details)
        outer.addSpacing(6)
        outer.addWidget(self.details_button)
        self.details_box = QWidget(self)
        details = QVBoxLayout(self.details_box)
        details.setContentsMargins(16, 0, 0, 0)
        self.detail_rows = DetailRows(self.details_box, details)
        self._rows = self.detail_rows.rows  # one dict, rebuilt in place with the settings
        self.detail_rows.build(wizard.flow)
        self.continue_anyway = QCheckBox(
            "Set up my mail program an&yway (it will not work until this is fixed)",
            self.details_box,
        )
        self.continue_anyway.toggled.connect(self._continue_toggled)
        details.addWidget(self.continue_anyway)
        it_row = QHBoxLayout()
        self.it_button = QPushButton("Details for &IT…", self.details_box)
        self.it_button.setAutoDefault(False)
        self.it_button.setToolTip("The report for IT, with Copy, Save and Email to IT")
        self.it_button.clicked.connect(self.show_report)
        it_row.addWidget(self.it_button)
        it_row.addStretch(1)
        details.addLayout(it_row)
        details.addStretch(1)
        # Scrolled on its own: the summary above stays in view however long the steps are.
        self.details_scroll = QScrollArea(self)
        self.details_scroll.setWidgetResizable(True)
        self.details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.details_scroll.setWidget(self.details_box)
        self.details_scroll.hide()
        outer.addWidget(self.details_scroll, 10)
        outer.addStretch(1)
        self._set_running(False)

    @property
    def report_window(self) -> ReportWindow:
        if self._report_window is None:
            self._report_window = ReportWindow(self.export, self)
            self._report_window.refresh()
        return self._report_window

    @property
    def details(self) -> QPlainTextEdit:
        """The report text, as the details window shows it."""
        return self.report_window.text

    # -- lifecycle -------------------------------------------------------------------------
    def initializePage(self) -> None:
        self.start()

    def cleanupPage(self) -> None:
        """Back pressed: stop whatever is running."""
        self.stop()
        self.finding.abandon()

    def wizard_closing(self) -> None:
        self.run.stop()
        self.finding.abandon()
        self.password.clear()
        if self._report_window is not None:
            self._report_window.close()

    def primary_button(self) -> QPushButton | None:
        """The one fix ("Try again", "Enter settings myself", …); else Next."""
        if self.finding.isVisible() and not self.finding.running:
            return self.finding.manual_button  # nothing found: typing them in is the way on
        return self.action_button if self.action_button.isVisible() else None

    def start(self, *, retyped: bool = False) -> None:
        self._retyped = retyped
        if self.flow.needs_discovery or self.flow.needs_endorsement:
            self._find_settings(published=not self.flow.needs_discovery)
            return
        self.finding.hide()
        self.detail_rows.build(self.flow)
        if self._wait_for_origin():
            return
        self.flow.checks_started()
        self.continue_anyway.setChecked(False)
        self.password.clear()
        self.details_button.setChecked(False)
        for service, row in self._rows.items():
            if service is Service.ROUNDTRIP:
                send = self.flow.send_test_message
                row.wait(ROUND_TRIP_WAITING if send else ROUND_TRIP_SKIPPED)
            else:
                row.start()
        self._show_words()
        self.run.start(self.flow, self.w.check_options)
        self._set_running(True)
        self.completeChanged.emit()

    def _wait_for_origin(self) -> bool:
        """Ask first when the settings are not IT's word; True while the answer is awaited."""
        flow = self.flow
        if not flow.origin_needs_confirmation:
            self.origin_question.hide()
            self.rows_box.show()
            return False
        self.run.abandon()
        self.status.setText(ORIGIN_TITLE)
        self.status.setStyleSheet("")
        for widget in (self.summary, self.password_box, self.action_button, self.rows_box):
            widget.hide()
        self.origin_question.ask(
            discovered_confirmation(flow.provider, flow.account.address, flow.settings_origin)
        )
        self._set_running(False)
        self.completeChanged.emit()
        return True

    def _origin_confirmed(self) -> None:
        self.flow.confirm_origin()
        self.start()

    def stop(self) -> None:
        if self.finding.stop() or self.run.stop():
            self.status.setText(STOPPING)

    def _set_running(self, running: bool) -> None:
        have_results = bool(self.flow.results)
        self.stop_button.setVisible(running)
        self.details_button.setVisible(running or have_results)
        self.it_button.setEnabled(not running and have_results)
        self.continue_anyway.setVisible(not running and self.flow.can_offer_continue_anyway)

    def _show_words(self, *, saving: bool = False, interim: Sequence[CheckResult] = ()) -> None:
        """Paint the wording for the flow's check state (wizard.ui_text.checking)."""
        words = checking_text(self.flow, saving=saving, interim=interim, retyped=self._retyped)
        color: QColor | None = {Tone.GOOD: ok_color(self), Tone.BAD: fail_color(self)}.get(
            words.tone
        )
        self.setTitle(words.title)
        self.status.setText(words.status)
        self.status.setStyleSheet(f"color: {color.name()};" if color else "")
        mark = _MARKS.get(words.tone)
        self.status_mark.setVisible(mark is not None)
        if mark is not None:
            self.status_mark.set_status(mark)
        self.summary.setText(words.fix)
        self.summary.setVisible(bool(words.fix))
        self.password_box.setVisible(words.action is Action.PASSWORD)
        self.action_button.setVisible(words.action is not Action.NONE)
        self.action_button.setText(words.action_label)
        self._action = words.action
        if words.action is Action.PASSWORD:
            self.password.setFocus()
            self.action_button.setEnabled(bool(self.password.text()))
        else:
            self.action_button.setEnabled(True)
        self._paint_rows(words.rows)
        self.primary_changed()

    def _paint_rows(self, rows: tuple[Row, ...]) -> None:
        metrics = self.rows_box.fontMetrics()
        width = max((metrics.horizontalAdvance(r.name) for r in rows), default=0) + 4
        for row in rows:
            widget = self._summary.get(row.service)
            if widget is None:
                widget = self._summary[row.service] = SummaryRow(self.rows_box)
                self.rows_layout.addWidget(widget)
            widget.show_row(row, width)
        shown = {r.service for r in rows}
        for service, widget in self._summary.items():
            if service not in shown:
                widget.spinner.stop()
                widget.hide()

    # -- the one action --------------------------------------------------------------------
    def _caps_changed(self, on: bool) -> None:
        self.caps.setStyleSheet(f"color: {warn_color(self).name()};")
        self._password_form.setRowVisible(self.caps, on)

    def _password_typed(self, text: str) -> None:
        if self._action is Action.PASSWORD:
            self.action_button.setEnabled(bool(text))
        self._show_password_problem("")

    def _show_password_problem(self, problem: str) -> None:
        color = fail_color(self).name()
        self.password_error.setText(problem)
        self.password_error.setStyleSheet(f"color: {color};")
        self._password_form.setRowVisible(self.password_error, bool(problem))
        self.password.setProperty("invalid", bool(problem))
        self.password.setProperty("invalidColor", color)
        self.password.setAccessibleDescription(problem)
        self.password.update()

    def _act(self) -> None:
        if self._action is Action.PASSWORD:
            if self.flow.retry_with_password(self.password.text()):
                self.start(retyped=True)
            elif problem := password_problem(self.password.text()):
                self._show_password_problem(problem)  # refused by the flow: nothing is sent
        elif self._action is Action.FULL_ADDRESS:
            self.retry_with_full_address()
        elif self._action is Action.RETRY:
            self.start(retyped=self._retyped)

    def retry_with_full_address(self) -> None:
        self.flow.use_full_address_login()
        self.start()

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
        self._show_words(interim=results)

    def _on_finished(self, results: list[CheckResult]) -> None:
        flow = self.flow
        state = flow.checks_finished(results)
        for r in results:
            row = self._rows.get(r.service)
            if row is not None:
                row.finish(r)
        if flow.send_test_message and Service.ROUNDTRIP not in {r.service for r in results}:
            self._rows[Service.ROUNDTRIP].wait(round_trip_not_run(results))
        self._set_running(False)
        if self._report_window is not None:
            self._report_window.refresh()
        good = state is CheckState.PASSED or state is CheckState.MAIL_WORKS
        self._show_words(saving=good)
        if good:
            # Next waits for the password store (see CheckRun.save_after_good_check).
            self.run.save_after_good_check(flow)
            self.completeChanged.emit()
            return
        self.completeChanged.emit()
        self.checks_done.emit()

    def _on_saved(self) -> None:
        self._show_words()
        self._set_running(False)
        self.completeChanged.emit()
        self.checks_done.emit()

    def _continue_toggled(self, on: bool) -> None:
        self.flow.choose_continue_anyway(on)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.flow.can_leave_checking and not self.run.saving

    # -- details and the report --------------------------------------------------------------
    def _toggle_details(self, shown: bool) -> None:
        self.details_scroll.setVisible(shown)
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def show_report(self) -> None:
        self.report_window.refresh()
        self.report_window.show()
        self.report_window.raise_()

    def copy_report(self) -> None:
        self.export.copy()
