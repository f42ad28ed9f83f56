"""The question the checking run waits for when the settings are not IT's word (issue 27).

Shown in place of the check on the checking page: the organisation the settings claim, the
servers' registrable domains in full, *Send my password to …* and *Don't send it*. Nothing is
sent until *Send*; *Don't send it* leaves the page with nothing sent and says so. The words
come from wizard.ui_text.trust, the rule from wizard.origin_gate.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from wizard.ui.widgets import wrapping_label
from wizard.ui_text.trust import REFUSED, ConfirmText


class OriginConfirmation(QFrame):
    """Asks once per set of servers; ``send`` or ``refuse`` says what the person chose."""

    send = Signal()
    refuse = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("originConfirmation")
        self.setAccessibleName("Settings not from IT")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        self.body = wrapping_label("", self)
        lay.addWidget(self.body)
        buttons = QHBoxLayout()
        self.send_button = QPushButton("", self)
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self.send.emit)
        self.refuse_button = QPushButton("", self)
        self.refuse_button.setAutoDefault(False)
        self.refuse_button.clicked.connect(self._refused)
        buttons.addWidget(self.refuse_button)
        buttons.addWidget(self.send_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self._refused_text = REFUSED
        self.hide()

    def ask(self, words: ConfirmText) -> None:
        self.body.setText(words.body)
        self.send_button.setText(words.send)
        self.refuse_button.setText(words.refuse)
        self._refused_text = words.refused or REFUSED
        self.send_button.show()
        self.refuse_button.show()
        self.show()
        # The safe answer has the focus: Enter or Space never sends the password.
        self.refuse_button.setFocus()

    def _refused(self) -> None:
        self.body.setText(self._refused_text)
        self.send_button.hide()
        self.refuse_button.hide()
        self.refuse.emit()
