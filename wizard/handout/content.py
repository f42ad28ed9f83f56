"""What goes on the settings sheet, gathered once for both the HTML and the PDF.

Page 1 is the person's: their account, where their mail comes from and goes to, their mail
program's steps and who to ask. What IT wants (every port, the filter server, other outgoing
ports, the troubleshooting list) is the optional page after it.

Qt-free. The wording of the troubleshooting part follows the reference how-to (the login is the
full address, the password is the account-page password, check the settings the client guessed)
plus the wizard's own check and the support address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from wizard import APP_NAME
from wizard.clients.instructions import Instructions, instructions_for_many
from wizard.clients.instructions.model import Context, Person
from wizard.clients.instructions.other import authentication_word, security_word
from wizard.provider import Provider, ServerSettings
from wizard.services import Security

CHECK_CHOICE = "Check why my mail isn't working"
SECURITY_LEGEND = {
    Security.TLS: "SSL/TLS — encrypted from the very start (some apps say “SSL” or “TLS”).",
    Security.STARTTLS: "STARTTLS — connects, then switches to encrypted at once. Not the same "
    "as SSL/TLS: choose the right one.",
    Security.PLAIN: "None — not encrypted.",
}


@dataclass(frozen=True)
class SettingsRow:
    """One line of the settings table."""

    service: str
    server: str
    port: str
    security: str
    username: str
    authentication: str


@dataclass(frozen=True)
class TroubleshootingItem:
    title: str
    text: str


@dataclass(frozen=True)
class Handout:
    organization: str
    logo: Path | None  # only set when the file exists
    name: str
    address: str
    login: str
    login_note: str
    password_note: str
    settings: tuple[SettingsRow, ...]  # every server (the IT page)
    person_settings: tuple[SettingsRow, ...]  # receiving and sending only (page 1)
    security_legend: tuple[str, ...]
    troubleshooting: tuple[TroubleshootingItem, ...]
    clients: tuple[Instructions, ...]
    support_email: str | None
    prepared_on: dt.date
    it_page: bool = True  # the optional page for IT after the person's page

    @property
    def title(self) -> str:
        return f"{self.organization} email settings for {self.name}"


def settings_rows(provider: Provider, address: str) -> tuple[SettingsRow, ...]:
    """The full table (IMAP, SMTP, other outgoing ports, Sieve when there is one)."""
    servers = [provider.imap, provider.smtp, *provider.smtp_alternatives]
    if provider.sieve is not None:
        servers.append(provider.sieve)
    return tuple(_row(server, address) for server in servers)


PERSON_SERVICE = {"imap": "Receiving mail", "smtp": "Sending mail"}


def person_rows(provider: Provider, address: str) -> tuple[SettingsRow, ...]:
    """Receiving and sending only, named the way the person thinks of them."""
    return tuple(
        replace(_row(server, address), service=PERSON_SERVICE[server.service.value])
        for server in (provider.imap, provider.smtp)
    )


def _row(server: ServerSettings, address: str) -> SettingsRow:
    return SettingsRow(
        service=server.service.label,
        server=server.hostname,
        port=str(server.port),
        security=security_word(server.security),
        username=server.username_for(address),
        authentication=authentication_word(server),
    )


def _troubleshooting(provider: Provider, ctx: Context) -> tuple[TroubleshootingItem, ...]:
    page = ctx.account_page_label
    login = ctx.login(provider.imap)
    support = provider.branding.support_email
    if provider.imap.login_is_full_address:
        login_text = f"Log in with your full email address, {login}"
        login_text += f" — not the username you use on {page}." if page else "."
    else:
        login_text = f"Log in with {login}, exactly as written here."
    password_text = (
        f"Your mail password is the same password you use on {page}. If you change it there, "
        "change it in each mail app too."
        if page
        else "Use your account password. If you change it, change it in each mail app too."
    )
    items = [
        TroubleshootingItem("Check your login and password first", login_text),
        TroubleshootingItem("The password", password_text),
        TroubleshootingItem(
            "Compare every setting with the table above",
            "Some apps, Outlook in particular, guess the servers and get them wrong — most often "
            "the security setting for sending. Correct anything that differs.",
        ),
        TroubleshootingItem(
            "Let the wizard check for you",
            f"Open {APP_NAME} and choose “{CHECK_CHOICE}”. It tries each server with "
            "your login and explains in plain words what fails.",
        ),
        TroubleshootingItem(
            "No account or mailbox yet?",
            f"You need an account on {page or 'the account page'} with a mailbox turned on. "
            "Ask an administrator.",
        ),
    ]
    if support:
        items.append(
            TroubleshootingItem(
                "Still stuck?",
                f"Email {support}. Say which mail program you use and what {APP_NAME} "
                "reported. Never send your password — nobody from support will ask for it.",
            )
        )
    else:
        items.append(
            TroubleshootingItem(
                "Still stuck?",
                "Contact your IT administrator. Never send your password to anyone.",
            )
        )
    return tuple(items)


def build_handout(
    provider: Provider,
    address: str,
    name: str,
    client_ids: Iterable[str] | None = None,
    *,
    today: dt.date | None = None,
    it_page: bool = True,
) -> Handout:
    """Gather the handout for one person. ``address`` and ``name`` must already be checked."""
    ctx = Context(provider, Person(address, name))
    logo = provider.branding.logo
    securities = []
    for server in provider.servers:
        if server.security not in securities:
            securities.append(server.security)
    return Handout(
        organization=provider.branding.organization,
        logo=logo if logo is not None and logo.is_file() else None,
        name=name,
        address=address,
        login=ctx.login(provider.imap),
        login_note=ctx.login_hint(provider.imap),
        password_note=ctx.password_hint() + " It is never written on this sheet: do not add it.",
        settings=settings_rows(provider, address),
        person_settings=person_rows(provider, address),
        security_legend=tuple(SECURITY_LEGEND[s] for s in securities),
        troubleshooting=_troubleshooting(provider, ctx),
        clients=instructions_for_many(provider, address, name, client_ids),
        support_email=provider.branding.support_email,
        prepared_on=today or dt.date.today(),
        it_page=it_page,
    )
