"""The "For IT: read server logs" window, offscreen: it lists the sessions with the same
explanation as the CLI, filters by address, shows progress, stays responsive and stops when
asked; the welcome page opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QPoint, Qt, QTimer

from bench.logs import generate
from wizard.flow import WizardFlow
from wizard.provider import load_default_provider
from wizard.ui.log_reader_window import LogReaderWindow
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = pytest.mark.gui

DATA = Path(__file__).parent / "data" / "logs"
HOWTO = sorted(str(p) for p in DATA.glob("howto-*.log"))


@pytest.fixture
def window(qtbot):
    w = LogReaderWindow()
    qtbot.addWidget(w)
    w.resize(980, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


def read_and_wait(qtbot, w, timeout_ms=20000):
    with qtbot.waitSignal(w.finished_reading, timeout=timeout_ms):
        w.read_button.click()


def rows(w):
    return [
        [w.table.topLevelItem(i).text(c) for c in range(w.table.columnCount())]
        for i in range(w.table.topLevelItemCount())
    ]


def test_howto_logs_filtered_by_address_show_each_session_and_its_story(qtbot, window, screenshot):
    window.set_files(HOWTO)
    window.address.setText("joe.bloggs@sepheo.co")
    read_and_wait(qtbot, window)
    table = rows(window)
    assert sorted(r[3] for r in table) == [
        "BLOCKLISTED",
        "DEFERRED (will retry)",
        "Delivered",
        "Login OK",
    ]
    assert {r[4] for r in table} == {"joe.bloggs@sepheo.co"}
    assert window.progress.value() == window.progress.maximum()
    assert "4 sessions" in window.summary.text() and "no year" in window.summary.text()

    blocked = next(
        window.table.topLevelItem(i)
        for i in range(window.table.topLevelItemCount())
        if window.table.topLevelItem(i).text(3) == "BLOCKLISTED"
    )
    window.table.setCurrentItem(blocked)
    text = window.detail.toPlainText()
    assert "zen.spamhaus.org" in text and "still authenticated" in text
    assert "[cloudron] authenticated as : joe.bloggs@sepheo.co" in text  # the original lines
    screenshot(window, "log-reader-howto-blocklisted")


def test_empty_address_lists_everyone(qtbot, window):
    window.set_files(HOWTO)
    read_and_wait(qtbot, window)
    assert {r[4] for r in rows(window)} == {"joe.bloggs@sepheo.co", "contact@sepheo.co"}


def test_a_file_that_cannot_be_read_is_named(qtbot, window, tmp_path):
    window.set_files([*HOWTO, str(tmp_path / "gone.log")])
    read_and_wait(qtbot, window)
    assert "gone.log" in window.summary.text() and "Could not read" in window.summary.text()
    assert window.read_button.isEnabled() and not window.stop_button.isEnabled()


def test_big_log_shows_progress_keeps_the_gui_responsive_and_stops_at_once(
    qtbot, window, tmp_path, screenshot
):
    big = tmp_path / "app.log"
    generate(big, 40, users=500)
    window.set_files([str(big)])
    seen: list[int] = []
    window.progress.valueChanged.connect(seen.append)

    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer(window)
    timer.setInterval(20)

    def tick() -> None:
        gaps.append(clock.restart())

    timer.timeout.connect(tick)
    timer.start()
    window.read_button.click()  # no address: every line is parsed, which takes a while
    qtbot.waitUntil(lambda: bool(seen) and 0 < seen[-1] < window.progress.maximum(), timeout=15000)
    qtbot.waitUntil(lambda: window.table.topLevelItemCount() > 0, timeout=15000)
    screenshot(window, "log-reader-reading")
    assert window.stop_button.isEnabled()
    stopped = QElapsedTimer()
    stopped.start()
    with qtbot.waitSignal(window.finished_reading, timeout=5000):
        window.stop_button.click()
    assert stopped.elapsed() < 2000
    timer.stop()
    assert "Stopped before the end" in window.summary.text()
    assert max(gaps[2:]) < 500, gaps  # the event loop kept running while the thread read


def test_reading_again_while_reading_shows_only_the_new_read(qtbot, window, tmp_path):
    """Enter in the address field starts a new read even while one runs: the first read's
    late rows and its thread's end must not reach the new one (nor block the window)."""
    big = tmp_path / "app.log"
    generate(big, 20, users=300)
    window.set_files([str(big)])
    window.read_button.click()
    qtbot.waitUntil(lambda: window.table.topLevelItemCount() > 0, timeout=15000)
    window.set_files(HOWTO)
    window.address.setText("joe.bloggs@sepheo.co")
    clock = QElapsedTimer()
    clock.start()
    with qtbot.waitSignal(window.finished_reading, timeout=10000):
        qtbot.keyClick(window.address, Qt.Key.Key_Return)
    assert clock.elapsed() < 3000
    qtbot.wait(300)  # anything the first read left queued would have arrived by now
    assert len(rows(window)) == 4
    assert {r[4] for r in rows(window)} == {"joe.bloggs@sepheo.co"}
    assert "4 sessions" in window.summary.text()
    assert window.read_button.isEnabled() and not window.stop_button.isEnabled()


