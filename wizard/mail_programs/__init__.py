"""What the person's own mail program is set to, compared with the provider's (no Qt here).

``wizard.clients.found`` holds the program-neutral facts (one account as a program keeps it, a
difference), below the readers; ``model`` what the look found;
the readers live with each program (``wizard.clients.thunderbird.reader``,
``wizard.clients.outlook``); ``compare`` turns an account into differences explained in the
person's words; ``look`` finds every account for the address on this computer; ``render`` puts
the findings into the report (text and JSON).
"""
