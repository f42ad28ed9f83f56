"""GUI entry point: ``python -m wizard`` and the installed ``mail-setup-wizard``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

_T0 = time.perf_counter()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mail-setup-wizard", add_help=True)
    parser.add_argument("--provider", metavar="FILE", help="provider file (autoconfig XML)")
    parser.add_argument("--ca-file", metavar="PEM", help="also trust this CA certificate")
    parser.add_argument(
        "--dnsbl-server",
        metavar="HOST:PORT",
        help="ask this DNS server for the blocklist look-ups (default: the system's resolver)",
    )
    args, _qt_args = parser.parse_known_args(list(argv))
    from wizard.checks.blocklist import parse_server

    try:
        args.dnsbl_server = parse_server(args.dnsbl_server) if args.dnsbl_server else None
    except ValueError as exc:
        parser.error(f"--dnsbl-server {exc}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from wizard import APP_NAME, __version__
    from wizard.account.store import AccountStore
    from wizard.clients.thunderbird import find_profiles
    from wizard.errors import WizardError
    from wizard.flow import WizardFlow
    from wizard.provider_source import locate_provider
    from wizard.resources import resource_path
    from wizard.ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Mail Setup Wizard")
    app.setWindowIcon(QIcon(str(resource_path("icons/app-256.png"))))
    store = AccountStore()
    remembered = store.load()
    # The settings come from --provider, IT's places or the build, never from a path the
    # remembered account names: it keeps the servers themselves (wizard.account.settings).
    try:
        located = locate_provider(args.provider)
    except WizardError as exc:
        QMessageBox.critical(None, APP_NAME, f"The provider file cannot be used:\n\n{exc}")
        return 2

    from wizard.checks.options import CheckOptions
    from wizard.ui.wizard_window import MailSetupWizard

    flow = WizardFlow(
        located.provider,
        store=store,
        remembered=remembered,
        thunderbird=find_profiles(),
        send_test_message=True,
        place=located.place,
        ask_domain=True,
    )
    # The run's options, built once; each run adds only the person's test-message choice.
    options = CheckOptions(
        ca_file=Path(args.ca_file) if args.ca_file else None,
        dnsbl_server=args.dnsbl_server,
    )
    wizard = MailSetupWizard(flow, options=options)
    wizard.show()
    if os.environ.get("WIZARD_BENCH_EXIT_AFTER_FIRST_PAGE") == "1":
        # For bench/startup.py: report when the first page is on screen, then leave.
        def _report() -> None:
            ms = (time.perf_counter() - _T0) * 1000
            print(f"WIZARD_FIRST_PAGE_SHOWN {ms:.1f}", file=sys.stderr, flush=True)
            if os.environ.get("WIZARD_BENCH_LIST_MODULES") == "1":
                # For tests/test_frozen_app.py: what the first page needed, from the bundle.
                print("WIZARD_MODULES " + " ".join(sorted(sys.modules)), file=sys.stderr)
            app.quit()

        QTimer.singleShot(0, _report)
    return int(app.exec())
