"""Step-by-step set-up instructions for each mail client, as data (no Qt).

Use ``all_clients()`` for a menu and ``instructions_for(client_id, provider, address, name)``
for the steps; ``render_text`` turns them into plain text.
"""

from __future__ import annotations

from wizard.clients.instructions.model import (
    CHECKED,
    UNCHECKED,
    ClientInfo,
    ClientNotAvailableError,
    Field,
    FieldKind,
    Instructions,
    InstructionStep,
)
from wizard.clients.instructions.registry import (
    UnknownClientError,
    all_clients,
    client_info,
    instructions_for,
    instructions_for_many,
    parse_client_list,
)
from wizard.clients.instructions.text import render_text

__all__ = [
    "CHECKED",
    "UNCHECKED",
    "ClientInfo",
    "ClientNotAvailableError",
    "Field",
    "FieldKind",
    "InstructionStep",
    "Instructions",
    "UnknownClientError",
    "all_clients",
    "client_info",
    "instructions_for",
    "instructions_for_many",
    "parse_client_list",
    "render_text",
]
