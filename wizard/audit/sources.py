"""What the domain publishes, gathered for the audit: SRV records and the web look-ups.

The DNS side asks every SRV name of RFC 6186/8314 (and ``_autodiscover._tcp``) at once through
the run's resolver, asking for the DNSSEC status (the AD bit of a validating resolver).
"""

from __future__ import annotations

import threading
import time

import dns.exception
import dns.flags
import dns.resolver

from wizard.audit.model import SrvAnswer
from wizard.audit.resolve import resolver_for
from wizard.audit.run import Gathered
from wizard.audit.text import shown
from wizard.checks.model import CancelToken
from wizard.checks.options import CheckOptions

SRV_LABELS = ("_imaps", "_imap", "_submissions", "_submission", "_sieve", "_autodiscover")


def srv_answers(domain: str, options: CheckOptions, end: float) -> tuple[SrvAnswer, ...]:
    """Every SRV name asked side by side, each bounded by ``end``."""
    answers: dict[str, SrvAnswer] = {}

    def ask(label: str) -> None:
        name = f"{label}._tcp.{domain}"
        resolver = resolver_for(options, max(0.05, min(options.timeout, end - time.monotonic())))
        resolver.use_edns(0, dns.flags.DO, 1232)
        resolver.flags = dns.flags.RD | dns.flags.AD
        try:
            answer = resolver.resolve(name, "SRV", raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            answers[label] = SrvAnswer(name, (), False)
            return
        except (dns.exception.DNSException, OSError) as exc:
            answers[label] = SrvAnswer(name, (), False, shown(str(exc) or type(exc).__name__))
            return
        records = tuple(
            sorted(
                (r.priority, r.weight, r.port, r.target.to_text(omit_final_dot=True) or ".")
                for r in (answer.rrset or ())
            )
        )
        answers[label] = SrvAnswer(name, records, bool(answer.response.flags & dns.flags.AD))

    threads = [threading.Thread(target=ask, args=(label,), daemon=True) for label in SRV_LABELS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    return tuple(
        answers.get(label, SrvAnswer(f"{label}._tcp.{domain}", (), False, "no answer in time"))
        for label in SRV_LABELS
    )


def gather(domain: str, options: CheckOptions, cancel: CancelToken, end: float) -> Gathered:
    """Everything the domain publishes that the audit reads."""
    srv = srv_answers(domain, options, end)
    _ = cancel
    return Gathered(sources={}, srv=srv)
