"""Which prefs make one IMAP + SMTP account, merged into what a profile already has.

Pure: pref values in, a plan (keys, pref changes, other accounts for the address) out; no file
access, so every rule can be tested on plain dictionaries.

Facts taken from Thunderbird (comm-central and the 153 ESR build), not guessed:

* Keys: ``accountN`` continues from ``mail.account.lastKey`` (Thunderbird's getUniqueAccountKey);
  ``serverN``, ``idN`` and ``smtpN`` take the lowest free number. "Free" here also means no pref
  at all under that key, so leftovers of a deleted account are never adopted by accident.
* Connection security ``socketType`` (IMAP) and ``try_ssl`` (SMTP) use nsMsgSocketType:
  0 plain, 2 always STARTTLS, 3 TLS from the start. ``authMethod`` uses nsMsgAuthMethod.
* The account wizard (CreateInBackend.sys.mjs) names the server after the address (adding
  " (IMAP)" when that name is taken), turns on ``login_at_startup`` and biff, and points Sent,
  Drafts and Templates at ``<serverURI>/Sent|Drafts|Templates`` with picker mode "0". The server
  URI of a C++ (IMAP) server is ``imap://<user, XALPHAS-escaped>@<host, path-escaped>``.
* SMTP can borrow the IMAP password: SmtpServer.sys.mjs reads
  ``mail.smtpserver.<key>.incomingAccount`` (despite its name, a *server* key such as
  ``server2``) and then uses that incoming server's password, so the person types it once.
* Local Folders: not written here. At every start Thunderbird's verifyExistingAccounts()
  (messenger.js) creates Local Folders when an IMAP/POP/NNTP account exists without it, with the
  localised name; Thunderbird 153 was seen doing exactly that on a profile written by this code.
  Writing it ourselves would fix the name to English and duplicate what Thunderbird does anyway.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from wizard.clients.thunderbird.prefsjs import PREF_INT_MAX, PrefValue, same_value
from wizard.clients.thunderbird.result import OtherAccount
from wizard.provider import Provider, ServerSettings
from wizard.services import Security

SOCKET_TYPE = {Security.PLAIN: 0, Security.STARTTLS: 2, Security.TLS: 3}

# Autoconfig <authentication> values -> nsMsgAuthMethod.
AUTH_METHOD = {
    "password-cleartext": 3,
    "plain": 3,
    "password-encrypted": 4,
    "secure": 4,
    "none": 1,
    "client-ip-address": 1,
    "gssapi": 5,
    "ntlm": 6,
    "tls-client-cert": 7,
    "oauth2": 10,
}

ACCOUNTS = "mail.accountmanager.accounts"
DEFAULT_ACCOUNT = "mail.accountmanager.defaultaccount"
LOCAL_FOLDERS = "mail.accountmanager.localfoldersserver"
LAST_KEY = "mail.account.lastKey"
SMTP_SERVERS = "mail.smtpservers"
DEFAULT_SMTP = "mail.smtp.defaultserver"

# Escaping sets of Gecko's NS_Escape: XALPHAS (usernames) and URL_PATH (host names).
_XALPHAS = frozenset(string.ascii_letters + string.digits + "*-._")
_URL_PATH = _XALPHAS | frozenset("+/")


@dataclass(frozen=True)
class AccountRequest:
    """What the person asked for; already validated by wizard.address."""

    address: str
    full_name: str
    provider: Provider


@dataclass(frozen=True)
class AccountPlan:
    account_key: str
    server_key: str
    identity_key: str
    smtp_key: str
    new_account: bool
    changes: dict[str, PrefValue]  # only values that differ from the file, in writing order
    created: tuple[str, ...]
    updated: tuple[str, ...]
    others: tuple[OtherAccount, ...]


def auth_method(settings: ServerSettings) -> int:
    try:
        return AUTH_METHOD[settings.authentication.strip().lower()]
    except KeyError:
        raise ValueError(
            f"the provider's <authentication>{settings.authentication}</authentication> for "
            f"{settings.service.label} has no Thunderbird equivalent"
        ) from None


def escape(value: str, safe: frozenset[str]) -> str:
    """Percent-encode like Gecko's NS_Escape: UTF-8 bytes, upper-case hex."""
    return "".join(
        ch if ch in safe else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in value
    )


def imap_server_uri(login: str, hostname: str) -> str:
    return f"imap://{escape(login, _XALPHAS)}@{escape(hostname, _URL_PATH)}"


