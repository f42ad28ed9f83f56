"""The client page: which mail program the person uses on this computer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QButtonGroup, QCheckBox, QRadioButton, QVBoxLayout

from wizard.flow import Page
from wizard.ui.pages.base import WizardPage
from wizard.ui.widgets import wrapping_label

if TYPE_CHECKING:
    from wizard.ui.pages.base import PageHost


def with_mnemonic(label: str, taken: set[str]) -> str:
    """Put "&" before the first letter no other control on the page uses yet."""
    for i, ch in enumerate(label):
        if ch.isalpha() and ch.lower() not in taken:
            taken.add(ch.lower())
            return f"{label[:i]}&{label[i:]}"
    return label


class ClientPage(WizardPage):
    """The person picks their mail program; this OS's usual ones come first, a found
    Thunderbird first of all and marked *detected*.

    Nothing is ticked that the app did not find: a guess the person does not notice would set
    up the wrong program. Next waits for a choice.
    """

    page_id = Page.CLIENT

    def __init__(self, wizard: PageHost) -> None:
        super().__init__(wizard)
        self.setTitle("Your mail program")
        lay = QVBoxLayout(self)
        lay.addWidget(
            wrapping_label("Which program do you read your mail with on this computer?", self)
        )
        lay.addSpacing(6)
        self.group = QButtonGroup(self)
        self.group.buttonToggled.connect(lambda *_: self.completeChanged.emit())
        self._chosen = False  # the person picked one on an earlier visit
        self.buttons: dict[str, QRadioButton] = {}
        taken = {"b", "n"}  # Back and Next
        for client in wizard.flow.clients:
            label = with_mnemonic(client.label, taken)
            label += "  (detected on this computer)" if client.detected else ""
            button = QRadioButton(label, self)
            button.setAccessibleName(client.label)
            self.group.addButton(button)
            self.buttons[client.id] = button
            lay.addWidget(button)
            button.setVisible(not client.retired)
        retired = [c for c in wizard.flow.clients if c.retired]
        self.show_retired = QCheckBox(
            with_mnemonic("Show programs that no longer work", taken), self
        )
        self.show_retired.setToolTip(
            ", ".join(c.label for c in retired) + ": kept for reference, they cannot get mail."
        )
        self.show_retired.toggled.connect(self._show_retired)
        self.show_retired.setVisible(bool(retired))
        lay.addSpacing(6)
        lay.addWidget(self.show_retired)
        lay.addStretch(1)

    def _show_retired(self, on: bool) -> None:
        for client in self.flow.clients:
            if client.retired:
                self.buttons[client.id].setVisible(on)

    def initializePage(self) -> None:
        chosen = next(c for c in self.flow.clients if c.id == self.flow.client_id)
        if not (self._chosen or chosen.detected or self.flow.setup_done):
            self._clear()
            return
        if chosen.retired:
            self.show_retired.setChecked(True)  # chosen before: it stays in view
        self.buttons[chosen.id].setChecked(True)

    def _clear(self) -> None:
        # A QButtonGroup keeps one button ticked; unticking needs it non-exclusive for a moment.
        self.group.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)

    def isComplete(self) -> bool:
        return any(button.isChecked() for button in self.buttons.values())

    def validatePage(self) -> bool:
        for cid, button in self.buttons.items():
            if button.isChecked():
                self.flow.choose_client(cid)
                self._chosen = True
        return self.isComplete()
