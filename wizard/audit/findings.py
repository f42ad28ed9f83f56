"""Findings: each thing the domain publishes, whether it is right, and why it matters.

Right means: what IT's provider file says, or without one, what the live servers really do
(the port checks). Each ``why`` names the program that reads the thing, so IT knows who is
affected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from wizard.audit.model import Finding, Settings, SourceAnswer, SrvAnswer
from wizard.audit.ports import PortReport
from wizard.audit.text import shown
from wizard.services import Security
from wizard.trust import registrable_domain, same_registrable_domain

Judge = Callable[[Settings], bool]

# Source id -> (what it is, who reads it).
SOURCES: dict[str, tuple[str, str]] = {
    "autoconfig.https": ("autoconfig over HTTPS", "Thunderbird reads it first"),
    "autoconfig.https.no-address": (
        "autoconfig over HTTPS without ?emailaddress=",
        "Thunderbird for Android never sends the address",
    ),
    "well-known.https": (".well-known autoconfig over HTTPS", "Thunderbird's second URL"),
    "well-known.https.no-address": (
        ".well-known autoconfig without ?emailaddress=",
        "Thunderbird for Android's second URL",
    ),
    "autoconfig.http": ("autoconfig over plain HTTP", "Thunderbird accepts it (forgeable)"),
    "well-known.http": (".well-known over plain HTTP", "Thunderbird accepts it (forgeable)"),
    "ispdb": ("Thunderbird's ISPDB entry", "Thunderbird and Thunderbird for Android"),
    "mx": ("what the MX's domain publishes", "Thunderbird and Thunderbird for Android"),
    "autodiscover.domain": (
        "Autodiscover at https://<d>/autodiscover/autodiscover.xml",
        "Outlook's first URL",
    ),
    "autodiscover.host": (
        "Autodiscover at https://autodiscover.<d>/autodiscover/autodiscover.xml",
        "Outlook's second URL",
    ),
    "autodiscover.redirect": ("Autodiscover HTTP redirect", "Outlook's third method"),
    "autodiscover.srv": ("Autodiscover through _autodiscover._tcp", "Outlook's last method"),
}
REQUIRED = {"autoconfig.https", "autodiscover.domain"}
SRV_SERVICES = ("_imaps", "_imap", "_submissions", "_submission", "_sieve", "_autodiscover")


def source_findings(sources: Mapping[str, SourceAnswer], judge: Judge | None) -> list[Finding]:
    out = []
    for key, (what, who) in SOURCES.items():
        answer = sources.get(key)
        if answer is None:
            continue
        found = f"{shown(answer.where)}: {answer.outcome}"
        if answer.settings is not None:
            found += f" — {answer.settings.describe()}"
        elif answer.detail:
            found += f" ({shown(answer.detail)})"
        out.append(Finding(key, _source_ok(key, answer, sources, judge), what, found, who))
    return out


def _source_ok(
    key: str, answer: SourceAnswer, sources: Mapping[str, SourceAnswer], judge: Judge | None
) -> bool | None:
    if answer.found and answer.settings is not None:
        if key.endswith(".http") and not answer.facts.get("redirect", "").startswith("https://"):
            return False  # settings over plain HTTP: anyone on the path can change them
        return judge(answer.settings) if judge else None
    if key == "autoconfig.https.no-address":
        with_address = sources.get("autoconfig.https")
        if with_address is not None and with_address.found:
            return False  # answers Thunderbird, refuses Thunderbird for Android
        return None
    if key == "autodiscover.domain":
        others = [
            sources.get(k)
            for k in ("autodiscover.host", "autodiscover.redirect", "autodiscover.srv")
        ]
        # Outlook moves on to the next URL; nothing anywhere means Outlook guesses.
        return None if any(o is not None and o.found for o in others) else False
    if key in REQUIRED:
        return False
    if key == "well-known.https":
        return False  # Thunderbird's second URL and Thunderbird for Android's find nothing
    return None


def srv_findings(
    answers: Sequence[SrvAnswer], domain: str, truth: Settings | None
) -> list[Finding]:
    out = []
    for answer in answers:
        label = answer.name.split(".", 1)[0]
        what = f"SRV {answer.name}"
        if answer.error:
            out.append(Finding(f"srv.{label}", None, what, shown(answer.error), _srv_why(label)))
            continue
        if not answer.records:
            out.append(Finding(f"srv.{label}", None, what, "no record", _srv_why(label)))
            continue
        parts = []
        ok: bool | None = True
        for priority, _weight, port, target in answer.records:
            if target in (".", ""):
                parts.append("'.' (not offered)")
                continue
            inside = same_registrable_domain(target, domain)
            parts.append(
                f"{priority} {port} {shown(target)} (domain {registrable_domain(target)}"
                f"{'' if inside else ', outside ' + domain})"
            )
            if not inside and not answer.dnssec:
                ok = False  # RFC 8314 5.1: not to be used unless DNSSEC-validated
        found = "; ".join(parts) + ("; DNSSEC-validated" if answer.dnssec else "; not validated")
        if ok and truth is not None and label != "_autodiscover":
            ok = _srv_matches(label, answer, truth)
        out.append(Finding(f"srv.{label}", ok, what, found, _srv_why(label)))
    return out


def _srv_why(label: str) -> str:
    if label == "_autodiscover":
        return "Outlook's last Autodiscover method"
    return (
        "RFC 6186/8314 look-ups (Evolution, FairEmail, this app); "
        "a target outside the domain counts only with DNSSEC"
    )


_SRV_SERVICE = {
    "_imaps": ("imap", Security.TLS),
    "_imap": ("imap", Security.STARTTLS),
    "_submissions": ("smtp", Security.TLS),
    "_submission": ("smtp", Security.STARTTLS),
    "_sieve": ("sieve", Security.STARTTLS),
}


def _srv_matches(label: str, answer: SrvAnswer, truth: Settings) -> bool | None:
    service, security = _SRV_SERVICE[label]
    server = {"imap": truth.imap, "smtp": truth.smtp, "sieve": truth.sieve}[service]
    targets = [
        (port, t.rstrip(".").lower()) for _, _, port, t in answer.records if t not in (".", "")
    ]
    if server is None or server.security is not security:
        return not targets  # '.' or nothing: right, the service is not offered this way
    return (server.port, server.hostname.lower()) in targets


def port_findings(reports: Sequence[PortReport], published: set[tuple[str, int]]) -> list[Finding]:
    out = []
    for r in reports:
        key = f"port.{r.host}.{r.port}"
        what = f"{r.protocol.upper()} on {r.host} port {r.port}"
        is_published = (r.host, r.port) in published
        out.append(
            Finding(
                key, _port_ok(r, is_published), what, _port_found(r), _port_why(r, is_published)
            )
        )
        if r.plain_login_without_tls:
            out.append(
                Finding(
                    key + ".plain-login",
                    False,
                    f"login before TLS on {r.host} port {r.port}",
                    "the server offers a password login before STARTTLS",
                    "a program that skips STARTTLS would send the password in clear",
                )
            )
        if r.certificate is not None and r.certificate.expires_soon:
            out.append(
                Finding(
                    key + ".expiry",
                    False,
                    f"certificate of {r.host} port {r.port}",
                    f"expires {r.certificate.not_after} ({r.certificate.days_left} days left)",
                    "every program refuses the server once it has expired",
                )
            )
    return out


def outside_findings(hosts: Sequence[str], domain: str) -> list[Finding]:
    """Mail hosts the settings name outside the domain (and the MX's): not contacted."""
    return [
        Finding(
            f"port.{host}",
            None,
            f"mail ports of {host}",
            f"not looked at: {registrable_domain(host)} is outside {domain}",
            "the audit contacts nothing outside the domain but the ISPDB and the MX's domain",
        )
        for host in hosts
    ]


def _port_ok(r: PortReport, published: bool) -> bool | None:
    if published:
        return r.ok
    if not r.reachable:
        return None
    return (
        None
        if r.ok
        else (False if r.certificate is not None and not r.certificate.verified else None)
    )


def _port_found(r: PortReport) -> str:
    if not r.reachable:
        return f"closed ({r.detail})" if r.detail else "closed"
    words = {
        Security.TLS: "TLS from the first byte",
        Security.STARTTLS: "STARTTLS",
        Security.PLAIN: "no TLS offered",
    }
    parts = [words[r.offered] if r.offered else "no mail protocol seen"]
    if r.tls_version:
        parts.append(r.tls_version)
    c = r.certificate
    if c is not None:
        state = "valid for this name" if c.verified else f"REFUSED: {c.problem}"
        parts.append(
            f"certificate {state}; names {', '.join(c.names) or '(none)'}; issuer {c.issuer}; "
            f"expires {c.not_after}"
        )
    if r.detail:
        parts.append(r.detail)
    return "; ".join(parts)


def _port_why(r: PortReport, published: bool) -> str:
    if published:
        return f"the published settings send programs here expecting {r.expected.socket_type}"
    return "programs that guess try this port"


def agreement_findings(
    sources: Mapping[str, SourceAnswer],
    truth: Settings | None,
    truth_label: str,
    judge: Judge | None,
) -> list[Finding]:
    """Every source that found settings against the truth, and against each other."""
    order = [*SOURCES, *sorted(set(sources) - set(SOURCES))]  # the same order every run
    found = {k: sources[k] for k in order if k in sources and sources[k].found}
    found = {k: v for k, v in found.items() if v.settings is not None}
    out = []
    if judge is not None:
        for key, answer in found.items():
            assert answer.settings is not None
            right = judge(answer.settings)
            out.append(
                Finding(
                    f"agreement.{key}",
                    right,
                    f"{key} against {truth_label}",
                    "same servers" if right else f"differs: {answer.settings.describe()}",
                    "programs reading it get "
                    + ("the right settings" if right else "wrong settings"),
                )
            )
    # IMAP and SMTP: ManageSieve is in autoconfig only, so its absence elsewhere is no conflict.
    distinct = {
        Settings(v.settings.imap, v.settings.smtp).describe()
        for v in found.values()
        if v.settings is not None
    }
    if len(found) > 1:
        out.append(
            Finding(
                "agreement.sources",
                len(distinct) == 1,
                "every source against every other",
                f"{len(found)} sources, {len(distinct)} different set(s) of servers",
                "programs that read different sources end up with different settings",
            )
        )
    _ = truth
    return out


def outlook_security(ssl_word: str, encryption: str) -> Security:
    """How Outlook connects: ``Encryption`` when present (None, SSL, TLS; Auto as SSL),
    otherwise ``SSL`` alone (on, the default: implicit TLS; off: none)."""
    word = encryption.strip().lower()
    if word in ("ssl", "auto"):
        return Security.TLS
    if word == "tls":
        return Security.STARTTLS
    if word == "none":
        return Security.PLAIN
    return Security.PLAIN if ssl_word.strip().lower() == "off" else Security.TLS


def encryption_findings(
    sources: Mapping[str, SourceAnswer],
    reports: Sequence[PortReport],
    raw: Mapping[str, tuple[tuple[str, int, str, str], ...]] | None = None,
) -> list[Finding]:
    """Whether each Autodiscover answer's SSL/Encryption matches what the port really does
    (``SSL on`` for 587 where the server speaks STARTTLS sends Outlook the wrong way).

    Read as Outlook reads it, from the answer's own words (``raw``) when the audit has them;
    otherwise from discovery's reading."""
    live = {(r.host.lower(), r.port): r for r in reports}
    out = []
    for key in (
        "autodiscover.domain",
        "autodiscover.host",
        "autodiscover.redirect",
        "autodiscover.srv",
    ):
        answer = sources.get(key)
        if answer is None or answer.settings is None:
            continue
        words = {(kind, port): (ssl, enc) for kind, port, ssl, enc in (raw or {}).get(key, ())}
        wrong = []
        checked = 0
        for server in (answer.settings.imap, answer.settings.smtp):
            report = live.get((server.hostname.lower(), server.port))
            if report is None or report.offered is None:
                continue
            checked += 1
            said = words.get((server.service.value.upper(), server.port))
            security = outlook_security(*said) if said else server.security
            if report.offered is not security:
                how = f"SSL {said[0] or '(none)'}, Encryption {said[1] or '(none)'}" if said else ""
                wrong.append(
                    f"{server.service.value} port {server.port}: "
                    f"{how or 'says ' + security.socket_type} — Outlook uses "
                    f"{security.socket_type}, the server offers {report.offered.socket_type}"
                )
        if checked:
            out.append(
                Finding(
                    f"{key}.encryption",
                    not wrong,
                    f"SSL/Encryption of {key} against the live ports",
                    "; ".join(wrong) or "matches what each port offers",
                    "Outlook connects the way Encryption (or else SSL) says; the wrong way fails",
                )
            )
    return out


# The autoconfig format's own words (Mozilla's ConfigFileFormat); "plain" and "secure" are its
# deprecated spellings of the first two, still read by Thunderbird.
STANDARD_AUTHENTICATION = {
    "password-cleartext",
    "password-encrypted",
    "NTLM",
    "GSSAPI",
    "client-IP-address",
    "TLS-client-cert",
    "OAuth2",
    "none",
    "smtp-after-pop",
}


def authentication_findings(raw: Mapping[str, tuple[str, ...]]) -> list[Finding]:
    """Each autoconfig document's ``<authentication>`` words, as written (before any reader
    maps them): a deprecated or unknown word works in Thunderbird but not necessarily
    elsewhere."""
    out = []
    for key, words in raw.items():
        odd = sorted({w for w in words if w not in STANDARD_AUTHENTICATION})
        out.append(
            Finding(
                f"{key}.authentication",
                not odd,
                f"<authentication> in {key}",
                ", ".join(shown(w, 40) for w in words) or "none given",
                (
                    f"{', '.join(shown(w, 40) for w in odd)}: not the format's own word "
                    "(password-cleartext, password-encrypted…); Thunderbird maps the old "
                    "spellings, other readers may not"
                )
                if odd
                else "the format's own words, which every reader knows",
            )
        )
    return out
