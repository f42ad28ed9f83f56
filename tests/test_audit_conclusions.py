"""What the audit concludes from what it saw: each program's verdict follows that program's own
order of sources, a wrong or plain-HTTP answer is called wrong, Autodiscover's SSL/Encryption is
held against what the port really offers, and SRV targets outside the domain need DNSSEC."""

from __future__ import annotations

from wizard.audit.findings import encryption_findings, source_findings, srv_findings
from wizard.audit.model import (
    AuditResult,
    ProgramVerdict,
    Settings,
    SourceAnswer,
    SrvAnswer,
    same_servers,
)
from wizard.audit.ports import PortReport
from wizard.audit.programs import all_programs
from wizard.provider import ServerSettings
from wizard.services import Security, Service


def settings(host: str = "mail.example.org", smtp_port: int = 587) -> Settings:
    smtp_security = Security.TLS if smtp_port == 465 else Security.STARTTLS
    return Settings(
        ServerSettings(Service.IMAP, host, 993, Security.TLS),
        ServerSettings(Service.SMTP, host, smtp_port, smtp_security),
    )


RIGHT = settings()
WRONG = settings(host="mail.example.org", smtp_port=465)


def judge(s: Settings) -> bool:
    return same_servers(s, RIGHT)


def found(source: str, s: Settings, where: str = "", trusted: bool = True) -> SourceAnswer:
    return SourceAnswer(source, where or f"https://{source}/", "found", trusted, settings=s)


def none(source: str, detail: str = "HTTP 404") -> SourceAnswer:
    return SourceAnswer(source, f"https://{source}/", "none", detail=detail)


def verdicts(
    sources: dict[str, SourceAnswer], provider: Settings | None = None
) -> dict[str, ProgramVerdict]:
    return {v.program: v for v in all_programs(sources, judge, provider)}


def test_only_autodiscover_published_thunderbird_and_outlook_find_it_android_does_not() -> None:
    sources = {"autodiscover.host": found("autodiscover.host", RIGHT)}
    v = verdicts(sources)
    assert v["Thunderbird (desktop)"].ok and v["Thunderbird (desktop)"].will_use == RIGHT
    assert v["Outlook (classic)"].ok
    assert v["Thunderbird for Android"].ok is False
    assert v["Thunderbird for Android"].will_use is None


def test_a_server_that_wants_the_address_serves_thunderbird_but_not_android() -> None:
    sources = {
        "autoconfig.https": found("autoconfig.https", RIGHT),
        "autoconfig.https.no-address": none("autoconfig.https.no-address", "HTTP 400"),
    }
    v = verdicts(sources)
    assert v["Thunderbird (desktop)"].ok is True
    assert v["Thunderbird for Android"].ok is False
    findings = {f.id: f for f in source_findings(sources, judge)}
    assert findings["autoconfig.https"].ok is True
    assert findings["autoconfig.https.no-address"].ok is False


def test_thunderbird_prefers_autoconfig_over_autodiscover_even_when_it_is_wrong() -> None:
    sources = {
        "autoconfig.https": found("autoconfig.https", WRONG),
        "autodiscover.domain": found("autodiscover.domain", RIGHT),
    }
    v = verdicts(sources)
    assert v["Thunderbird (desktop)"].ok is False and v["Thunderbird (desktop)"].will_use == WRONG
    assert v["Outlook (classic)"].ok is True


def test_settings_over_plain_http_are_called_wrong_even_when_they_match() -> None:
    sources = {"autoconfig.http": found("autoconfig.http", RIGHT, "http://autoconfig.x/", False)}
    [finding] = source_findings(sources, judge)
    assert finding.ok is False
    assert "plain HTTP" in verdicts(sources)["Thunderbird (desktop)"].how


def test_apple_mail_is_not_counted_and_the_provider_file_makes_this_app_right() -> None:
    v = verdicts({}, provider=RIGHT)
    assert v["Apple Mail (macOS, iOS)"].ok is None
    assert v["Mail Setup Wizard"].ok is True
    everything_right = {
        "autoconfig.https": found("autoconfig.https", RIGHT),
        "autoconfig.https.no-address": found("autoconfig.https.no-address", RIGHT),
        "autodiscover.domain": found("autodiscover.domain", RIGHT),
    }
    result = AuditResult("example.org", 1.0, (), all_programs(everything_right, judge, RIGHT))
    assert result.ok
    assert not AuditResult("example.org", 1.0, (), all_programs({}, judge, RIGHT)).ok


