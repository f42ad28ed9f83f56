"""Classic Outlook for Windows (Microsoft 365, 2021, 2019): the manual IMAP set-up.

Outlook's automatic set-up guesses the servers from the address and, for Sepheo, guesses wrong
(the reference how-to says so), so these steps go through "Let me set up my account manually"
and tell the person to overwrite whatever Outlook filled in.
"""

from __future__ import annotations

from wizard.clients.instructions.model import (
    AuthKind,
    ClientInfo,
    Context,
    Field,
    Instructions,
    InstructionStep,
    auth_kind,
    checkbox,
    choice,
    plain_text_warning,
    port_field,
)
from wizard.provider import ServerSettings
from wizard.services import Security

CLIENT_ID = "outlook_classic"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title="Outlook (classic)",
    platform="Windows",
    summary="Outlook for Microsoft 365, Outlook 2021 and Outlook 2019 on Windows.",
)

SPA_LABEL = "Require logon using Secure Password Authentication (SPA)"


def security_word(security: Security) -> str:
    """Outlook's "Encryption method" list: None, SSL/TLS, STARTTLS, Auto."""
    return {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "None"}[
        security
    ]


def _server_fields(server: ServerSettings) -> tuple[Field, ...]:
    spa = auth_kind(server) is AuthKind.NTLM
    return (
        Field("Server", server.hostname),
        port_field("Port", server),
        choice("Encryption method", security_word(server.security)),
        checkbox(SPA_LABEL, spa, hint="" if spa else "Leave this unticked."),
    )


def build(ctx: Context) -> Instructions:
    imap, smtp = ctx.provider.imap, ctx.provider.smtp
    steps = [
        InstructionStep("Open Outlook and choose File > Add Account."),
        InstructionStep(
            "Type your email address. Click “Advanced options”, tick “Let me set up my "
            "account manually”, then click Connect.",
            (
                Field("Email address", ctx.address),
                checkbox("Let me set up my account manually", True),
            ),
        ),
        InstructionStep(
            "On the “Advanced setup” screen, choose IMAP.", (choice("Account type", "IMAP"),)
        ),
        InstructionStep(
            "“IMAP Account Settings” opens. Outlook may already have filled in some values: "
            "replace every one of them with these. Under “Incoming mail”:",
            _server_fields(imap),
        ),
        InstructionStep("Under “Outgoing mail”:", _server_fields(smtp)),
        InstructionStep(
            "Click Next. Type your password and click Connect.", (ctx.password_field(),)
        ),
        InstructionStep("When Outlook says “Account successfully added”, click Done."),
    ]
    if not imap.login_is_full_address or not smtp.login_is_full_address:
        steps.append(
            InstructionStep(
                "Your login is not your email address, so set it now: File > Account Settings "
                "> Server Settings, then change “User Name” under “Incoming mail” and under "
                "“Outgoing mail” (tick “My outgoing (SMTP) server requires authentication”).",
                (Field("User Name", ctx.login(imap)),),
            )
        )
    notes = [
        "Outlook tries to guess these settings on its own and often gets them wrong — usually "
        f"the encryption method for sending. If you added {ctx.address} before and it does "
        "not work, correct it under File > Account Settings > Server Settings.",
        "Outlook calls the two kinds of encryption “SSL/TLS” (a secure connection from the "
        "start) and “STARTTLS” (a connection that switches to secure straight away). "
        "Choose exactly the one shown for each server.",
    ]
    return Instructions(
        client_id=CLIENT_ID,
        title="Outlook (classic) for Windows",
        intro=(
            "For Outlook for Microsoft 365, Outlook 2021 and Outlook 2019. If your Outlook has "
            "a “New Outlook” switch at the top right and it is on, follow the steps for the "
            "new Outlook instead."
        ),
        steps=tuple(steps),
        notes=tuple(notes),
        warnings=plain_text_warning(ctx.provider),
    )
