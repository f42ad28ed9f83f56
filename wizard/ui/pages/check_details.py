"""The checking page's Details: where the settings came from, and one row per service's steps.

Rebuilt whenever the settings change (found by discovery or typed in): the services and their
servers are those of the settings in use, not of the settings the window started with.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from wizard.flow import WizardFlow
from wizard.services import Service
from wizard.ui.widgets import ServiceRow, wrapping_label
from wizard.ui_text.checking import ROUND_TRIP_SUBTITLE
from wizard.ui_text.discovery import where_from
from wizard.words import security_word


class DetailRows:
    """The rows of the Details box; ``rows`` is kept as one dict, updated in place."""

    def __init__(self, parent: QWidget, layout: QVBoxLayout) -> None:
        self._parent = parent
        self.origin = wrapping_label("", parent)
        self.origin.setAccessibleName("Where the settings came from")
        layout.addWidget(self.origin)
        self._steps = QVBoxLayout()
        self._steps.setSpacing(0)
        layout.addLayout(self._steps)
        self.rows: dict[Service, ServiceRow] = {}
        self._built_for: tuple[object, ...] = ()

    def build(self, flow: WizardFlow) -> None:
        """One row per service of the settings in use, then the test message's."""
        key = (flow.provider.servers, flow.settings_for, flow.settings_warnings)
        if key == self._built_for:
            return
        self._built_for = key
        for row in self.rows.values():
            self._steps.removeWidget(row)
            row.deleteLater()
        self.rows.clear()
        for server in flow.provider.servers:
            row = ServiceRow(
                server.service.label,
                f"{server.hostname} port {server.port}, {security_word(server.security)}",
                self._parent,
            )
            self.rows[server.service] = row
            self._steps.addWidget(row)
        # The test message: run by the core after the logins pass (wizard.pipeline).
        trip = ServiceRow(Service.ROUNDTRIP.label, ROUND_TRIP_SUBTITLE, self._parent)
        self.rows[Service.ROUNDTRIP] = trip
        self._steps.addWidget(trip)
        found = bool(flow.settings_for)
        said = [where_from(flow.settings_origin), *flow.settings_warnings] if found else []
        self.origin.setText(" ".join(said))
        self.origin.setVisible(found)
