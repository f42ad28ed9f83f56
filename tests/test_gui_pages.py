"""The page table binds every page of the flow to exactly one Qt class."""

from __future__ import annotations

import sys

import pytest

from wizard.flow import PAGES, WizardFlow
from wizard.provider import load_default_provider
from wizard.ui.pages import PAGE_CLASSES
from wizard.ui.wizard_window import MailSetupWizard

pytestmark = pytest.mark.gui


def test_every_page_of_the_flow_has_one_qt_class_in_the_same_order():
    assert list(PAGE_CLASSES) == list(PAGES)
    assert len(set(PAGE_CLASSES.values())) == len(PAGES)
    for page_id, cls in PAGE_CLASSES.items():
        assert cls.page_id is page_id and cls.__doc__


def test_the_window_is_built_from_the_table_and_follows_its_next_rules(qtbot):
    wiz = MailSetupWizard(WizardFlow(load_default_provider()))
    qtbot.addWidget(wiz)
    # Shown like every GUI test: a never-shown window still has Polish events queued when it
    # is collected, and Qt would deliver them to freed widgets.
    wiz.show()
    qtbot.waitExposed(wiz)
    # QWizard lists its ids sorted; the order the pages come in is the next rules' (below).
    assert sorted(wiz.pageIds()) == sorted(int(p) for p in PAGES)
    for page_id, page in wiz.pages.items():
        assert type(page) is PAGE_CLASSES[page_id]
        nxt = wiz.flow.next_page(page_id)
        assert page.nextId() == (-1 if nxt is None else int(nxt))


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12")
def test_pyside_bool_refcount_leak_that_conftest_works_around_is_still_there(qtbot):
    """If this fails, PySide fixed the leak: drop wizard/ui/pyside_workarounds.py."""
    from PySide6.QtWidgets import QWizard, QWizardPage

    class Page(QWizardPage):
        def isComplete(self) -> bool:
            return True

    wiz = QWizard()
    qtbot.addWidget(wiz)
    page = Page()
    wiz.addPage(page)
    before = sys.getrefcount(True)
    for _ in range(200):
        page.completeChanged.emit()
    assert before - sys.getrefcount(True) >= 150


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_pyside_none_refcount_leak_that_the_style_works_around_is_still_there(qtbot):
    """If this fails, PySide fixed the leak: drop None from wizard/ui/pyside_workarounds.py."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    from wizard.ui.style import install_style

    install_style(QApplication.instance())
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    before = sys.getrefcount(None)
    for _ in range(200):
        edit.repaint()  # the app's style draws its frame in a Python drawPrimitive
    assert before - sys.getrefcount(None) >= 150
    assert sys.getrefcount(None) > 1 << 39  # raised once at start-up: it cannot reach zero