def plan_account(
    prefs: Mapping[str, PrefValue], request: AccountRequest, *, account_key: str | None = None
) -> AccountPlan:
    """Work out every pref for the account, reusing ours if it is already there.

    ``account_key``: an existing account to update in place whatever its host or login.
    """
    return _Planner(prefs, request, account_key).plan()


# --- helpers over the existing prefs ---


def _text(prefs: Mapping[str, PrefValue], name: str) -> str:
    value = prefs.get(name)
    return value if isinstance(value, str) else ""


def _keys(prefs: Mapping[str, PrefValue], name: str) -> list[str]:
    """A comma list as Thunderbird reads it: spaces ignored, empty items dropped."""
    return [part.strip() for part in _text(prefs, name).split(",") if part.strip()]


def _int(prefs: Mapping[str, PrefValue], name: str) -> int | None:
    value = prefs.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _numbers_in_use(prefs: Mapping[str, PrefValue], branch: str, stem: str) -> set[int]:
    pattern = re.compile(re.escape(f"{branch}.{stem}") + r"(\d+)\.")
    return {int(m.group(1)) for name in prefs if (m := pattern.match(name))}


def _lowest_free(used: set[int], start: int = 1) -> int:
    n = start
    while n in used:
        n += 1
    return n


def _number(key: str, stem: str) -> int | None:
    match = re.fullmatch(re.escape(stem) + r"(\d+)", key)
    return int(match.group(1)) if match else None


