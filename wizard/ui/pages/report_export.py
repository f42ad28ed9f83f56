"""Copy report, Save report…, Email to IT: the only ways the report leaves the wizard."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from wizard.flow import WizardFlow
from wizard.report import mailto_link, make_report, render_text, scrub
from wizard.ui_text.checking import it_notes


class ReportExport(QObject):
    """The three report buttons and what they do, for the flow's latest results.

    Every route goes through :meth:`text`, which runs the report's last line of defence
    (``scrub``) over it, so no route can carry a password the transcript's masking missed.
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

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons:
            button.setEnabled(enabled)

    def text(self) -> str:
        flow = self._flow
        report = make_report(flow.account.address, flow.provider, flow.results)
        text = render_text(report)
        notes = it_notes(flow)
        if notes:
            # What the person's screen leaves out on purpose (keys, files, the short login).
            text = text.rstrip("\n") + "\n\n== Notes for IT\n" + "\n".join(notes) + "\n"
        return scrub(text, flow.account.password, flow.account.address)

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
        flow = self._flow
        report = make_report(flow.account.address, flow.provider, flow.results)
        link = mailto_link(report, self.text())
        if link:
            QDesktopServices.openUrl(QUrl(link))
