"""Secrets some servers write into their own logs, masked before a line is shown or saved.

Haraka logs every line a client sends that is not a command it knows as
``hook=unrecognized_command … params="…"`` — and the answer to an AUTH LOGIN or PLAIN
challenge is such a line: the base64 login or password. Dovecot with
``auth_verbose_passwords`` adds ``(given password: …)`` or a hash of it. The log files are
IT's own; what this app prints, shows or saves still carries no password.
"""

from __future__ import annotations

import re

MASK = "********"

_HOOK_PARAMS = re.compile(r'(hook=unrecognized_command\b.*?\bparams=)("[^"]*"|\S+)')
# What a client may send that is a command, not a secret (SMTP verbs, any case).
_VERB = re.compile(r'"?[A-Za-z]{4,10}"?')
_GIVEN = re.compile(r"\((?:SHA1 of )?given password: [^)]*\)")


def redact(line: str) -> str:
    if "unrecognized_command" in line and "params=" in line:
        m = _HOOK_PARAMS.search(line)
        if m and not _VERB.fullmatch(m.group(2)):
            line = line[: m.start(2)] + f'"{MASK}"' + line[m.end(2) :]
    if "given password" in line:
        line = _GIVEN.sub(f"(given password: {MASK})", line)
    return line
