"""Any other mail app: the plain settings, one step per service.

The words here are the generic ones (what the reference how-to uses), with the common synonyms
as hints, because every app labels these boxes differently.
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
    choice,
    plain_text_warning,
    port_field,
)
from wizard.provider import ServerSettings
from wizard.services import Security
from wizard.words import PROGRAM_NAMES, security_word

__all__ = ["INFO", "authentication_word", "build", "security_hint", "security_word"]

CLIENT_ID = "other"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title=PROGRAM_NAMES[CLIENT_ID],
    platform="Any",
    summary="The plain settings, for any app that is not listed.",
)


def security_hint(security: Security) -> str:
    return {
        Security.TLS: "Encrypted from the start; some apps call it “SSL” or “TLS”.",
        Security.STARTTLS: "Starts plain and switches to encrypted; not the same as SSL/TLS.",
        Security.PLAIN: "No encryption.",
    }[security]


def authentication_word(server: ServerSettings) -> str:
    return {
        AuthKind.PASSWORD: "Normal password",
        AuthKind.ENCRYPTED_PASSWORD: "Encrypted password (CRAM-MD5)",
        AuthKind.NTLM: "NTLM",
        AuthKind.KERBEROS: "Kerberos (GSSAPI)",
        AuthKind.OAUTH2: "OAuth2",
        AuthKind.NONE: "None",
    }[auth_kind(server)]


def settings_fields(server: ServerSettings, ctx: Context) -> tuple[Field, ...]:
    """The six facts for one service; also what the handout's settings table shows."""
    return (
        Field("Server", server.hostname),
        port_field("Port", server),
        choice("Security", security_word(server.security), hint=security_hint(server.security)),
        Field("Username", ctx.login(server), hint=ctx.login_hint(server)),
        choice(
            "Authentication",
            authentication_word(server),
            hint="Sometimes called “Password” or “Plain”."
            if auth_kind(server) is AuthKind.PASSWORD
            else "",
        ),
        ctx.password_field(),
    )


def build(ctx: Context) -> Instructions:
    provider = ctx.provider
    steps = [
        InstructionStep(
            f"In your app, add a new account of type IMAP for {ctx.address} and choose manual "
            "set-up."
        ),
        InstructionStep(f"{provider.imap.service.label}:", settings_fields(provider.imap, ctx)),
        InstructionStep(
            f"{provider.smtp.service.label} — turn on “authentication” for sending:",
            settings_fields(provider.smtp, ctx),
        ),
    ]
    if provider.sieve is not None:
        steps.append(
            InstructionStep(
                "Optional — mail filters kept on the server, only if your app offers them "
                "(it may call them Sieve):",
                settings_fields(provider.sieve, ctx),
            )
        )
    return Instructions(
        client_id=CLIENT_ID,
        title=PROGRAM_NAMES[CLIENT_ID],
        intro="Every mail app that supports IMAP and SMTP works with these settings.",
        steps=tuple(steps),
        notes=(
            "Do not let the app pick the security on its own: choose exactly the one shown for "
            "each server.",
        ),
        warnings=plain_text_warning(provider),
    )
