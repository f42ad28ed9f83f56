"""Diagnosis: what the person's mail program is set to, and the one repair it needs."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QToolButton, QVBoxLayout

from wizard.checks.model import CheckResult
from wizard.flow import Page
from wizard.flow_state import ReportSection
from wizard.mail_programs.look import look_at_mail_programs
from wizard.mail_programs.model import MailProgramsLook
from wizard.mail_programs.render import text_lines, to_json
from wizard.mail_programs.repair import fix_in_thunderbird, forget_in_thunderbird
from wizard.ui.pages.base import PageHost, WizardPage
from wizard.ui.widgets import fail_color, wrapping_label
from wizard.ui_text.mail_programs import (
    ACTION_LABELS,
    Action,
    MailProgramsText,
    fix_outcome,
    forget_outcome,
    mail_programs_text,
)


class MailProgramsPage(WizardPage):
    """After a passing diagnosis: the mail program's own settings compared with the provider's.

    The look and the repairs read and write files, so they run on a worker thread; the page
    only shows their outcome. The list it shows is exactly what "Fix it" changes.
    """

    page_id = Page.MAIL_PROGRAMS

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        # Not "Your mail program": that is the set-up page where the person picks one.
        self.setTitle("Your mail program's settings")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-programs")
        self._pending: Future[Any] | None = None
        self._text: MailProgramsText | None = None
        lay = self._layout = QVBoxLayout(self)
        self.headline = wrapping_label("Looking at your mail program…", self)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        lay.addWidget(self.headline)
        self.items = wrapping_label("", self)
        lay.addWidget(self.items)
        row = QHBoxLayout()
        self.action = QPushButton("", self)
        self.action.setAutoDefault(False)  # the default button is named by primary_button
        self.action.clicked.connect(self.run_action)
        self.action.hide()
        row.addWidget(self.action)
        row.addStretch(1)
        lay.addLayout(row)
        self.outcome = wrapping_label("", self)
        self.outcome.hide()
        lay.addWidget(self.outcome)
        self.details_button = QToolButton(self)
        self.details_button.setText("&Details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._show_details)
        lay.addWidget(self.details_button)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.hide()
        lay.addWidget(self.details, 1)
        self.copy_button = QPushButton("&Copy for IT", self)
        self.copy_button.setAutoDefault(False)
        self.copy_button.setToolTip("The report's mail-program section: every setting found")
        self.copy_button.clicked.connect(self.copy_for_it)
        self.copy_button.hide()
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_button)
        copy_row.addStretch(1)
        lay.addLayout(copy_row)
        lay.addStretch(1)  # the words stay together at the top while Details is closed
        self._report_lines: list[str] = []
        self._looked_after: list[CheckResult] = []
        self._repairs: list[str] = []  # what this page changed, in full, for the report
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._poll)

    # -- running work off the GUI thread

    def _start(self, job: Any, done: Any) -> None:
        self._pending = self._pool.submit(job)
        self._on_done = done
        self._timer.start()

    def _poll(self) -> None:
        pending = self._pending
        if pending is None or not pending.done():
            return
        self._timer.stop()
        self._pending = None
        self._on_done(pending.result())

    def initializePage(self) -> None:
        self.headline.setText("Looking at your mail program…")
        for w in (self.items, self.outcome):
            w.setText("")
        self.outcome.hide()
        self.action.hide()
        self.look()

    def look(self) -> None:
        flow = self.flow
        provider, address = flow.provider, flow.account.address
        results = list(flow.results)
        self._looked_after = flow.results  # the flow's own list: a new check replaces it

        def job() -> MailProgramsLook:
            return look_at_mail_programs(provider, address, results=results)

        self._start(job, self.show_look)

    def show_look(self, look: MailProgramsLook) -> None:
        words = mail_programs_text(look, self.flow.provider)
        self._report_lines = text_lines(look)
        if self._repairs:
            self._report_lines += ["", "Changed from the app:", *(f"  {r}" for r in self._repairs)]
        # Into the report for IT too (Copy / Save / Email on the checking page), for these
        # results only: a new check leaves it out.
        self.flow.mail_programs_section = ReportSection(
            self._looked_after, tuple(self._report_lines), {"mail_programs": to_json(look)}
        )
        self._text = words
        self.headline.setText(words.headline)
        self.items.setText("\n".join(f"• {line}" for line in words.items))
        self.items.setVisible(bool(words.items))
        self.details.setPlainText("\n".join(words.details))
        if words.action is Action.NONE:
            self.action.hide()
        else:
            self.action.setText(ACTION_LABELS[words.action])
            self.action.show()
        self.primary_changed()

    def primary_button(self) -> QPushButton | None:
        """The one repair (Fix it / Make it ask again) while there is one; else Next."""
        return self.action if self.action.isVisible() else None

    def run_action(self) -> None:
        words = self._text
        if words is None or words.finding is None or self._pending is not None:
            return
        finding, flow = words.finding, self.flow
        provider, address, name = flow.provider, flow.account.address, flow.account.name
        self.action.setEnabled(False)

        def job() -> tuple[bool, str, str]:
            """(worked, the person's sentence, the full one for IT's report)."""
            if words.action is Action.FIX:
                result = fix_in_thunderbird(finding, provider, address, name)
                return result.ok, fix_outcome(result), result.message
            forgot = forget_in_thunderbird(finding, provider)
            return forgot.ok, forget_outcome(forgot), forgot.message

        self._start(job, self.show_outcome)

    def show_outcome(self, outcome: tuple[bool, str, str]) -> None:
        ok, message, for_it = outcome
        self._repairs.append(for_it)  # the account key and backup file, for the report
        self.action.setEnabled(True)
        self.outcome.setText(message)
        self.outcome.show()
        self.outcome.setStyleSheet("" if ok else f"color: {fail_color(self).name()};")
        if ok:
            self.look()  # show what Thunderbird has now

    def _show_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.copy_button.setVisible(on)
        self._layout.setStretch(self._layout.count() - 1, 0 if on else 1)

    def copy_for_it(self) -> None:
        """The same section the CLI's report prints, for the person to paste to IT."""
        QGuiApplication.clipboard().setText("\n".join(self._report_lines).strip() + "\n")

    def wizard_closing(self) -> None:
        self._timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
