"""The manual settings page: host, port and security per service, typed by the person.

Reached when discovery found nothing (or the person chose *Enter settings myself*). What is
typed is checked by ``wizard.discovery.manual`` (Qt-free) when Next is pressed: a bad field
gets its message right under it, is outlined and focused, and nothing changes. Good settings go
to the flow, and the checking page verifies them the same way as found ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from wizard.discovery.manual import ManualEntry, ManualSettingsError, manual_settings
from wizard.flow import Page
from wizard.services import Security, Service
from wizard.trust import address_domain
from wizard.ui.pages.base import WizardPage
from wizard.ui.widgets import fail_color, wrapping_label
from wizard.ui_text import manual_settings as text

if TYPE_CHECKING:
    from wizard.ui.pages.base import PageHost

SERVICES = (Service.IMAP, Service.SMTP, Service.SIEVE)
_SECURITY_OF = {"ssl": Security.TLS, "starttls": Security.STARTTLS, "none": Security.PLAIN}


@dataclass
class ServiceFields:
    """One service's row: what is typed, and the message under it."""

    host: QLineEdit
    port: QLineEdit
    security: QComboBox
    error: QLabel

    def entry(self, service: Service) -> ManualEntry:
        return ManualEntry(
            service, self.host.text(), self.port.text(), str(self.security.currentData())
        )


class ManualSettingsPage(WizardPage):
    """The person types the servers; Next checks them (nothing is sent from here)."""

    page_id = Page.MANUAL_SETTINGS

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self.setTitle(text.TITLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # Scrolled as a whole: at 200 % text in the smallest window nothing is clipped.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        lay = QVBoxLayout(body)
        self.intro = wrapping_label("", body)
        lay.addWidget(self.intro)
        grid = QGridLayout()
        # Each service's name above its fields, so the server name gets the width it needs
        # even in the smallest window at 200 % text.
        for col, heading in enumerate(("Server", "Port", "Security")):
            grid.addWidget(QLabel(f"<b>{heading}</b>", body), 0, col)
        self.fields: dict[Service, ServiceFields] = {}
        for i, service in enumerate(SERVICES):
            row = 1 + 3 * i
            name = service.label + (f", {text.OPTIONAL}" if service is Service.SIEVE else "")
            label = QLabel(name + ":", body)
            host = QLineEdit(body)
            host.setAccessibleName(f"{service.label} server")
            host.setMaxLength(253)
            label.setBuddy(host)
            port = QLineEdit(body)
            port.setAccessibleName(f"{service.label} port")
            port.setMaxLength(5)
            port.setMaximumWidth(port.fontMetrics().horizontalAdvance("000000") + 24)
            security = QComboBox(body)
            security.setAccessibleName(f"{service.label} security")
            for words, value in text.SECURITY_CHOICES:
                security.addItem(words, value)
            error = wrapping_label("", body)
            error.hide()
            fields = ServiceFields(host, port, security, error)
            security.currentIndexChanged.connect(lambda _i, s=service: self._security_changed(s))
            for edit in (host, port):
                edit.textChanged.connect(lambda _t, f=fields: self._show_error(f, None, ""))
            grid.addWidget(label, row, 0, 1, 3)
            grid.addWidget(host, row + 1, 0)
            grid.addWidget(port, row + 1, 1)
            grid.addWidget(security, row + 1, 2)
            grid.addWidget(error, row + 2, 0, 1, 3)
            self.fields[service] = fields
        grid.setColumnStretch(0, 1)
        lay.addLayout(grid)
        self.allow_insecure = QCheckBox(text.ALLOW_INSECURE, body)
        lay.addWidget(self.allow_insecure)
        lay.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        self._ports: dict[Service, str] = {}

    def initializePage(self) -> None:
        domain = address_domain(self.flow.account.address)
        self.intro.setText(text.intro(domain))
        for service, fields in self.fields.items():
            fields.host.setPlaceholderText(text.host_placeholder(service, domain))
            first = fields.security.findData(text.FIRST_SECURITY[service])
            fields.security.setCurrentIndex(first)
            self._security_changed(service)
            self._show_error(fields, None, "")
        self.fields[Service.IMAP].host.setFocus()

    def cleanupPage(self) -> None:
        """Back to the account page: the next Next looks the settings up again."""
        self.flow.choose_manual_settings(False)

    def _security_changed(self, service: Service) -> None:
        """The usual port follows the security, unless the person typed another one."""
        fields = self.fields[service]
        security = _SECURITY_OF[str(fields.security.currentData())]
        usual = {str(p) for (s, _), p in text.USUAL_PORTS.items() if s is service}
        if not fields.port.text() or fields.port.text() in usual:
            fields.port.setText(str(text.USUAL_PORTS[(service, security)]))

    def _show_error(self, fields: ServiceFields, edit: QWidget | None, message: str) -> None:
        color = fail_color(self).name()
        fields.error.setText(message)
        fields.error.setStyleSheet(f"color: {color};")
        fields.error.setVisible(bool(message))
        for widget in (fields.host, fields.port, fields.security):
            bad = widget is edit
            widget.setProperty("invalid", bad)
            widget.setProperty("invalidColor", color)
            widget.setAccessibleDescription(message if bad else "")
            widget.update()

    def validatePage(self) -> bool:
        entries = [
            f.entry(s)
            for s, f in self.fields.items()
            if s is not Service.SIEVE or f.host.text().strip()
        ]
        try:
            typed = manual_settings(
                self.flow.account.address, entries, allow_insecure=self.allow_insecure.isChecked()
            )
        except ManualSettingsError as exc:
            fields = self.fields[exc.service]
            edit = {"port": fields.port, "security": fields.security}.get(exc.field, fields.host)
            self._show_error(fields, edit, str(exc))
            edit.setFocus()
            return False
        self.flow.use_manual(typed)
        return True
