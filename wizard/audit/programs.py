"""What each mail program will do with what the domain publishes today, and why.

Each program is modelled from its public source or documentation; where its behaviour is not
public, the verdict says so and says what is known:

* Thunderbird (comm-central ``mail/components/accountcreation/modules/``): ``FetchConfig``
  tries ``https://autoconfig.<d>/…`` and ``https://<d>/.well-known/…``, then the same over
  HTTP, sending ``?emailaddress=``; then the ISPDB, then the MX's domain; ``FindConfig`` also
  waits for Exchange Autodiscover (``ExchangeAutoDiscover``) and uses it when autoconfig gave
  nothing; last it guesses (``GuessConfig``). No RFC 6186 SRV.
* Thunderbird for Android (``feature/autodiscovery/``): the same autoconfig URLs and the MX,
  without ever sending the address (a server that insists on it answers 400); no SRV, no
  Autodiscover, no guessing.
* Outlook (classic): Autodiscover at ``https://<d>/autodiscover/autodiscover.xml``, then
  ``https://autodiscover.<d>/…``, the HTTP redirect and the ``_autodiscover._tcp`` SRV record
  (Microsoft's "Autodiscover for Exchange" order); it does not read autoconfig. Without an
  answer it guesses, and how is not public (the reference how-to says it gets it wrong).
* New Outlook: adds IMAP accounts through Microsoft's cloud service; how that service finds
  settings for a custom domain is not public. Autodiscover is what Microsoft documents.
* Apple Mail (macOS, iOS): no discovery for a custom domain; the configuration profile is the
  way (the kit has one), or the person types the settings.
* This app (issue 25): IT's provider file for its domains; otherwise the trusted answers by
  discovery's rank: autoconfig and .well-known over HTTPS, Autodiscover, SRV, the ISPDB, the
  MX's domain, then probing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from wizard.audit.model import ProgramVerdict, Settings, SourceAnswer

THUNDERBIRD_ORDER = (
    "autoconfig.https",
    "well-known.https",
    "autoconfig.http",
    "well-known.http",
    "ispdb",
    "mx",
)
# The HTTP variants never carry the address, for any program.
ANDROID_ORDER = (
    "autoconfig.https.no-address",
    "well-known.https.no-address",
    "autoconfig.http",
    "well-known.http",
    "ispdb",
    "mx",
)
OUTLOOK_ORDER = (
    "autodiscover.domain",
    "autodiscover.host",
    "autodiscover.redirect",
    "autodiscover.srv",
)
# Discovery's ranking (wizard/discovery/race.py, docs/discovery.md).
APP_ORDER = (
    "autoconfig.https",
    "well-known.https",
    "autodiscover.domain",
    "autodiscover.host",
    "autodiscover.redirect",
    "autodiscover.srv",
    "srv",
    "ispdb",
    "mx",
    "autoconfig.http",
    "well-known.http",
)

# Whether a set of settings is right: against the provider file, or the live servers.
Judge = Callable[[Settings], bool]


def _first(sources: Mapping[str, SourceAnswer], order: Sequence[str]) -> SourceAnswer | None:
    for key in order:
        answer = sources.get(key)
        if answer is not None and answer.found:
            return answer
    return None


def _verdict(
    program: str, answer: SourceAnswer | None, judge: Judge, fallback: str
) -> ProgramVerdict:
    if answer is None or answer.settings is None:
        return ProgramVerdict(program, None, fallback, False)
    right = judge(answer.settings)
    how = f"uses {answer.where}" + ("" if right else " — and those settings are wrong")
    if not answer.trusted and answer.where.startswith("http://"):
        how += " (plain HTTP: could be changed on the way)"
    return ProgramVerdict(program, answer.settings, how, right)


def thunderbird(sources: Mapping[str, SourceAnswer], judge: Judge) -> ProgramVerdict:
    answer = _first(sources, THUNDERBIRD_ORDER) or _first(sources, OUTLOOK_ORDER)
    return _verdict(
        "Thunderbird (desktop)",
        answer,
        judge,
        "finds nothing published, so it guesses: up to 36 probes of imap./smtp./mail. and the "
        "domain on the usual ports, taking STARTTLS when the reply merely mentions it",
    )


def thunderbird_android(sources: Mapping[str, SourceAnswer], judge: Judge) -> ProgramVerdict:
    answer = _first(sources, ANDROID_ORDER)
    verdict = _verdict(
        "Thunderbird for Android",
        answer,
        judge,
        "finds nothing it can read (it never sends the address, and does no SRV, Autodiscover "
        "or guessing): the person types the settings",
    )
    if answer is not None and not answer.trusted:
        verdict = ProgramVerdict(
            verdict.program,
            verdict.will_use,
            verdict.how + "; asks the person to trust it (not all HTTPS)",
            verdict.ok,
        )
    return verdict


def outlook_classic(sources: Mapping[str, SourceAnswer], judge: Judge) -> ProgramVerdict:
    return _verdict(
        "Outlook (classic)",
        _first(sources, OUTLOOK_ORDER),
        judge,
        "finds no Autodiscover answer and guesses; how is not public (known to try implicit TLS "
        "first, which is how it lands on wrong ports)",
    )


def outlook_new(sources: Mapping[str, SourceAnswer], judge: Judge) -> ProgramVerdict:
    answer = _first(sources, OUTLOOK_ORDER)
    verdict = _verdict(
        "new Outlook",
        answer,
        judge,
        "not public: Microsoft's cloud service looks the settings up; with no Autodiscover "
        "answer published the person will most likely type them",
    )
    if answer is not None:
        verdict = ProgramVerdict(
            verdict.program,
            verdict.will_use,
            "not public (Microsoft's cloud service looks the settings up); expected to use the "
            f"Autodiscover answer: {verdict.how}",
            verdict.ok,
        )
    return verdict


def apple_mail() -> ProgramVerdict:
    # ok None: nothing the domain publishes changes it; the kit's profile is the fix.
    return ProgramVerdict(
        "Apple Mail (macOS, iOS)",
        None,
        "does no discovery for a custom domain: hand out the configuration profile (the kit's "
        ".mobileconfig), or the person types the settings",
        None,
    )


def this_app(
    sources: Mapping[str, SourceAnswer], judge: Judge, provider: Settings | None
) -> ProgramVerdict:
    if provider is not None:
        return ProgramVerdict(
            "Mail Setup Wizard", provider, "uses IT's provider file (it wins for its domains)", True
        )
    trusted = {k: v for k, v in sources.items() if v.trusted}
    answer = _first(trusted, APP_ORDER)
    if answer is None:
        untrusted = _first(sources, APP_ORDER)
        if untrusted is not None and untrusted.settings is not None:
            return ProgramVerdict(
                "Mail Setup Wizard",
                untrusted.settings,
                f"finds {untrusted.where}, which is not trusted: asks the person before using it",
                False,
            )
        return ProgramVerdict(
            "Mail Setup Wizard",
            None,
            "finds nothing published: probes the usual hosts and ports (a result counts only "
            "after a verified TLS handshake)",
            False,
        )
    return _verdict("Mail Setup Wizard", answer, judge, "")


def all_programs(
    sources: Mapping[str, SourceAnswer], judge: Judge, provider: Settings | None
) -> tuple[ProgramVerdict, ...]:
    return (
        thunderbird(sources, judge),
        thunderbird_android(sources, judge),
        outlook_classic(sources, judge),
        outlook_new(sources, judge),
        apple_mail(),
        this_app(sources, judge, provider),
    )