class _Planner:
    def __init__(self, prefs: Mapping[str, PrefValue], request: AccountRequest, target: str | None):
        self.prefs, self.target = prefs, target
        self.request = request
        self.imap, self.smtp = request.provider.imap, request.provider.smtp
        self.address = request.address
        self.login = self.imap.username_for(request.address)
        self.smtp_login = self.smtp.username_for(request.address)
        self.desired: dict[str, PrefValue] = {}

    # -- finding what is there

    def accounts(self) -> list[tuple[str, str, list[str]]]:
        """(account key, server key, identity keys) for every listed account."""
        found = []
        for account in _keys(self.prefs, ACCOUNTS):
            server = _text(self.prefs, f"mail.account.{account}.server")
            identities = _keys(self.prefs, f"mail.account.{account}.identities")
            found.append((account, server, identities))
        return found

    def find_ours(self) -> tuple[tuple[str, str, str | None] | None, list[OtherAccount]]:
        """Our account (same address, IMAP on the provider's host) and the others to report."""
        ours: tuple[str, str, str | None] | None = None
        others: list[OtherAccount] = []
        host = self.imap.hostname.lower()
        for account, server, identities in self.accounts():
            if not server:
                continue
            kind = _text(self.prefs, f"mail.server.{server}.type").lower()
            hostname = _text(self.prefs, f"mail.server.{server}.hostname")
            user = _text(self.prefs, f"mail.server.{server}.userName")
            identity = next(
                (
                    i
                    for i in identities
                    if _text(self.prefs, f"mail.identity.{i}.useremail").lower()
                    == self.address.lower()
                ),
                None,
            )
            same_server = kind == "imap" and hostname.lower() == host
            if account == self.target and kind == "imap" and not ours:
                ours = (account, server, identity or (identities[0] if identities else None))
            elif same_server and (identity or user.lower() == self.login.lower()) and not ours:
                ours = (account, server, identity)
            elif identity:
                others.append(OtherAccount(account, kind or "unknown", hostname))
        return ours, others

    def smtp_settings(self) -> dict[str, PrefValue]:
        """What the SMTP entry must say; the rest of it (description, link) is secondary."""
        return {
            "type": "smtp",
            "hostname": self.smtp.hostname,
            "port": self.smtp.port,
            "try_ssl": SOCKET_TYPE[self.smtp.security],
            "authMethod": auth_method(self.smtp),
            "username": self.smtp_login,
        }

    def smtp_used_elsewhere(self, our_account: str | None) -> set[str]:
        """SMTP keys that identities of other accounts send through (explicitly or by default)."""
        used: set[str] = set()
        default = _text(self.prefs, DEFAULT_SMTP)
        for account, _, identities in self.accounts():
            if account == our_account:
                continue
            for identity in identities:
                key = _text(self.prefs, f"mail.identity.{identity}.smtpServer")
                used.add(key or default)
        return used - {""}

    def find_smtp(self, identity: str | None, our_account: str | None) -> tuple[str, bool] | None:
        """The SMTP entry to use and whether we may edit it.

        First the identity's own entry if it is on the provider's host, then, like Thunderbird's
        findServer(username, hostname, type), any entry for the same host and login, so nothing
        is duplicated. An entry other accounts send through is only reused when it already says
        exactly what we need, and then left untouched: "left alone" includes shared entries.
        """
        host = self.smtp.hostname.lower()
        listed = _keys(self.prefs, SMTP_SERVERS)
        candidates: list[str] = []
        if identity:
            current = _text(self.prefs, f"mail.identity.{identity}.smtpServer")
            if current in listed:
                candidates.append(current)
        for key in listed:
            branch = f"mail.smtpserver.{key}."
            if (
                _text(self.prefs, branch + "username").lower() == self.smtp_login.lower()
                and (_text(self.prefs, branch + "type") or "smtp") == "smtp"
            ):
                candidates.append(key)
        shared = self.smtp_used_elsewhere(our_account)
        wanted = self.smtp_settings()
        for key in candidates:
            if _text(self.prefs, f"mail.smtpserver.{key}.hostname").lower() != host:
                continue
            if key not in shared:
                return key, True
            if all(
                same_value(self.prefs.get(f"mail.smtpserver.{key}.{name}"), value)
                for name, value in wanted.items()
            ):
                return key, False
        return None

    # -- choosing new keys

    def new_account_key(self) -> str:
        listed = {n for k in _keys(self.prefs, ACCOUNTS) if (n := _number(k, "account"))}
        used = _numbers_in_use(self.prefs, "mail.account", "account") | listed
        last = max(_int(self.prefs, LAST_KEY) or 0, 0)  # at the integer ceiling: lowest free
        return f"account{_lowest_free(used, last + 1 if last < PREF_INT_MAX else 1)}"

    def new_server_key(self) -> str:
        used = _numbers_in_use(self.prefs, "mail.server", "server")
        for _, server, _ in self.accounts():
            if (n := _number(server, "server")) is not None:
                used.add(n)
        if (n := _number(_text(self.prefs, LOCAL_FOLDERS), "server")) is not None:
            used.add(n)
        return f"server{_lowest_free(used)}"

    def new_identity_key(self) -> str:
        used = _numbers_in_use(self.prefs, "mail.identity", "id")
        for _, _, identities in self.accounts():
            used |= {n for i in identities if (n := _number(i, "id")) is not None}
        return f"id{_lowest_free(used)}"

    def new_smtp_key(self) -> str:
        used = _numbers_in_use(self.prefs, "mail.smtpserver", "smtp")
        used |= {n for k in _keys(self.prefs, SMTP_SERVERS) if (n := _number(k, "smtp"))}
        return f"smtp{_lowest_free(used)}"

    # -- desired values

    def want(self, name: str, value: PrefValue) -> None:
        self.desired[name] = value

    def want_if_missing(self, name: str, value: PrefValue) -> None:
        """For things the person may have changed in Thunderbird since (names, folders)."""
        if name not in self.prefs:
            self.desired[name] = value

    def want_in_list(self, name: str, key: str) -> None:
        keys = _keys(self.prefs, name)
        if key not in keys:
            self.desired[name] = ",".join([*keys, key])

    def reply_style(self) -> dict[str, PrefValue]:
        """Where replies go, as Thunderbird's own account wizard decides for a new account.

        Its ``createAccountInBackend`` puts replies above the quote (``reply_on_top`` 1) unless
        a default account with a valid identity exists; then it copies that identity's
        ``reply_on_top`` and ``sig_bottom``, so a second account answers like the first.
        """
        style: dict[str, PrefValue] = {"reply_on_top": 1}
        default = _text(self.prefs, DEFAULT_ACCOUNT)
        for account, server, identities in self.accounts():
            if account != default or not server or not identities:
                continue
            if _text(self.prefs, f"mail.server.{server}.type") not in ("imap", "pop3"):
                continue  # Local Folders or news cannot be the default server
            branch = f"mail.identity.{identities[0]}."
            if self.prefs.get(branch + "valid") is not True:
                continue
            inherited = self.prefs.get(branch + "reply_on_top")
            style["reply_on_top"] = inherited if isinstance(inherited, int) else 0
            sig_bottom = self.prefs.get(branch + "sig_bottom")
            if isinstance(sig_bottom, bool):
                style["sig_bottom"] = sig_bottom
        return style

    def unique_server_name(self, server_key: str) -> str:
        taken = {
            _text(self.prefs, f"mail.server.{server}.name")
            for _, server, _ in self.accounts()
            if server and server != server_key
        }
        name = self.address
        if name not in taken:
            return name
        name = f"{self.address} (IMAP)"
        counter = 2
        candidate = name
        while candidate in taken:
            candidate = f"{name}_{counter}"
            counter += 1
        return candidate

    def plan(self) -> AccountPlan:
        ours, others = self.find_ours()
        new_account = ours is None
        if ours is None:
            account, server, identity = (
                self.new_account_key(),
                self.new_server_key(),
                self.new_identity_key(),
            )
        else:
            account, server, found_identity = ours
            identity = found_identity or self.new_identity_key()
        found_smtp = self.find_smtp(
            None if new_account else identity, None if new_account else account
        )
        smtp, smtp_editable = found_smtp or (self.new_smtp_key(), True)

        old_uri = None
        if not new_account:
            old_user = _text(self.prefs, f"mail.server.{server}.userName")
            old_host = _text(self.prefs, f"mail.server.{server}.hostname")
            old_uri = imap_server_uri(old_user, old_host) if old_user and old_host else None

        # Account: which server, which identities.
        self.want(f"mail.account.{account}.server", server)
        self.want_in_list(f"mail.account.{account}.identities", identity)

        # Identity.
        ibranch = f"mail.identity.{identity}."
        self.want(ibranch + "fullName", self.request.full_name)
        self.want(ibranch + "useremail", self.address)
        self.want(ibranch + "smtpServer", smtp)
        self.want(ibranch + "valid", True)
        uri = imap_server_uri(self.login, self.imap.hostname)
        for pref, folder, mode in (
            ("fcc_folder", "Sent", "fcc_folder_picker_mode"),
            ("draft_folder", "Drafts", "drafts_folder_picker_mode"),
            ("stationery_folder", "Templates", "tmpl_folder_picker_mode"),
        ):
            current = _text(self.prefs, ibranch + pref)
            if old_uri and old_uri != uri and current.startswith(old_uri + "/"):
                # Login or host changed: keep the person's folder choice, on the new URI.
                self.want(ibranch + pref, uri + current[len(old_uri) :])
            else:
                self.want_if_missing(ibranch + pref, f"{uri}/{folder}")
            self.want_if_missing(ibranch + mode, "0")
        if new_account:
            for name, value in self.reply_style().items():
                self.want_if_missing(ibranch + name, value)

        # Incoming (IMAP) server.
        sbranch = f"mail.server.{server}."
        self.want(sbranch + "type", "imap")
        self.want(sbranch + "hostname", self.imap.hostname)
        self.want(sbranch + "port", self.imap.port)
        self.want(sbranch + "socketType", SOCKET_TYPE[self.imap.security])
        self.want(sbranch + "authMethod", auth_method(self.imap))
        self.want(sbranch + "userName", self.login)
        self.want_if_missing(sbranch + "name", self.unique_server_name(server))
        self.want_if_missing(sbranch + "login_at_startup", True)
        self.want_if_missing(sbranch + "check_new_mail", True)

        # Outgoing (SMTP) server, unless it is an entry other accounts share (then untouched).
        if smtp_editable:
            obranch = f"mail.smtpserver.{smtp}."
            for name, value in self.smtp_settings().items():
                self.want(obranch + name, value)
            self.want_if_missing(obranch + "description", self.request.provider.display_name)
            linked = _text(self.prefs, obranch + "incomingAccount")
            servers_in_use = {s for _, s, _ in self.accounts() if s}
            if linked != server and (not linked or linked not in servers_in_use):
                self.want(obranch + "incomingAccount", server)

        # Lists and defaults, extended rather than replaced.
        self.want_in_list(ACCOUNTS, account)
        self.want_in_list(SMTP_SERVERS, smtp)
        if not _text(self.prefs, DEFAULT_ACCOUNT):
            self.want(DEFAULT_ACCOUNT, account)
        if not _text(self.prefs, DEFAULT_SMTP):
            self.want(DEFAULT_SMTP, smtp)
        account_number = _number(account, "account")
        last = _int(self.prefs, LAST_KEY)
        if account_number is not None and (last is None or account_number > last):
            self.want(LAST_KEY, account_number)

        changes = {
            name: value
            for name, value in self.desired.items()
            if not same_value(self.prefs.get(name), value)
        }
        return AccountPlan(
            account_key=account,
            server_key=server,
            identity_key=identity,
            smtp_key=smtp,
            new_account=new_account,
            changes=changes,
            created=tuple(n for n in changes if n not in self.prefs),
            updated=tuple(n for n in changes if n in self.prefs),
            others=tuple(others),
        )
