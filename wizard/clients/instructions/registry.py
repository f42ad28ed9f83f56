"""Which clients have instructions, and building them by id.

One table maps ids to modules so the wizard's client menu, the handout's --clients option and the
CLI's --client option all accept the same names in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType

from wizard.clients.instructions import (
    apple_mail,
    other,
    outlook_classic,
    outlook_new,
    sieve,
    thunderbird,
    windows_mail,
)
from wizard.clients.instructions.model import (
    ClientInfo,
    ClientNotAvailableError,
    Context,
    Instructions,
    Person,
)
from wizard.errors import WizardError
from wizard.provider import Provider

_MODULES: tuple[ModuleType, ...] = (
    outlook_classic,
    outlook_new,
    windows_mail,
    apple_mail,
    thunderbird,
    other,
    sieve,
)
_INFO: dict[str, ClientInfo] = {m.INFO.client_id: m.INFO for m in _MODULES}
_BUILDERS: dict[str, Callable[[Context], Instructions]] = {
    m.INFO.client_id: m.build for m in _MODULES
}


class UnknownClientError(WizardError, ValueError):
    """No instructions exist for that client id; the message lists the ones that do."""


def all_clients(provider: Provider | None = None) -> tuple[ClientInfo, ...]:
    """Every client in menu order; with a provider, only those that apply to it."""
    return tuple(
        info
        for info in _INFO.values()
        if provider is None or not info.needs_sieve or provider.sieve is not None
    )


def client_info(client_id: str) -> ClientInfo:
    try:
        return _INFO[client_id]
    except KeyError:
        known = ", ".join(_INFO)
        raise UnknownClientError(f"unknown client {client_id!r}; choose one of: {known}") from None


def instructions_for(
    client_id: str, provider: Provider, address: str, name: str = ""
) -> Instructions:
    """Build one client's steps for this person.

    ``address`` must already be checked (wizard.address.check_address); ``name`` is the display
    name for "Your name" boxes and may be empty. Raises UnknownClientError, or
    ClientNotAvailableError when the client does not apply to this provider.
    """
    client_info(client_id)
    return _BUILDERS[client_id](Context(provider, Person(address, name)))


def instructions_for_many(
    provider: Provider, address: str, name: str = "", client_ids: Iterable[str] | None = None
) -> tuple[Instructions, ...]:
    """Several clients at once; without ids, every client that applies to the provider.

    Named ids that do not apply (sieve without a sieve server) are skipped rather than fatal,
    so a handout for "all of these" still prints.
    """
    ids = list(client_ids) if client_ids is not None else [c.client_id for c in all_clients()]
    for client_id in ids:
        client_info(client_id)
    result: list[Instructions] = []
    for client_id in ids:
        try:
            result.append(instructions_for(client_id, provider, address, name))
        except ClientNotAvailableError:
            continue
    return tuple(result)


def parse_client_list(text: str) -> tuple[str, ...]:
    """Turn "apple_mail, outlook_new" into ids, checking each; raises UnknownClientError."""
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    if not ids:
        raise UnknownClientError("no client named; choose from: " + ", ".join(_INFO))
    for client_id in ids:
        client_info(client_id)
    return ids
