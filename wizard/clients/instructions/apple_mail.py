"""Apple Mail on macOS: "Other Mail Account", then pinning the server settings.

Mail's "Automatically manage connection settings" tries ports and encryption on its own and can
settle on something the server refuses; the last steps switch it off and set the port and
"Use TLS/SSL" explicitly. Mail has one "Use TLS/SSL" box and uses it for STARTTLS on 587 and
143 as well as for implicit TLS on 993 and 465. A configuration profile (wizard.mobileconfig)
does the same in one go.
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

CLIENT_ID = "apple_mail"
INFO = ClientInfo(
    client_id=CLIENT_ID,
    title="Apple Mail",
    platform="macOS",
    summary="The Mail app on a Mac.",
)

TLS_LABEL = "Use TLS/SSL"
AUTO_LABEL = "Automatically manage connection settings"


def uses_tls(security: Security) -> bool:
    """Mail's "Use TLS/SSL" box covers implicit TLS and STARTTLS alike."""
    return security is not Security.PLAIN


def authentication_word(server: ServerSettings) -> str:
    return {
        AuthKind.PASSWORD: "Password",
        AuthKind.ENCRYPTED_PASSWORD: "MD5 Challenge-Response",
        AuthKind.NTLM: "NTLM",
        AuthKind.KERBEROS: "Kerberos Version 5",
        AuthKind.OAUTH2: "OAuth 2.0",
        AuthKind.NONE: "None",
    }[auth_kind(server)]


def _server_fields(server: ServerSettings, ctx: Context) -> tuple[Field, ...]:
    return (
        Field("User Name", ctx.login(server), hint=ctx.login_hint(server)),
        ctx.password_field(),
        Field("Host Name", server.hostname),
        checkbox(AUTO_LABEL, False, hint="Untick this so the boxes below appear."),
        port_field("Port", server),
        checkbox(
            TLS_LABEL,
            uses_tls(server.security),
            hint="Mail uses this box for STARTTLS too."
            if server.security is Security.STARTTLS
            else "",
        ),
        choice("Authentication", authentication_word(server)),
    )


def build(ctx: Context) -> Instructions:
    imap, smtp = ctx.provider.imap, ctx.provider.smtp
    steps = (
        InstructionStep("Open Mail and choose Mail > Add Account… from the menu bar."),
        InstructionStep(
            "Choose “Other Mail Account…” and click Continue.",
            (choice("Mail account provider", "Other Mail Account…"),),
        ),
        InstructionStep(
            "Fill in the form and click Sign In.",
            (
                Field("Name", ctx.person.display_name),
                Field("Email Address", ctx.address),
                ctx.password_field(),
            ),
        ),
        InstructionStep(
            "If Mail says “Unable to verify account name or password”, more boxes appear. Fill "
            "them in and click Sign In again.",
            (
                Field("User Name", ctx.login(imap), hint=ctx.login_hint(imap)),
                choice("Account Type", "IMAP"),
                Field("Incoming Mail Server", imap.hostname),
                Field("Outgoing Mail Server", smtp.hostname),
            ),
        ),
        InstructionStep("Leave Mail ticked in the list of apps and click Done."),
        InstructionStep(
            "Now pin the connection settings. Choose Mail > Settings… (Mail > Preferences… on "
            "older macOS), click Accounts, select the new account, then click “Server Settings”."
        ),
        InstructionStep("Under “Incoming Mail Server (IMAP)”:", _server_fields(imap, ctx)),
        InstructionStep("Under “Outgoing Mail Server (SMTP)”:", _server_fields(smtp, ctx)),
        InstructionStep("Click Save and close the window."),
    )
    notes = (
        "“Use TLS/SSL” is a single box in Mail with no separate STARTTLS choice: with it "
        "ticked, Mail uses whichever of the two the port calls for.",
        "A configuration profile can set all of this up in one go: the wizard can make one "
        "for you to double-click.",
    )
    return Instructions(
        client_id=CLIENT_ID,
        title="Apple Mail (macOS)",
        intro="For the Mail app that comes with every Mac.",
        steps=steps,
        notes=notes,
        warnings=plain_text_warning(ctx.provider),
    )
