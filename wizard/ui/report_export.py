"""Copy report, Save report…, Email to IT: the only ways the report leaves the wizard."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from wizard.flow import WizardFlow
from wizard.outgoing import Form, outgoing_report
from wizard.report import Report, mailto_link, make_report
from wizard.ui_text.checking import it_notes


class ReportExport(QObject):
    """The three report buttons and what they do, for the flow's latest results.

    Every route goes through :meth:`text`, which is ``outgoing_report``: the same render, notes
    and last redaction the CLI's ``--report`` uses, so no route can carry a password the
    transcript's masking missed, nor a server's control characters.
    """

    def __init__(self, page: QWidget, flow: WizardFlow) -> None:
        super().__init__(page)
        self._page = page
        self._flow = flow
        self.copy_button = QPushButton("&Copy report", page)
        self.save_button = QPushButton("Sa&ve report…", page)
        self.mail_button = QPushButton("E&mail to IT", page)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self.save)
        self.mail_button.clicked.connect(self.email)

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return (self.copy_button, self.save_button, self.mail_button)

    def _report(self) -> Report:
        """The flow's report, with what the mail-program page found once it has looked."""
        flow = self._flow
        report = make_report(
            flow.account.address, flow.provider, flow.results, origin=flow.settings_origin
        )
        text, json = flow.report_extras()
        return replace(report, extra_text=text, extra_json=json)

    def text(self) -> str:
        flow = self._flow
        return outgoing_report(
            self._report(),
            Form.TEXT,
            password=flow.account.password,
            username=flow.account.address,
            notes=it_notes(flow),
        )

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied ✓")
        QTimer.singleShot(1500, self.copy_button, lambda: self.copy_button.setText("&Copy report"))

    def save(self) -> None:
        flow = self._flow
        stamp = flow.results[0].started_at.strftime("%Y%m%d-%H%M%S") if flow.results else "now"
        default = f"mail-check-{flow.account.address.split('@')[0]}-{stamp}.txt"
        path, _ = QFileDialog.getSaveFileName(
            self._page, "Save report", default, "Text files (*.txt)"
        )
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.text())

    def email(self) -> None:
        link = mailto_link(self._report(), self.text())
        if link:
            QDesktopServices.openUrl(QUrl(link))
