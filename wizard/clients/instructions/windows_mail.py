"""Windows Mail (Windows 10/11 "Mail and Calendar"), following the reference how-to.

Microsoft ended support for this app on 31 December 2024; after that it can no longer send or
receive mail. The steps stay because people still open it and ask why it stopped working; the
warning and the pointer to the new Outlook come first.

The app has a single "Require SSL" tick box per direction and uses it for STARTTLS on 587 as
well as for implicit TLS, so any encrypted setting is "ticked"; the port goes into the server box
as ``host:port`` because there is no separate port box.
"""

from __future__ import annotations

from wizard.clients.instructions.model import (
    ClientInfo,
    Context,
    Field,
    Instructions,
    InstructionStep,
    checkbox,
    choice,
    plain_text_warning,
)
from wizard.provider import ServerSettings
from wizard.services import Security

CLIENT_ID = "windows_mail"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title="Windows Mail",
    platform="Windows 10/11",
    summary="The old Mail and Calendar app. Microsoft ended its support on 31 December 2024.",
)

END_OF_SUPPORT = (
    "Microsoft ended support for Windows Mail and Calendar on 31 December 2024. Since then the "
    "app can no longer send or receive email. Use the new Outlook for Windows (see its steps) "
    "or another mail app instead; these steps are kept for reference."
)


def requires_ssl(security: Security) -> bool:
    """Mail's "Require SSL" box means "encrypt": implicit TLS or STARTTLS alike."""
    return security is not Security.PLAIN


def server_value(server: ServerSettings, default_port: int) -> str:
    """``host`` when the app's default port applies, else ``host:port``."""
    if server.port == default_port:
        return server.hostname
    return f"{server.hostname}:{server.port}"


def build(ctx: Context) -> Instructions:
    imap, smtp = ctx.provider.imap, ctx.provider.smtp
    imap_default = 993 if requires_ssl(imap.security) else 143
    same_login = ctx.login(imap) == ctx.login(smtp)
    ssl_hint = "Mail uses this box for STARTTLS as well."
    form = (
        Field("Email address", ctx.address),
        Field("User name", ctx.login(imap), hint=ctx.login_hint(imap)),
        ctx.password_field(),
        Field("Account name", ctx.address, hint="Only a label; your address is a good choice."),
        Field("Send your messages using this name", ctx.person.display_name),
        Field("Incoming email server", server_value(imap, imap_default)),
        choice("Account type", "IMAP4"),
        # Always host:port: the reference how-to does so, and 25 would be the app's guess.
        Field("Outgoing (SMTP) email server", f"{smtp.hostname}:{smtp.port}"),
        checkbox("Outgoing server requires authentication", True),
        checkbox("Use the same user name and password for sending email", same_login),
        checkbox(
            "Require SSL for incoming email",
            requires_ssl(imap.security),
            hint=ssl_hint if imap.security is Security.STARTTLS else "",
        ),
        checkbox(
            "Require SSL for outgoing email",
            requires_ssl(smtp.security),
            hint=ssl_hint if smtp.security is Security.STARTTLS else "",
        ),
    )
    steps = (
        InstructionStep("Open the Mail app from the Start menu."),
        InstructionStep(
            "Select the Settings icon (the gear, bottom left), then “Manage accounts”, then "
            "“Add account”."
        ),
        InstructionStep(
            "Scroll down and choose “Advanced setup”, then “Internet email”.",
            (choice("Account kind", "Internet email"),),
        ),
        InstructionStep("Complete the form:", form),
        InstructionStep("Click “Sign in”. When Mail says your account was set up, click Done."),
    )
    notes = [
        "Windows Mail has one “Require SSL” box for each direction and no separate choice "
        "for STARTTLS: tick it for a STARTTLS server too, and Mail switches to a secure "
        "connection after connecting.",
    ]
    if not same_login:
        notes.append(
            "Your incoming and outgoing logins differ; after “Use the same user name and "
            f"password” is unticked, Mail asks for the outgoing one: {ctx.login(smtp)}."
        )
    return Instructions(
        client_id=CLIENT_ID,
        title="Windows Mail (Windows 10 and 11)",
        intro="For the Mail app that came with Windows 10 and early Windows 11.",
        steps=steps,
        notes=tuple(notes),
        warnings=(END_OF_SUPPORT, *plain_text_warning(ctx.provider)),
    )
