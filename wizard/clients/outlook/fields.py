"""Where each setting lives in classic Outlook's dialogs, in Outlook's own words.

File > Account Settings > Account Settings…, select the account, Change…; the first page holds
"Server Information" and "Logon Information"; More Settings… > Advanced holds the ports and
"Use the following type of encrypted connection"; More Settings… > Outgoing Server holds
"My outgoing server (SMTP) requires authentication".
"""

from __future__ import annotations

from wizard.clients.found import Difference, Setting
from wizard.services import Service

OPEN = "File > Account Settings > Account Settings…, choose the account, then Change…"
_FIELDS = {
    (Service.IMAP, Setting.HOSTNAME): "Server Information > Incoming mail server",
    (Service.SMTP, Setting.HOSTNAME): "Server Information > Outgoing mail server (SMTP)",
    (Service.IMAP, Setting.PORT): "More Settings… > Advanced > Incoming server (IMAP)",
    (Service.SMTP, Setting.PORT): "More Settings… > Advanced > Outgoing server (SMTP)",
    (Service.IMAP, Setting.SECURITY): (
        "More Settings… > Advanced > Incoming server: Use the following type of encrypted "
        "connection"
    ),
    (Service.SMTP, Setting.SECURITY): (
        "More Settings… > Advanced > Outgoing server: Use the following type of encrypted "
        "connection"
    ),
    (Service.IMAP, Setting.USERNAME): "Logon Information > User Name",
    (Service.SMTP, Setting.USERNAME): (
        "More Settings… > Outgoing Server > My outgoing server (SMTP) requires authentication: "
        "Use same settings as my incoming mail server"
    ),
    (Service.IMAP, Setting.AUTHENTICATION): (
        "Logon Information > Require logon using Secure Password Authentication (SPA): off"
    ),
    (Service.SMTP, Setting.AUTHENTICATION): (
        "More Settings… > Outgoing Server > Log on using…: Require Secure Password "
        "Authentication (SPA): off"
    ),
    (Service.IMAP, Setting.PROTOCOL): "Account Type (cannot be changed: add the account again)",
}


def dialog_field(difference: Difference) -> str:
    """The Outlook field to change for this difference."""
    return _FIELDS.get((difference.service, difference.setting), OPEN)
