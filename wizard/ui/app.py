"""GUI entry point (placeholder until the wizard pages land)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    label = QLabel("Mail Setup Wizard")
    label.show()
    return int(app.exec())