def test_rows_are_in_time_order_and_sortable_once_read(qtbot, window, tmp_path):
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    generate(logs[0], 2, users=50)
    generate(logs[1], 2, users=50)
    window.set_files([str(p) for p in logs])
    table_before: list[list[str]] = []
    with qtbot.waitSignal(window.finished_reading, timeout=20000):
        window.read_button.click()
        assert not window.table.is_sortable()  # while rows arrive, they stay in time order
    times = [r[0] for r in rows(window)]
    assert len(times) > 100 and times == sorted(times)
    assert window.table.is_sortable()
    table_before = rows(window)
    header = window.table.header()
    x = header.sectionViewportPosition(3) + header.sectionSize(3) // 2
    middle = QPoint(x, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    outcomes = [r[3] for r in rows(window)]
    assert outcomes == sorted(outcomes) and outcomes != [r[3] for r in table_before]
    first = window.table.topLevelItem(0)
    window.table.setCurrentItem(first)
    assert first.text(4) in window.detail.toPlainText()


def test_welcome_page_opens_the_log_reader_with_the_remembered_address(qtbot):
    wiz = MailSetupWizard(WizardFlow(load_default_provider(), platform="linux"))
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    page = wiz.welcome_page
    assert page.logs_button.isVisible()
    assert "For IT" in page.logs_button.text()
    qtbot.mouseClick(page.logs_button, Qt.MouseButton.LeftButton)
    reader = page.log_reader
    assert reader is not None and reader.isVisible()
    assert reader.windowTitle() == "For IT: read server logs"
    reader.close()


def test_a_saved_report_marks_its_attempt(qtbot, window, tmp_path, screenshot):
    import json

    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "address": "joe.bloggs@sepheo.co",
                "checks": [
                    {
                        "service": "smtp",
                        "username": "joe.bloggs@sepheo.co",
                        "ok": True,
                        "started_at": "2020-12-01T22:15:10+00:00",
                        "duration_ms": 2500,
                        "local": ["192.168.0.54", 50123],
                    }
                ],
            }
        )
    )
    window.set_files(HOWTO)
    window.set_report(str(report))
    read_and_wait(qtbot, window)
    (row,) = rows(window)  # the report alone: only its attempt
    assert row[3] == "► Delivered"
    assert "1 of the report's 1 attempts found" in window.summary.text()
    assert "This is the login attempt from the report" in window.detail.toPlainText()
    screenshot(window, "log-reader-report")


def test_a_file_that_is_not_a_report_is_named(qtbot, window, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    window.set_report(str(bad))
    assert window.report is None and "notes.txt" in window.summary.text()


def test_sessions_are_in_time_order_with_one_date_format_and_text_meets_aa(
    qtbot, window, screenshot
):
    import re

    from PySide6.QtGui import QPalette

    from tests.support.looks import contrast, low_contrast

    window.set_files(list(reversed(HOWTO)))  # files in another order than the times
    read_and_wait(qtbot, window)
    times = [r[0] for r in rows(window)]
    assert all(re.fullmatch(r"(\d{4}|-)-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in times), times
    dated = [t for t in times if t[0].isdigit()]
    assert dated == sorted(dated) and len(dated) >= 3
    # Year-less (syslog) rows first, then the dated ones: never interleaved.
    assert times == [t for t in times if not t[0].isdigit()] + dated
    window.table.setCurrentItem(window.table.topLevelItem(1))
    pal = window.table.palette()
    selected = contrast(
        pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText),
        pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight),
    )
    assert selected >= 4.5
    # The percentage is a label beside the bar (AA on the window), not text across the bar.
    assert not window.progress.isTextVisible() and window.progress_text.text() == "100 %"
    assert low_contrast(window) == []
    screenshot(window, "log-reader-time-order")


def test_a_long_file_list_is_cut_with_an_ellipsis_and_kept_whole_in_the_tooltip(window):
    names = [f"/var/log/mail/very-long-dovecot-log-name-{i:02d}.log" for i in range(12)]
    window.set_files(names)
    shown = window.files_label.text()
    assert shown.endswith("…") and len(shown) < len(window.files_label.full_text())
    assert window.files_label.fontMetrics().horizontalAdvance(shown) <= window.files_label.width()
    assert window.files_label.toolTip().splitlines() == names
