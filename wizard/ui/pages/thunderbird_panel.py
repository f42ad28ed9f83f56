"""The set-up page's Thunderbird part: which profile, and *Add account to Thunderbird*."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wizard.flow import WizardFlow
from wizard.ui.widgets import fail_color, ok_color, wrapping_label


class ThunderbirdPanel(QWidget):
    """Profile choice and the "Add account to Thunderbird" button."""

    def __init__(self, flow: WizardFlow, parent: QWidget) -> None:
        super().__init__(parent)
        self._flow = flow
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.profile_label = QLabel("Thunderbird &profile:", self)
        self.profiles = QComboBox(self)
        self.profiles.setAccessibleName("Thunderbird profile")
        self.profile_label.setBuddy(self.profiles)
        self.add_button = QPushButton("&Add account to Thunderbird", self)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_account)
        self.profiles.setMinimumContentsLength(30)
        row.addWidget(self.profile_label)
        row.addWidget(self.profiles)
        row.addWidget(self.add_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.result = wrapping_label("", self)
        lay.addWidget(self.result)

    def refresh(self) -> None:
        search = self._flow.thunderbird
        self.profiles.clear()
        self.result.setStyleSheet("")
        if search is None or not search.found:
            message = search.message if search is not None else ""
            self.result.setText(
                (message + " " if message else "")
                + "You can still set Thunderbird up by hand with the steps below."
            )
            for w in (self.profile_label, self.profiles, self.add_button):
                w.hide()
            return
        for w in (self.profile_label, self.profiles, self.add_button):
            w.show()
        for profile in search.profiles:
            self.profiles.addItem(profile.label, str(profile.path))
        self.profiles.setVisible(len(search.profiles) > 1)
        self.profile_label.setVisible(len(search.profiles) > 1)
        self.result.setText(
            "Close Thunderbird, then press “Add account to Thunderbird”. Your password is not "
            "written anywhere: Thunderbird asks for it once."
        )

    def add_account(self) -> None:
        path = self.profiles.currentData()
        if not path:
            return
        result = self._flow.write_thunderbird(Path(path))
        color = ok_color(self) if result.ok else fail_color(self)
        text = result.message
        if result.ok:
            text += " Start Thunderbird: it asks for your password once and offers to remember it."
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {color.name()};")
        self.add_button.setText("&Try again" if not result.ok else "&Add account to Thunderbird")
