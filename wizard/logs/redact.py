"""Secrets some servers write into their own logs, masked before a line is shown or saved.

Haraka logs every line a client sends that is not a command it knows as
``hook=unrecognized_command … params="…"`` — and the answer to an AUTH LOGIN or PLAIN
challenge is such a line: the base64 login or password. Dovecot with
``auth_verbose_passwords`` adds ``(given password: …)`` or a hash of it. The log files are
IT's own; what this app prints, shows or saves still carries no password.
"""

from __future__ import annotations

import re

from wizard.servers import dovecot, haraka

MASK = "********"

_HOOK_PARAMS = re.compile(rf'(hook={haraka.UNRECOGNIZED_COMMAND}\b.*?\bparams=)("[^"]*"|\S+)')
# What a client may send that is a command, not a secret (SMTP verbs, any case).
_VERB = re.compile(r'"?[A-Za-z]{4,10}"?')
_GIVEN = re.compile(rf"\((?:SHA1 of )?{dovecot.GIVEN_PASSWORD}: [^)]*\)")


def redact(line: str) -> str:
    if haraka.UNRECOGNIZED_COMMAND in line and "params=" in line:
        m = _HOOK_PARAMS.search(line)
        if m and not _VERB.fullmatch(m.group(2)):
            line = line[: m.start(2)] + f'"{MASK}"' + line[m.end(2) :]
    if dovecot.GIVEN_PASSWORD in line:
        line = _GIVEN.sub(f"({dovecot.GIVEN_PASSWORD}: {MASK})", line)
    return line
