"""Work-arounds for bugs in the PySide6 release we ship, each to be dropped when it is fixed.

PySide6 6.12 drops one reference to ``True`` each time a Python override of a C++ virtual
returns it (``QWizardPage.isComplete``, asked on every keystroke through ``completeChanged``)
and each time a Python-defined ``Signal(bool)`` is emitted with it; and one reference to
``None`` each time a Python override of a ``void`` virtual returns (the style's
``drawPrimitive``, every ``paintEvent``): about fifteen per repaint of a text field. Before
Python 3.12 these are ordinary objects with a few thousand references at start-up, so a long
session (or a long GUI test run) would free them and abort ("bool_dealloc", "none_dealloc").
References held by a list would be released again at exit, so the count itself is raised once,
never lowered: they then outlive the process, as in a build without the bug.
``tests/test_gui_pages.py`` fails once PySide stops leaking, so this can then go.
"""

from __future__ import annotations

import ctypes
import sys

# A trillion: at fifteen per repaint, far more repaints than any session makes.
_RAISE_BY = 1 << 40
_done = False


def keep_singletons_alive() -> None:
    """Idempotent; a no-op from Python 3.12, where None, True and False are immortal."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return
    for value in (None, True, False):
        # ob_refcnt is the first field of every CPython object header.
        ctypes.c_ssize_t.from_address(id(value)).value += _RAISE_BY
    _done = True
