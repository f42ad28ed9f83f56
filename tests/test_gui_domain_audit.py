"""The "For IT: check our domain" window, offscreen: the welcome page opens it, it runs the
audit off the GUI thread and shows every finding and every program's verdict, Stop gives the
window back at once, a bad domain changes nothing, and Save the kit writes the kit."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from tests.support.dovecot_server import DovecotServer
from tests.support.kit_site import KitSite
from tests.test_audit_kit import (  # noqa: F401 - the fixtures, shared
    DOMAIN,
    gather_for,
    kit_provider,
    mail_server,
    options_for,
    route_for,
    site,
)
from wizard.audit.run import run_audit
from wizard.checks.options import CheckOptions
from wizard.flow import WizardFlow
from wizard.provider import load_default_provider
from wizard.ui.domain_audit_window import DomainAuditWindow
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = pytest.mark.gui


def rows(tree):
    return [
        [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
        for i in range(tree.topLevelItemCount())
    ]


def test_welcome_page_opens_the_domain_check_next_to_the_log_reader(qtbot):
    wiz = MailSetupWizard(WizardFlow(load_default_provider(), platform="linux"))
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    page = wiz.welcome_page
    assert page.domain_button.isVisible() and "For IT" in page.domain_button.text()
    qtbot.mouseClick(page.domain_button, Qt.MouseButton.LeftButton)
    window = page.domain_audit
    assert window is not None and window.isVisible()
    assert window.windowTitle() == "For IT: check our domain"
    assert window.domain.text() == "sepheo.co"
    window.close()


def test_the_window_shows_the_audit_of_the_kits_domain_and_stays_responsive(
    qtbot,
    site: KitSite,  # noqa: F811 - the fixture imported above
    mail_server: DovecotServer,  # noqa: F811
    screenshot,
):
    route = route_for(site, mail_server)
    ask = gather_for(site, mail_server)

    def runner(domain, options, provider, cancel, progress):
        return run_audit(
            domain, options, ask, provider=provider, cancel=cancel, progress=progress, route=route
        )

    window = DomainAuditWindow(
        kit_provider(), options=options_for(site, mail_server), runner=runner
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer(window)
    timer.setInterval(20)
    timer.timeout.connect(lambda: gaps.append(clock.restart()))
    timer.start()
    with qtbot.waitSignal(window.finished_checking, timeout=20000):
        window.check_button.click()
        assert not window.check_button.isEnabled() and window.stop_button.isEnabled()
    timer.stop()
    found = {r[1]: r for r in rows(window.findings)}
    assert found[f"SRV _imaps._tcp.{DOMAIN}"][0] == "✔ right"
    assert found["IMAP on my.sepheo.co port 993"][0] == "✔ right"
    assert found["autoconfig over HTTPS"][0] == "✔ right"
    programs = {r[1]: r for r in rows(window.programs)}
    assert programs["Thunderbird (desktop)"][0] == "✔ right"
    assert programs["Apple Mail (macOS, iOS)"][0] == "– n/a"
    assert window.check_button.isEnabled() and not window.stop_button.isEnabled()
    assert max(gaps[2:] or [0]) < 500, gaps
    screenshot(window, "domain-audit")


def test_stop_gives_the_window_back_at_once_and_the_late_answer_is_dropped(qtbot):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a resolver that never answers
    silent.bind(("127.0.0.1", 0))
    options = CheckOptions(timeout=2.0, dns_server=("127.0.0.1", silent.getsockname()[1]))
    window = DomainAuditWindow(kit_provider(), options=options)
    qtbot.addWidget(window)
    window.show()
    try:
        window.check_button.click()
        qtbot.wait(300)
        clock = QElapsedTimer()
        clock.start()
        window.stop_button.click()
        assert clock.elapsed() < 200
        assert window.check_button.isEnabled() and window.status.text() == "Stopped"
        qtbot.waitUntil(lambda: not window.is_checking(), timeout=15000)
        assert window.findings.topLevelItemCount() == 0
        assert window.status.text() == "Stopped"
    finally:
        window.stop()
        silent.close()


def test_a_bad_domain_is_refused_in_the_window_and_nothing_runs(qtbot):
    window = DomainAuditWindow(kit_provider())
    qtbot.addWidget(window)
    window.domain.setText("not a domain")
    window.check_button.click()
    assert "is not a domain name" in window.status.text()
    assert not window.is_checking() and window.check_button.isEnabled()


def test_save_the_kit_writes_every_file_for_the_domain(qtbot, tmp_path: Path):
    window = DomainAuditWindow(kit_provider())
    qtbot.addWidget(window)
    written = window.save_kit(tmp_path / "kit")
    names = {p.name for p in written}
    assert {"config-v1.1.xml", "autodiscover.xml", "dns-records.zone", "README.txt"} <= names
    assert "Saved 9 files" in window.status.text()
    window.domain.setText("other.example")
    assert window.save_kit(tmp_path / "other") == []
    assert "does not cover other.example" in window.status.text()
