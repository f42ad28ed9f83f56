"""One primary action per page: accent-coloured, the dialog's default button and the focus.

QWizard makes Next (or Finish) the default by itself, so Enter pressed Next even where the
page's own main button ("Add to Thunderbird", "Try again") was what the person had to do
next. The window turns that off (``NoDefaultButton``) and every page names its main action
through :func:`show_primary`; with none named, Next (or Finish on the last page) is it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPushButton, QWidget, QWizard

from wizard.ui.style import is_primary, set_primary


def navigation_primary(wizard: QWizard, last_page: bool) -> QPushButton | None:
    which = QWizard.WizardButton.FinishButton if last_page else QWizard.WizardButton.NextButton
    button = wizard.button(which)
    return button if isinstance(button, QPushButton) else None


def show_primary(
    wizard: QWizard, page: QWidget, own: QPushButton | None, *, last_page: bool
) -> QPushButton | None:
    """Make ``own`` (or Next/Finish) the one accent-coloured default button; return it."""
    target = own if own is not None and own.isVisible() else navigation_primary(wizard, last_page)
    for button in wizard.findChildren(QPushButton):
        if button is not target and (is_primary(button) or button.isDefault()):
            set_primary(button, False)
            button.setDefault(False)
    if target is None:
        return None
    set_primary(target, True)
    target.setDefault(True)
    focus = wizard.focusWidget()
    typing = isinstance(focus, QLineEdit) and page.isAncestorOf(focus)
    # The focus goes to the main action unless the person is typing in one of the page's fields
    # (Enter there presses the default button anyway).
    if not typing and not _is_page_choice(focus, page) and target.isEnabled():
        target.setFocus()
    return target


def _is_page_choice(focus: QWidget | None, page: QWidget) -> bool:
    """A check box or radio button of the page has the focus: the person is choosing."""
    return (
        isinstance(focus, QAbstractButton)
        and not isinstance(focus, QPushButton)
        and page.isAncestorOf(focus)
    )
