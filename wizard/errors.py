"""The one family of the app's own errors.

Everything the app raises on purpose (a bad provider file, an unreadable prefs.js, a check that
settled its cause, a cancel) derives from :class:`WizardError`, so the CLI and the GUI catch one
family and let anything else surface as the bug it is. Errors that callers used to catch as
``ValueError`` stay ``ValueError`` as well.
"""

from __future__ import annotations


class WizardError(Exception):
    """Base of every error the app raises on purpose; its message is safe to show."""


class BadInput(WizardError):
    """Input the person gave that cannot be used (a command-line argument, a typed value): a
    one-line message for them; the command line exits with status 2, no traceback."""
