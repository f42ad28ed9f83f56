"""The new Outlook for Windows: adding an IMAP account by hand.

Microsoft reworks this app's screens often, so the steps name the controls by the words the app
used when they were written and say so; the values are what matters. The new Outlook syncs IMAP
accounts through Microsoft's cloud, which changes how problems look, hence the note about it.
"""

from __future__ import annotations

from wizard.clients.instructions.model import (
    ClientInfo,
    Context,
    Field,
    Instructions,
    InstructionStep,
    choice,
    plain_text_warning,
    port_field,
)
from wizard.provider import ServerSettings
from wizard.services import Security
from wizard.words import PROGRAM_NAMES

CLIENT_ID = "outlook_new"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title=PROGRAM_NAMES[CLIENT_ID],
    platform="Windows",
    summary="The free Outlook app that replaced Windows Mail, and the “New Outlook” switch.",
)


def security_word(security: Security) -> str:
    """The "Secure connection type" list."""
    return {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "None"}[
        security
    ]


def _server_fields(kind: str, direction: str, server: ServerSettings, ctx: Context) -> list[Field]:
    return [
        Field(f"{kind} username", ctx.login(server), hint=ctx.login_hint(server)),
        ctx.password_field(f"{kind} password"),
        Field(f"{kind} {direction} server", server.hostname),
        port_field("Port", server),
        choice(
            "Secure connection type",
            security_word(server.security),
            hint="The list may write it with other capitals or add “(recommended)”.",
        ),
    ]


def build(ctx: Context) -> Instructions:
    imap, smtp = ctx.provider.imap, ctx.provider.smtp
    steps = (
        InstructionStep(
            "Open Outlook. Choose Settings (the gear icon, top right) > Accounts > Email "
            "accounts, then “Add account”."
        ),
        InstructionStep(
            "Type your email address and click Continue.", (Field("Email address", ctx.address),)
        ),
        InstructionStep(
            "If Outlook asks which kind of account this is, choose IMAP. If it jumps straight "
            "to a password or sign-in page, go back and look for the advanced or manual "
            "set-up link instead.",
            (choice("Account type", "IMAP"),),
        ),
        InstructionStep(
            "The IMAP form opens. Click “Show more” if the server boxes are hidden, then fill "
            "in the incoming server:",
            (
                Field("Display name", ctx.person.display_name),
                *_server_fields("IMAP", "incoming", imap, ctx),
            ),
        ),
        InstructionStep(
            "Then the outgoing server:", tuple(_server_fields("SMTP", "outgoing", smtp, ctx))
        ),
        InstructionStep(
            "Click Continue. Outlook explains that it will sync this account through the "
            "Microsoft cloud; click Continue again to accept."
        ),
    )
    notes = (
        "The new Outlook does not connect to your mail server from this computer: Microsoft's "
        "cloud connects on its behalf and passes your mail on. So a check from this computer "
        "can pass while the new Outlook still fails (or the other way round), and sign-in "
        "alerts may show a Microsoft location.",
        "Microsoft changes this app's screens often. If a label here does not match what you "
        "see, look for the nearest one: the values to type stay the same.",
    )
    return Instructions(
        client_id=CLIENT_ID,
        title=f"{PROGRAM_NAMES[CLIENT_ID]} for Windows",
        intro=(
            "For the free Outlook app that comes with Windows 11 (and Windows 10), and for "
            "Outlook for Microsoft 365 with the “New Outlook” switch turned on."
        ),
        steps=steps,
        notes=notes,
        warnings=plain_text_warning(ctx.provider),
    )
