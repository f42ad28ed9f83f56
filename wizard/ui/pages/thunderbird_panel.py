"""The set-up page's Thunderbird part: *Add to Thunderbird* first, then a tick and *Open*."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wizard import APP_NAME
from wizard.clients.thunderbird import ProfileSearch, find_profiles
from wizard.clients.thunderbird.launch import open_thunderbird
from wizard.flow import WizardFlow
from wizard.ui.widgets import StatusMark, fail_color, secondary_label, wrapping_label
from wizard.ui_text.setup import (
    ADD_LABEL,
    BEFORE_ADDING,
    CHECK_AGAIN_LABEL,
    NOT_INSTALLED,
    OPEN_LABEL,
    write_outcome,
)


class ThunderbirdPanel(QWidget):
    """One big button that writes the account; after it worked, a tick and *Open Thunderbird*.

    Which profile is asked only when there is more than one. What was written where (account
    key, backup file) goes to the report, not onto this panel. When Thunderbird has no profile
    yet the person is sent to start it once; *Check again* (and coming back to the window)
    looks again.
    """

    # The panel's main action changed (Add, then Open, then none): the page repaints its default.
    primary_changed = Signal()
    # Profiles were looked for again: the page folds or unfolds the manual steps.
    looked_again = Signal()

    def __init__(self, flow: WizardFlow, parent: QWidget) -> None:
        super().__init__(parent)
        self._flow = flow
        # Where profiles are looked for again; tests point it at their own home folder.
        self.rescan: Callable[[], ProfileSearch] = find_profiles
        self._search: ProfileSearch | None = flow.thunderbird
        self._opened = False
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
        self.mark = StatusMark(self)
        self.result = wrapping_label("", self)
        done_row.addWidget(self.mark)
        done_row.addWidget(self.result, 1)
        lay.addLayout(done_row)
        actions = QHBoxLayout()
        self.add_button = QPushButton(ADD_LABEL, self)
        self.open_button = QPushButton(OPEN_LABEL, self)
        self.check_again_button = QPushButton(CHECK_AGAIN_LABEL, self)
        self.check_again_button.setAutoDefault(False)
        self.check_again_button.clicked.connect(self._check_again_pressed)
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
        actions.addWidget(self.check_again_button)
        actions.addStretch(1)
        lay.addLayout(actions)
        self.note = secondary_label("", self)
        lay.addWidget(self.note)

    @property
    def found(self) -> bool:
        search = self._search
        return search is not None and search.found

    @property
    def waiting_for_thunderbird(self) -> bool:
        """The person was sent to start Thunderbird once; the panel looks again on return."""
        return self.check_again_button.isVisible()

    def primary(self) -> QPushButton | None:
        """Add, then Open (until pressed), or Check again; None when Next is the main action."""
        for button in (self.add_button, self.check_again_button):
            if button.isVisible():
                return button
        if self.open_button.isVisible() and not self._opened:
            return self.open_button
        return None

    def _check_again_pressed(self) -> None:
        self.check_again()
        self.looked_again.emit()

    def check_again(self) -> None:
        """Look for Thunderbird's profiles again (the person may have started it meanwhile)."""
        self._search = self.rescan()
        self.refresh()
        if not self.found:
            self.note.setText("Still no Thunderbird profile on this computer.")

    def refresh(self) -> None:
        search = self._search
        self.profiles.clear()
        self.result.setStyleSheet("")
        self.mark.hide()
        self.open_button.hide()
        self.check_again_button.hide()
        self.note.setText("")
        if search is None or not search.found:
            self.intro.hide()
            self.result.setText(NOT_INSTALLED)
            self.result.show()
            for w in (self.profile_label, self.profiles, self.add_button):
                w.hide()
            self.check_again_button.show()
            self.primary_changed.emit()
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
        self.primary_changed.emit()

    def add_account(self) -> None:
        path = self.profiles.currentData()
        if not path:
            return
        result = self._flow.write_thunderbird(Path(path))
        self.result.setText(write_outcome(result))
        self.result.show()
        if result.ok:
            self.intro.hide()
            self.mark.set_ok("Added")
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
        self.primary_changed.emit()

    def open(self) -> None:
        profile = self._flow.thunderbird_profile
        if profile is None:
            return
        launched = open_thunderbird(profile)
        self._flow.thunderbird_opened(launched.ok, " ".join(launched.command))
        self.note.setText(launched.message)
        self._opened = launched.ok
        self.primary_changed.emit()  # opened: Next is the main action now
