"""Thunderbird, by hand: the fallback when the wizard cannot write its settings directly.

The automatic path lives elsewhere (a prefs writer); these steps go through "Configure manually"
so nothing depends on Thunderbird's own guessing.
"""

from __future__ import annotations

from wizard import APP_NAME
from wizard.clients.instructions.model import (
    AuthKind,
    ClientInfo,
    Context,
    Field,
    Instructions,
    InstructionStep,
    auth_kind,
    choice,
    plain_text_warning,
    port_field,
)
from wizard.provider import ServerSettings
from wizard.services import Security

CLIENT_ID = "thunderbird"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title="Thunderbird (by hand)",
    platform="Windows, macOS, Linux",
    summary="Mozilla Thunderbird, set up manually.",
)


def security_word(security: Security) -> str:
    """Thunderbird's "Connection security" list."""
    return {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "None"}[
        security
    ]


def authentication_word(server: ServerSettings) -> str:
    return {
        AuthKind.PASSWORD: "Normal password",
        AuthKind.ENCRYPTED_PASSWORD: "Encrypted password",
        AuthKind.NTLM: "NTLM",
        AuthKind.KERBEROS: "Kerberos / GSSAPI",
        AuthKind.OAUTH2: "OAuth2",
        AuthKind.NONE: "No authentication",
    }[auth_kind(server)]


def _server_fields(server: ServerSettings, ctx: Context, *, incoming: bool) -> tuple[Field, ...]:
    protocol = (choice("Protocol", "IMAP"),) if incoming else ()
    return (
        *protocol,
        Field("Hostname", server.hostname),
        port_field("Port", server),
        choice("Connection security", security_word(server.security)),
        choice("Authentication method", authentication_word(server)),
        Field("Username", ctx.login(server), hint=ctx.login_hint(server)),
    )


def build(ctx: Context) -> Instructions:
    imap, smtp = ctx.provider.imap, ctx.provider.smtp
    steps = (
        InstructionStep(
            "Open Thunderbird. Open the menu (☰) and choose Account Settings; at the bottom "
            "left, choose Account Actions > Add Mail Account…"
        ),
        InstructionStep(
            "Fill in your details, then click “Configure manually” (do not click Continue).",
            (
                Field("Your full name", ctx.person.display_name),
                Field("Email address", ctx.address),
                ctx.password_field(),
            ),
        ),
        InstructionStep("Under “Incoming server”:", _server_fields(imap, ctx, incoming=True)),
        InstructionStep("Under “Outgoing server”:", _server_fields(smtp, ctx, incoming=False)),
        InstructionStep("Click “Re-test”. When Thunderbird finds the servers, click Done."),
    )
    return Instructions(
        client_id=CLIENT_ID,
        title="Thunderbird (set up by hand)",
        intro=(
            f"{APP_NAME} can usually add your account to Thunderbird for you. Use these steps if "
            f"it could not, or on a computer without {APP_NAME}."
        ),
        steps=steps,
        notes=(
            "Thunderbird names the two kinds of encryption “SSL/TLS” and “STARTTLS”; pick the "
            "one shown for each server rather than letting it guess.",
        ),
        warnings=plain_text_warning(ctx.provider),
    )
