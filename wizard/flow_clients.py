"""The mail programs a person can pick, and what setting one up records on the flow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wizard.clients.thunderbird import WriteResult, write_account
from wizard.flow_state import AccountInput
from wizard.provider import Provider
from wizard.words import PROGRAM_NAMES, RETIRED_MARK


@dataclass(frozen=True)
class Client:
    id: str
    label: str
    detected: bool = False
    # No longer works (Windows Mail since 2024): offered only when the person asks for it.
    retired: bool = False


# Every mail program the wizard knows, in a neutral order; ``clients_for_platform`` puts the
# current OS's usual choices first.
# The names are the glossary's (wizard.words); a retired program says so on the client page.
RETIRED_CLIENTS = frozenset({"windows_mail"})
CLIENT_LABELS: dict[str, str] = {
    cid: name + (RETIRED_MARK if cid in RETIRED_CLIENTS else "")
    for cid, name in PROGRAM_NAMES.items()
}
_ORDER = {
    "win32": ["outlook_new", "outlook_classic", "thunderbird", "apple_mail", "windows_mail"],
    "darwin": ["apple_mail", "thunderbird", "outlook_new", "outlook_classic", "windows_mail"],
    "linux": ["thunderbird", "outlook_new", "outlook_classic", "apple_mail", "windows_mail"],
}


def clients_for_platform(platform: str, thunderbird_detected: bool) -> list[Client]:
    order = _ORDER.get(platform, _ORDER["linux"]) + ["other"]
    if thunderbird_detected and order[0] != "thunderbird":
        # A detected Thunderbird is the likeliest choice on any OS.
        order.remove("thunderbird")
        order.insert(0, "thunderbird")
    return [
        Client(
            cid,
            CLIENT_LABELS[cid],
            detected=(cid == "thunderbird" and thunderbird_detected),
            retired=cid in RETIRED_CLIENTS,
        )
        for cid in order
    ]


class ClientChoice:
    """The flow's part for the client and set-up pages (a mixin of ``WizardFlow``)."""

    provider: Provider
    account: AccountInput
    client_id: str
    setup_done: bool
    setup_summary: str
    setup_notes: list[str]
    thunderbird_profile: Path | None

    def choose_client(self, client_id: str) -> None:
        if client_id not in CLIENT_LABELS:
            raise ValueError(client_id)
        self.client_id = client_id
        self.setup_done = False

    def write_thunderbird(self, profile: Path) -> WriteResult:
        """Add the account to a Thunderbird profile (never the password)."""
        result = write_account(profile, self.provider, self.account.address, self.account.name)
        self.setup_notes = [f"Thunderbird profile: {profile}", *_write_notes(result)]
        if result.ok:
            self.setup_done = True
            self.thunderbird_profile = profile
            self.setup_summary = (
                "Your account was added to Thunderbird."
                if result.changed
                else "Thunderbird already had this account."
            )
        return result

    def thunderbird_opened(self, ok: bool, command: str) -> None:
        """ "Open Thunderbird" was pressed; the command goes to the report."""
        self.setup_notes.append(f"Open Thunderbird: {'started' if ok else 'failed'}: {command}")

    def instructions_shown(self) -> None:
        """The set-up page showed the steps; unless something was written, that is what was done."""
        if not self.setup_done:
            self.setup_summary = f"You were shown how to set up {self.client_label}."

    def mail_profile_saved(self, path: str) -> None:
        """An Apple Mail configuration profile was saved for the person to install."""
        self.setup_summary = f"A configuration profile for Mail was saved to {path}."

    @property
    def client_label(self) -> str:
        return CLIENT_LABELS[self.client_id]


def _write_notes(result: WriteResult) -> list[str]:
    """What IT may need to know about a Thunderbird write (never shown on the page)."""
    notes = [f"Thunderbird write: {'ok' if result.ok else 'refused'}; {result.message}"]
    if result.account_key:
        notes.append(
            f"Keys: account {result.account_key}, server {result.server_key}, identity "
            f"{result.identity_key}, SMTP {result.smtp_key}"
        )
    if result.backup is not None:
        notes.append(f"Previous prefs.js kept as {result.backup}")
    if result.detail:
        notes.append(f"Detail: {result.detail}")
    return notes
