"""The first page is on screen before the network and password-store stacks are imported.

Which ones and why: tests/support/startup_modules.py. Each test starts the real app
(``wizard.ui.app.main``) in a fresh interpreter, offscreen, and lists what was imported once the
first page is shown; tests/test_frozen_app.py does the same for the bundle.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.dovecot_server import GOOD_USER
from tests.support.startup_modules import deferred_loaded
from wizard.account.settings import SettingsSnapshot
from wizard.account.store import APP_DIR_NAME, AccountStore, RememberedAccount
from wizard.provider import load_default_provider

REPO = Path(__file__).resolve().parent.parent

# Builds the window through the app's own main() and, once its event loop runs (the first page
# is shown), prints the visible page's title and every imported module, then quits.
_PROBE = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard
import wizard.ui.app

app = QApplication([sys.argv[0]])

def shown():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QWizard)]
    visible = [w for w in windows if w.isVisible()]
    page = visible[0].currentPage().title() if visible else None
    mode = str(visible[0].flow.mode) if visible else None
    print(json.dumps({"page": page, "mode": mode, "modules": sorted(sys.modules)}), flush=True)
    app.quit()

QTimer.singleShot(0, shown)
sys.exit(wizard.ui.app.main([]))
"""


def _first_page(config_home: Path) -> tuple[str, str, set[str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config_home))
    env.pop("WIZARD_BENCH_EXIT_AFTER_FIRST_PAGE", None)
    r = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(r.stdout.strip().splitlines()[-1])
    return data["page"], data["mode"], set(data["modules"])


def test_first_page_is_shown_without_the_network_or_keychain_stacks(tmp_path):
    page, mode, modules = _first_page(tmp_path)
    assert page and page.startswith("Welcome"), page
    assert mode == "setup"
    assert deferred_loaded(modules) == []


@pytest.mark.parametrize("keychain_used", [False, True])
def test_diagnose_start_for_a_remembered_account_defers_them_too(tmp_path, keychain_used):
    AccountStore(tmp_path / APP_DIR_NAME).save(
        RememberedAccount(
            address=GOOD_USER,
            name="Joe Bloggs",
            provider_id="sepheo.co",
            settings=SettingsSnapshot.of(
                load_default_provider(),
                origin_kind="builtin",
                origin_where="built in",
                origin_trusted=True,
            ),
            client_id="thunderbird",
            last_good_check=None,
            keychain_used=keychain_used,
        )
    )
    page, mode, modules = _first_page(tmp_path)
    assert page and page.startswith("Welcome"), page
    assert mode == "diagnose"  # the remembered account was read
    assert deferred_loaded(modules) == []
