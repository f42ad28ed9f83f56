"""Each setting of a mail program's account against the provider's, explained in plain words.

Input: the account as the program keeps it, the provider's ``ServerSettings`` (the settings the
app itself verified) and, when the checks ran, the authentication methods the server offered
(from the verified results' capabilities). Independent of how the checks run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from wizard.checks.model import CheckResult
from wizard.clients.found import Difference, ProgramAccount, ServerFound, Setting
from wizard.provider import Provider, ServerSettings
from wizard.services import Security, Service

PROGRAM_NAMES = {"thunderbird": "Thunderbird", "outlook": "Outlook"}

# The words each program shows for connection security and authentication.
SECURITY_WORDS = {Security.TLS: "SSL/TLS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "None"}
AUTH_LABELS = {
    "password-cleartext": "Normal password",
    "password-encrypted": "Encrypted password",
    "oauth2": "OAuth2",
    "gssapi": "Kerberos / GSSAPI",
    "ntlm": "NTLM",
    "tls-client-cert": "TLS Certificate",
    "none": "No authentication",
    "secure": "Any secure method",
    "any": "Any method",
}
# The SASL mechanisms a method needs the server to offer (Thunderbird's "Encrypted password"
# is CRAM-MD5; OAuth2 is XOAUTH2 or OAUTHBEARER).
_NEEDS = {
    "password-cleartext": {"PLAIN", "LOGIN"},
    "password-encrypted": {"CRAM-MD5"},
    "oauth2": {"XOAUTH2", "OAUTHBEARER"},
    "gssapi": {"GSSAPI"},
    "ntlm": {"NTLM"},
    "tls-client-cert": {"EXTERNAL"},
}
_VERB = {Service.IMAP: "receives mail from", Service.SMTP: "sends mail through"}
_WHAT = {Service.IMAP: "incoming", Service.SMTP: "outgoing"}


def offered_mechanisms(results: Sequence[CheckResult]) -> dict[Service, frozenset[str]]:
    """The SASL mechanisms each verified server offered (IMAP ``AUTH=X``, SMTP ``AUTH X Y``).

    IMAP's own LOGIN command counts as "PLAIN" for a normal password unless LOGINDISABLED.
    """
    offered: dict[Service, frozenset[str]] = {}
    for result in results:
        if not result.capabilities or result.service not in (Service.IMAP, Service.SMTP):
            continue
        names: set[str] = set()
        for cap in result.capabilities:
            upper = cap.upper()
            if upper.startswith("AUTH="):
                names.add(upper[5:])
            elif upper.startswith("AUTH ") or upper == "AUTH":
                names.update(upper.split()[1:])
        if result.service is Service.IMAP and "LOGINDISABLED" not in (
            c.upper() for c in result.capabilities
        ):
            names.add("LOGIN")
        offered[result.service] = frozenset(names)
    return offered


def compare_account(
    account: ProgramAccount,
    provider: Provider,
    address: str,
    offered: Mapping[Service, frozenset[str]] | None = None,
) -> tuple[Difference, ...]:
    """Every setting that differs from the provider's, each with one sentence to read."""
    program = PROGRAM_NAMES.get(account.program, account.program.title())
    name = provider.short_name or provider.display_name
    found: list[Difference] = []
    pairs: Iterable[tuple[ServerFound | None, ServerSettings]] = (
        (account.incoming, provider.imap),
        (account.outgoing, provider.smtp),
    )
    for server, expected in pairs:
        wording = _Wording(program, name, expected.service)
        if server is None:
            found.append(wording.missing(expected))
            continue
        found += _compare_server(server, expected, address, wording, (offered or {}))
    if account.outgoing is not None and account.outgoing_owner:
        found = [d for d in found if (d.service, d.setting) != (Service.SMTP, Setting.USERNAME)]
        found.append(
            Difference(
                Service.SMTP,
                Setting.USERNAME,
                account.outgoing.username,
                provider.smtp.username_for(address),
                f"{program} sends this address's mail through the outgoing server of "
                f"{account.outgoing_owner}, another account; it needs its own, logging in as "
                f"{provider.smtp.username_for(address)}.",
            )
        )
    return tuple(_unique(found))


class _Wording:
    def __init__(self, program: str, provider: str, service: Service) -> None:
        self.program, self.provider, self.service = program, provider, service

    def missing(self, expected: ServerSettings) -> Difference:
        return Difference(
            self.service,
            Setting.HOSTNAME,
            "",
            expected.hostname,
            f"{self.program} has no {_WHAT[self.service]} server for this address; "
            f"{self.provider}'s is {expected.hostname}.",
        )

    def say(self, setting: Setting, found: str, expected: str, sentence: str) -> Difference:
        return Difference(self.service, setting, found, expected, sentence)