def test_untrusted_answers_are_not_used_by_this_app_without_asking() -> None:
    sources = {"mx": found("mx", RIGHT, trusted=False)}
    verdict = verdicts(sources)["Mail Setup Wizard"]
    assert verdict.ok is False and "asks the person" in verdict.how


def _port(port: int, offered: Security) -> PortReport:
    expected = Security.TLS if port in (993, 465) else Security.STARTTLS
    return PortReport("smtp", "mail.example.org", port, expected, True, offered=offered)


def test_autodiscover_ssl_on_for_587_where_the_server_speaks_starttls_is_wrong() -> None:
    says_tls = Settings(
        ServerSettings(Service.IMAP, "mail.example.org", 993, Security.TLS),
        ServerSettings(Service.SMTP, "mail.example.org", 587, Security.TLS),
    )
    sources = {"autodiscover.host": found("autodiscover.host", says_tls)}
    live = [_port(993, Security.TLS), _port(587, Security.STARTTLS)]
    [finding] = encryption_findings(sources, live)
    assert finding.ok is False
    assert "587" in finding.found and "STARTTLS" in finding.found
    [good] = encryption_findings({"autodiscover.host": found("autodiscover.host", RIGHT)}, live)
    assert good.ok is True


def test_srv_outside_the_domain_counts_only_with_dnssec() -> None:
    outside = ((0, 1, 993, "imap.hoster.example"),)
    unsigned = SrvAnswer("_imaps._tcp.example.org", outside, dnssec=False)
    signed = SrvAnswer("_imaps._tcp.example.org", outside, dnssec=True)
    [bad] = srv_findings([unsigned], "example.org", None)
    [good] = srv_findings([signed], "example.org", None)
    assert bad.ok is False and "outside example.org" in bad.found
    assert good.ok is True and "DNSSEC-validated" in good.found


def test_srv_is_checked_against_the_provider_and_dot_means_not_offered() -> None:
    right = SrvAnswer("_imaps._tcp.example.org", ((0, 1, 993, "mail.example.org"),), False)
    wrong_port = SrvAnswer("_imaps._tcp.example.org", ((0, 1, 995, "mail.example.org"),), False)
    not_offered = SrvAnswer("_imap._tcp.example.org", ((0, 0, 0, "."),), False)
    offered_but_not_by_it = SrvAnswer(
        "_imap._tcp.example.org", ((0, 1, 143, "mail.example.org"),), False
    )
    results = srv_findings(
        [right, wrong_port, not_offered, offered_but_not_by_it], "example.org", RIGHT
    )
    assert [f.ok for f in results] == [True, False, True, False]


def test_provider_hosts_outside_the_domain_are_named_and_never_contacted() -> None:
    from wizard.audit.run import Gathered, run_audit
    from wizard.checks.options import CheckOptions
    from wizard.provider import Branding, Provider

    elsewhere = settings(host="mail.hoster.example")
    provider = Provider(
        "example.org",
        ("example.org",),
        "Example",
        "Example",
        elsewhere.imap,
        elsewhere.smtp,
        None,
        Branding("Example"),
    )
    contacted: list[tuple[str, int]] = []

    def route(addr: tuple[str, int]) -> tuple[str, int]:
        contacted.append(addr)
        return addr

    result = run_audit(
        "example.org",
        CheckOptions(timeout=1.0),
        lambda *_: Gathered(sources={}),
        provider=provider,
        route=route,
    )
    assert contacted == []
    [finding] = [f for f in result.findings if f.id == "port.mail.hoster.example"]
    assert "outside example.org" in finding.found and finding.ok is None


def test_ssl_on_alone_for_587_is_read_as_outlook_reads_it_implicit_tls_and_called_wrong() -> None:
    # Discovery read "SSL on" for 587 the way Thunderbird does (STARTTLS, by the port); Outlook
    # takes SSL on as implicit TLS unless Encryption says otherwise.
    sources = {"autodiscover.host": found("autodiscover.host", RIGHT)}
    live = [_port(993, Security.TLS), _port(587, Security.STARTTLS)]
    raw = {"autodiscover.host": (("IMAP", 993, "on", ""), ("SMTP", 587, "on", ""))}
    [finding] = encryption_findings(sources, live, raw)
    assert finding.ok is False
    assert "SSL on, Encryption (none)" in finding.found and "Outlook uses SSL" in finding.found
    fixed = {"autodiscover.host": (("IMAP", 993, "on", "SSL"), ("SMTP", 587, "on", "TLS"))}
    [good] = encryption_findings(sources, live, fixed)
    assert good.ok is True
