"""Through the real accessibility stack: what a screen reader reaches on each page.

The wizard runs in a child process on Xvfb with Qt's AT-SPI bridge on; the test reads the tree
from the AT-SPI registry over D-Bus, as Orca does (tests/support/atspi.py). Every input and
button a person can reach has a name, and each checked thing's result is in its description.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI
from tests.support.atspi import AtspiDesktop, Node, WizardProcess, atspi_available

pytestmark = [pytest.mark.gui, pytest.mark.dovecot]

CONTROLS = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "text",
    "password text",
    "combo box",
    "spin button",
}


@pytest.fixture(scope="module")
def desktop() -> Iterator[AtspiDesktop]:
    missing = atspi_available()
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true but {missing} is not installed", pytrace=False)
        pytest.skip(f"not installed: {missing}")
    d = AtspiDesktop().start()
    yield d
    d.stop()


@pytest.fixture
def wizard_on_desktop(desktop, dovecot, tmp_path) -> Iterator[WizardProcess]:
    provider = dovecot.write_provider(tmp_path / "p.xml")
    app = desktop.start_app(str(provider), str(dovecot.ca_pem))
    yield app
    if app.proc.stdin is not None:
        app.proc.stdin.close()
    app.proc.wait(timeout=10)


def unnamed_controls(nodes: list[Node]) -> list[str]:
    return [
        f"{n.role} (description {n.description!r})"
        for n in nodes
        if n.role in CONTROLS and not n.name.strip()
    ]


def test_every_reachable_input_and_button_has_a_name_on_every_page(wizard_on_desktop):
    app = wizard_on_desktop
    seen: dict[str, list[Node]] = {}
    for state in ("welcome", "account", "check-good", "setup", "done"):
        app.command(state)
        nodes = app.showing()
        seen[state] = nodes
        assert nodes, state
        assert unnamed_controls(nodes) == [], state
    account = {n.name: n for n in seen["account"] if n.role in CONTROLS}
    assert {"Full name", "Email address", "Password"} <= set(account)
    # Pages that are not shown are not reachable (their controls are not "showing").
    assert "Full name" not in {n.name for n in seen["done"]}


def test_each_checked_thing_says_its_result_in_its_description(wizard_on_desktop):
    app = wizard_on_desktop
    app.command("check-wrong")
    nodes = app.showing()
    names = ("Receiving mail", "Sending mail", "Mail filters (optional)")
    # The row itself (a panel holding the mark, the name and the word), not its name label.
    rows = {n.name: n for n in nodes if n.name in names and n.role != "label"}
    assert set(rows) == {"Receiving mail", "Sending mail", "Mail filters (optional)"}
    for name in ("Receiving mail", "Sending mail"):
        assert "Login refused" in rows[name].description, rows[name]
    controls = {n.name: n for n in nodes if n.role in CONTROLS}
    assert "Try again" in controls and "Password" in controls
    assert unnamed_controls(nodes) == []