def _compare_server(
    server: ServerFound,
    expected: ServerSettings,
    address: str,
    w: _Wording,
    offered: Mapping[Service, frozenset[str]],
) -> list[Difference]:
    out: list[Difference] = []
    verb = _VERB[w.service]
    if w.service is Service.IMAP and server.protocol != "imap":
        out.append(
            w.say(
                Setting.PROTOCOL,
                server.protocol.upper(),
                "IMAP",
                f"{w.program} fetches mail with {server.protocol.upper()}, which downloads it "
                f"to this computer only; {w.provider} gives IMAP, which keeps it on the server "
                "for every device.",
            )
        )
    if _host(server.hostname) != _host(expected.hostname):
        out.append(
            w.say(
                Setting.HOSTNAME,
                server.hostname,
                expected.hostname,
                f"{w.program} {verb} {server.hostname or '(no server name)'}; {w.provider}'s "
                f"server is {expected.hostname}.",
            )
        )
    port_differs = server.port is not None and server.port != expected.port
    security_differs = server.security is not None and server.security is not expected.security
    want = f"port {expected.port} with {SECURITY_WORDS[expected.security]}"
    have = (
        f"port {server.port}"
        + (f" with {SECURITY_WORDS[server.security]}" if server.security else "")
        if server.port
        else "its default port"
    )
    if port_differs:
        out.append(
            w.say(
                Setting.PORT,
                str(server.port),
                str(expected.port),
                f"{w.program} {verb} {have}; {w.provider}'s server expects {want}.",
            )
        )
    if security_differs and server.security is not None:
        sentence = (
            f"Connection security must be {SECURITY_WORDS[expected.security]}, not "
            f"{SECURITY_WORDS[server.security]}."
            if port_differs
            else f"{w.program} {verb} port {server.port} with "
            f"{SECURITY_WORDS[server.security]}; {w.provider}'s server expects {want}."
        )
        if server.security is Security.PLAIN:
            sentence += " Without it your password would cross the network unprotected."
        out.append(
            w.say(
                Setting.SECURITY,
                SECURITY_WORDS[server.security],
                SECURITY_WORDS[expected.security],
                sentence,
            )
        )
    login = expected.username_for(address)
    if server.username.strip().lower() != login.lower():
        out.append(w.say(Setting.USERNAME, server.username, login, _username(server, login, w)))
    auth = _authentication(server, expected, offered.get(w.service), w)
    if auth is not None:
        out.append(auth)
    return out


def _username(server: ServerFound, login: str, w: _Wording) -> str:
    where = "logs in" if w.service is Service.IMAP else "logs in to send"
    if not server.username:
        return f"{w.program} {where} without a user name; it must be {login}."
    if "@" not in server.username and "@" in login:
        return (
            f"{w.program} {where} as {server.username!r}, a short name; {w.provider} needs the "
            f"full email address {login}."
        )
    return f"{w.program} {where} as {server.username}; {w.provider} needs {login}."


def _authentication(
    server: ServerFound,
    expected: ServerSettings,
    offered: frozenset[str] | None,
    w: _Wording,
) -> Difference | None:
    method = server.authentication
    if not method or method in ("any", "secure"):
        return None
    wanted = expected.authentication.strip().lower()
    wanted = "password-cleartext" if wanted == "plain" else wanted
    label = AUTH_LABELS.get(method, method)
    expected_label = AUTH_LABELS.get(wanted, wanted)
    if offered:
        needs = _NEEDS.get(method)
        if needs is None or needs & offered:
            return None
        return w.say(
            Setting.AUTHENTICATION,
            label,
            expected_label,
            f"{w.program} uses the authentication method {label!r}, which "
            f"{w.provider}'s server does not offer; choose {expected_label!r}.",
        )
    if method == wanted:
        return None
    return w.say(
        Setting.AUTHENTICATION,
        label,
        expected_label,
        f"{w.program} uses the authentication method {label!r}; {w.provider} expects "
        f"{expected_label!r}.",
    )


def _host(name: str) -> str:
    return name.strip().lower().rstrip(".")


def _unique(differences: list[Difference]) -> list[Difference]:
    seen: set[tuple[Service, Setting]] = set()
    out = []
    for d in differences:
        if (d.service, d.setting) not in seen:
            seen.add((d.service, d.setting))
            out.append(d)
    return out
