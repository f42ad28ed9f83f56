"""Client set-up instructions as plain data.

The wizard pages, the printable handout and the CLI all show the same steps, so the steps are
built once, here and in the per-client modules, as frozen dataclasses; each front end only
decides how to draw them. Nothing in this package imports Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from wizard.errors import WizardError
from wizard.provider import Provider, ServerSettings
from wizard.services import Security


class FieldKind(enum.StrEnum):
    """What sort of control the client shows, so a renderer can draw it sensibly."""

    TEXT = "text"  # a box to type into: the value is what to type
    CHOICE = "choice"  # a drop-down or radio button: the value is the option to pick
    CHECKBOX = "checkbox"  # the value is CHECKED or UNCHECKED
    # Never a real password: the value says where the password comes from.
    PASSWORD = "password"  # noqa: S105 - a kind of field, not a secret


CHECKED = "Ticked"
UNCHECKED = "Not ticked"


class ClientNotAvailableError(WizardError, ValueError):
    """This client's instructions make no sense for this provider (e.g. no Sieve server)."""


@dataclass(frozen=True)
class Field:
    """One label exactly as the client shows it, and what to type or choose there."""

    label: str
    value: str
    # Whether a "Copy" button makes sense: true for host names and logins, false for choices,
    # ticks and the password reminder.
    copyable: bool = True
    kind: FieldKind = FieldKind.TEXT
    # A short aside shown next to the value ("this client calls STARTTLS 'SSL'").
    hint: str = ""


@dataclass(frozen=True)
class InstructionStep:
    """One numbered step: what to do, and the fields to fill in while doing it."""

    text: str
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Instructions:
    """Everything needed to set one client up for one person."""

    client_id: str
    title: str
    intro: str
    steps: tuple[InstructionStep, ...]
    notes: tuple[str, ...] = ()
    # Things that stop people in their tracks (an app that no longer works, a plain-text
    # connection); shown more prominently than notes.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientInfo:
    """A client the wizard can write instructions for, for menus and the CLI's --client."""

    client_id: str
    title: str
    platform: str
    summary: str
    needs_sieve: bool = False


@dataclass(frozen=True)
class Person:
    """Who the instructions are for. The address should already be checked and normalised."""

    address: str
    name: str = ""

    @property
    def display_name(self) -> str:
        return self.name or "Your name"


@dataclass(frozen=True)
class Context:
    """What every client module needs: the provider and the person, plus shared phrasing."""

    provider: Provider
    person: Person

    @property
    def address(self) -> str:
        return self.person.address

    def login(self, server: ServerSettings) -> str:
        return server.username_for(self.person.address)

    @property
    def account_page_label(self) -> str:
        """How to name the account page in a sentence ("my.sepheo.co")."""
        branding = self.provider.branding
        return branding.account_page_name or branding.account_page or ""

    def password_hint(self) -> str:
        """The text shown where a password goes: where it comes from, never what it is."""
        page = self.account_page_label
        if page:
            return f"Your password — the same one you use on {page}. Only you know it."
        return "Your password — only you know it."

    def password_field(self, label: str = "Password") -> Field:
        return Field(label, self.password_hint(), copyable=False, kind=FieldKind.PASSWORD)

    def login_hint(self, server: ServerSettings) -> str:
        """Why the login looks the way it does: the usual mix-up the how-to warns about."""
        if server.login_is_full_address:
            page = self.account_page_label
            where = f", not the username you use on {page}" if page else ""
            return f"Your full email address{where}."
        return "Exactly as shown: this server does not want your full email address."


def checkbox(label: str, ticked: bool, hint: str = "") -> Field:
    return Field(
        label, CHECKED if ticked else UNCHECKED, copyable=False, kind=FieldKind.CHECKBOX, hint=hint
    )


def choice(label: str, value: str, hint: str = "") -> Field:
    return Field(label, value, copyable=False, kind=FieldKind.CHOICE, hint=hint)


def port_field(label: str, server: ServerSettings, hint: str = "") -> Field:
    return Field(label, str(server.port), hint=hint)


def plain_text_warning(provider: Provider) -> tuple[str, ...]:
    """A warning when IT's file asks for an unencrypted connection, which clients complain about."""
    plain = [s.service.label for s in provider.servers if s.security is Security.PLAIN]
    if not plain:
        return ()
    return (
        "The settings for "
        + " and ".join(plain)
        + " use no encryption, so your password would cross the network readable by others. "
        "Check with your IT contact before using them.",
    )


class AuthKind(enum.StrEnum):
    """The autoconfig ``<authentication>`` values, grouped the way clients name them."""

    PASSWORD = "password-cleartext"  # noqa: S105 - the ordinary password, protected by TLS
    ENCRYPTED_PASSWORD = "password-encrypted"  # noqa: S105 - CRAM-MD5 and friends
    NTLM = "NTLM"
    KERBEROS = "GSSAPI"
    OAUTH2 = "OAuth2"
    NONE = "none"


def auth_kind(server: ServerSettings) -> AuthKind:
    """Map the provider's authentication value; unknown values fall back to the password."""
    value = server.authentication.strip().lower()
    for kind in AuthKind:
        if kind.value.lower() == value:
            return kind
    return AuthKind.PASSWORD
