"""The set-up page: the chosen mail program's steps, or the wizard doing them itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from wizard.clients.instructions import all_clients, instructions_for
from wizard.flow import Page
from wizard.mobileconfig import install_instructions, profile_filename, write_profile
from wizard.ui.instructions_view import InstructionsView
from wizard.ui.pages.base import WizardPage
from wizard.ui.pages.thunderbird_panel import ThunderbirdPanel
from wizard.ui.widgets import wrapping_label
from wizard.ui_text.setup import BY_HAND_LABEL

if TYPE_CHECKING:
    from wizard.ui.pages.base import PageHost


class SetupPage(WizardPage):
    """The person follows numbered steps in their mail program's own words, copying each value.

    For Thunderbird the page is one button, *Add to Thunderbird*, with the manual steps folded
    under *Set up by hand instead*; for Apple Mail they can save a configuration profile.
    """

    page_id = Page.SETUP

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self.setTitle("Set up your mail program")  # named after the program once it is chosen
        lay = QVBoxLayout(self)
        self.thunderbird = ThunderbirdPanel(wizard.flow, self)
        self.thunderbird.primary_changed.connect(self.primary_changed)
        self.thunderbird.looked_again.connect(self._show_fold)
        lay.addWidget(self.thunderbird)
        # In a widget of its own so that, hidden, the row leaves no empty band.
        self.action_box = QWidget(self)
        self.action_row = QHBoxLayout(self.action_box)
        self.action_row.setContentsMargins(0, 0, 0, 0)
        self.profile_button = QPushButton("Save &configuration profile…", self)
        self.profile_button.setAutoDefault(False)
        self.profile_button.clicked.connect(self.save_profile)
        self.action_row.addWidget(self.profile_button)
        self.action_row.addStretch(1)
        lay.addWidget(self.action_box)
        self.status = wrapping_label("", self)
        lay.addWidget(self.status)
        self.by_hand = QToolButton(self)
        self.by_hand.setText(BY_HAND_LABEL)
        self.by_hand.setCheckable(True)
        self.by_hand.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.by_hand.setArrowType(Qt.ArrowType.RightArrow)
        self.by_hand.setAutoRaise(True)
        self.by_hand.toggled.connect(self._fold)
        lay.addWidget(self.by_hand)
        self.view = InstructionsView(self)
        lay.addWidget(self.view, 1)
        lay.addStretch(0)

    def initializePage(self) -> None:
        flow = self.flow
        self.setTitle(f"Set up {flow.client_label}")
        self.status.setText("")
        known = {info.client_id for info in all_clients(flow.provider)}
        client = flow.client_id if flow.client_id in known else "other"
        ins = instructions_for(client, flow.provider, flow.account.address, flow.account.name)
        self.view.show_instructions(ins)
        self.action_box.setVisible(flow.client_id == "apple_mail")
        self.status.hide()
        tb = flow.client_id == "thunderbird"
        self.thunderbird.setVisible(tb)
        if tb:
            self.thunderbird.refresh()
        self._show_fold()
        flow.instructions_shown()

    def primary_button(self) -> QPushButton | None:
        """Add to Thunderbird, then Open Thunderbird, or Check again; else Next."""
        if self.thunderbird.isVisible():
            return self.thunderbird.primary()
        return None

    def changeEvent(self, event: QEvent) -> None:
        """Back to this window after starting Thunderbird elsewhere: look for it again."""
        super().changeEvent(event)
        if (
            event.type() is QEvent.Type.ActivationChange
            and self.isActiveWindow()
            and self.isVisible()
            and self.thunderbird.isVisible()
            and self.thunderbird.waiting_for_thunderbird
            and self.flow.thunderbird is not None  # profiles were looked for in this run
        ):
            self._check_thunderbird_again()

    def _check_thunderbird_again(self) -> None:
        self.thunderbird.check_again()
        self._show_fold()

    def _show_fold(self) -> None:
        # With a profile to write to, the manual steps are the fallback: folded away.
        foldable = self.flow.client_id == "thunderbird" and self.thunderbird.found
        self.by_hand.setVisible(foldable)
        self.by_hand.setChecked(False)
        self._fold(not foldable)

    def _fold(self, shown: bool) -> None:
        self.view.setVisible(shown)
        self.by_hand.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        # Folded, the panel stays at the top instead of floating in the middle.
        layout.setStretch(layout.count() - 1, 0 if shown else 1)

    def save_profile(self) -> None:
        flow = self.flow
        org = flow.provider.branding.organization
        default = profile_filename(flow.account.address, org)
        path, _ = QFileDialog.getSaveFileName(
            self, "Save configuration profile", default, "Configuration profiles (*.mobileconfig)"
        )
        if not path:
            return
        try:
            write_profile(Path(path), flow.provider, flow.account.address, flow.account.name)
        except OSError as exc:
            self.status.setText(f"Could not save the profile: {exc.strerror or exc}")
            self.status.show()
            return
        self.view.show_instructions(
            install_instructions(flow.provider, flow.account.address, flow.account.name)
        )
        self.status.setText(f"Saved {path}. Install it like this:")
        self.status.show()
        flow.mail_profile_saved(path)
