"""The wizard as a child process for the accessibility tests, moved on by commands on stdin.

``python -m tests.support.a11y_app PROVIDER.xml CA.pem`` shows the wizard on the xcb platform;
each line on stdin names a state to reach (``account``, ``check-good``, ``check-wrong``,
``check-short``, ``setup``, ``done``) and is answered with ``READY <state>`` on stdout once the
window shows it. Test passwords only: the real one never reaches a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER
from wizard.checks.options import CheckOptions
from wizard.flow import WizardFlow
from wizard.provider import load_provider
from wizard.ui.wizard_window import MailSetupWizard


def main() -> int:
    provider_file, ca_file = Path(sys.argv[1]), Path(sys.argv[2])
    app = QApplication([sys.argv[0]])
    wiz = MailSetupWizard(
        WizardFlow(load_provider(provider_file), platform="linux"),
        options=CheckOptions(ca_file=ca_file),
    )
    wiz.resize(800, 640)
    wiz.show()

    def answer(state: str) -> None:
        QTimer.singleShot(300, lambda: print(f"READY {state}", flush=True))

    def fill(password: str) -> None:
        if wiz.currentId() == 0:
            wiz.next()
        page = wiz.account_page
        page.name.setText("Joe Bloggs")
        page.address.setText(GOOD_USER)
        page.password.setText(password)

    def check(password: str, state: str) -> None:
        fill(password)
        checking = wiz.checking_page

        def finished() -> None:
            checking.checks_done.disconnect(finished)
            answer(state)

        checking.checks_done.connect(finished)
        wiz.next()

    def on_line() -> None:
        line = sys.stdin.readline().strip()
        if not line:
            app.quit()
            return
        if line == "welcome":
            answer(line)
        elif line == "account":
            fill(GOOD_PASSWORD)
            answer(line)
        elif line == "check-good":
            check(GOOD_PASSWORD, line)
        elif line == "check-wrong":
            check("definitely-wrong", line)
        elif line in ("setup", "done"):
            wiz.next()
            answer(line)
        else:
            print(f"UNKNOWN {line}", flush=True)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_line)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
