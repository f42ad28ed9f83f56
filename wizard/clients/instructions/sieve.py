"""Server-side filters over ManageSieve, for clients or add-ons that speak it.

Filters kept on the server apply to every device at once, which is why the reference how-to
recommends them over per-client rules. Only offered when the provider file names a sieve server.
"""

from __future__ import annotations

from wizard.clients.instructions.model import (
    ClientInfo,
    ClientNotAvailableError,
    Context,
    Field,
    Instructions,
    InstructionStep,
    choice,
    port_field,
)
from wizard.services import Security

CLIENT_ID = "sieve"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title="Mail filters (Sieve)",
    platform="Any",
    summary="Filter rules kept on the server, for apps and add-ons that support ManageSieve.",
    needs_sieve=True,
)


class NoSieveServerError(ClientNotAvailableError):
    """The provider file has no <manageSieveServer>, so there is nothing to set up."""


def security_word(security: Security) -> str:
    return {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "None"}[
        security
    ]


def build(ctx: Context) -> Instructions:
    sieve = ctx.provider.sieve
    if sieve is None:
        raise NoSieveServerError(f"{ctx.provider.display_name} has no filter (Sieve) server")
    steps = (
        InstructionStep(
            "In your filter app or add-on (one that supports ManageSieve), add a new server "
            "or account."
        ),
        InstructionStep(
            "Enter these settings:",
            (
                Field("Server", sieve.hostname),
                port_field("Port", sieve),
                choice("Security", security_word(sieve.security)),
                Field("Username", ctx.login(sieve), hint=ctx.login_hint(sieve)),
                ctx.password_field(),
            ),
        ),
        InstructionStep(
            "Connect. Create or edit a filter script, then make it the active one: the server "
            "runs only the active script."
        ),
    )
    return Instructions(
        client_id=CLIENT_ID,
        title="Mail filters (Sieve)",
        intro=(
            "Filters stored on the server sort your mail before any app sees it, so the same "
            "rules work on your computer, your phone and the web. Many mail apps can manage them "
            "directly or with an add-on that supports ManageSieve."
        ),
        steps=steps,
        notes=(
            f"Sieve uses its own port, {sieve.port}; if your network blocks it, filters cannot "
            "be edited from there, but existing filters keep working.",
        ),
    )
