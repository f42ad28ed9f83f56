"""The set-up page's Thunderbird part: *Add to Thunderbird* first, then a tick and *Open*."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wizard import APP_NAME
from wizard.clients.thunderbird.launch import open_thunderbird
from wizard.flow import WizardFlow
from wizard.ui.widgets import fail_color, ok_color, secondary_label, wrapping_label
from wizard.ui_text.setup import ADD_LABEL, BEFORE_ADDING, NOT_INSTALLED, OPEN_LABEL, write_outcome


class ThunderbirdPanel(QWidget):
    """One big button that writes the account; after it worked, a tick and *Open Thunderbird*.

    Which profile is asked only when there is more than one. What was written where (account
    key, backup file) goes to the report, not onto this panel.
    """

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
        self.profiles.setMinimumContentsLength(20)
        row.addWidget(self.profile_label)
        row.addWidget(self.profiles, 1)
        lay.addLayout(row)
        self.intro = wrapping_label(
            f"{APP_NAME} can add your {flow.provider.branding.organization} account to "
            "Thunderbird for you, in one step.",
            self,
        )
        lay.addWidget(self.intro)
        done_row = QHBoxLayout()
        self.mark = QLabel("", self)
        font = self.mark.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.mark.setFont(font)
        self.result = wrapping_label("", self)
        done_row.addWidget(self.mark)
        done_row.addWidget(self.result, 1)
        lay.addLayout(done_row)
        actions = QHBoxLayout()
        self.add_button = QPushButton(ADD_LABEL, self)
        self.open_button = QPushButton(OPEN_LABEL, self)
        for button in (self.add_button, self.open_button):
            button.setAutoDefault(False)
            bfont = button.font()
            bfont.setPointSizeF(bfont.pointSizeF() * 1.25)
            bfont.setBold(True)
            button.setFont(bfont)
            button.setMinimumHeight(button.sizeHint().height() + 12)
        self.add_button.clicked.connect(self.add_account)
        self.open_button.clicked.connect(self.open)
        actions.addWidget(self.add_button)
        actions.addWidget(self.open_button)
        actions.addStretch(1)
        lay.addLayout(actions)
        self.note = secondary_label("", self)
        lay.addWidget(self.note)

    @property
    def found(self) -> bool:
        search = self._flow.thunderbird
        return search is not None and search.found

    def refresh(self) -> None:
        search = self._flow.thunderbird
        self.profiles.clear()
        self.result.setStyleSheet("")
        self.mark.hide()
        self.open_button.hide()
        self.note.setText("")
        if search is None or not search.found:
            self.intro.hide()
            self.result.setText(NOT_INSTALLED)
            self.result.show()
            for w in (self.profile_label, self.profiles, self.add_button):
                w.hide()
            return
        self.intro.show()
        for profile in search.profiles:
            self.profiles.addItem(profile.label, str(profile.path))
        # A profile outside Thunderbird's folders is always shown, never taken silently.
        several = len(search.profiles) > 1 or search.preferred is None
        self.profiles.setVisible(several)
        self.profile_label.setVisible(several)
        self.add_button.show()
        self.result.setText("")
        self.result.hide()
        self.note.setText(BEFORE_ADDING)

    def add_account(self) -> None:
        path = self.profiles.currentData()
        if not path:
            return
        result = self._flow.write_thunderbird(Path(path))
        self.result.setText(write_outcome(result))
        self.result.show()
        if result.ok:
            self.intro.hide()
            self.mark.setText("✓")
            self.mark.setAccessibleName("Added")
            self.mark.setStyleSheet(f"color: {ok_color(self).name()};")
            self.mark.show()
            self.add_button.hide()
            self.open_button.show()
            self.open_button.setFocus()
            self.result.setStyleSheet("font-weight: bold;")
            self.note.setText("Thunderbird asks for your password once: let it remember it.")
            for w in (self.profile_label, self.profiles):
                w.hide()
        else:
            self.result.setStyleSheet(f"color: {fail_color(self).name()};")
            self.add_button.setText("&Try again")

    def open(self) -> None:
        profile = self._flow.thunderbird_profile
        if profile is None:
            return
        launched = open_thunderbird(profile)
        self._flow.thunderbird_opened(launched.ok, " ".join(launched.command))
        self.note.setText(launched.message)
