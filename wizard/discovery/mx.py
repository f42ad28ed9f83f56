"""MX-derived look-ups: the mail exchanger's registrable domain asked for autoconfig and ISPDB.

Many domains are hosted by a provider whose own domain publishes the settings (MX
``mx01.mail.example-host.net`` → ``example-host.net``, its autoconfig, its ISPDB entry). The
provider's domain is not the address's, so the answer is trusted only when the MX answer itself
was DNSSEC-validated (the AD bit); otherwise it is shown with that domain and confirmed first.
Only the domain goes out; never the address.
"""

from __future__ import annotations

import threading
import time

from wizard.checks.errors import CheckCancelled
from wizard.checks.model import CancelToken
from wizard.discovery.autoconfig import autoconfig_url, lookup_document
from wizard.discovery.ispdb import lookup_ispdb
from wizard.discovery.model import Lookup, Outcome
from wizard.discovery.net import DnsAnswer, LookupTimeout, Network
from wizard.trust import OriginKind, registrable_domain


def mx_hosts(answer: DnsAnswer) -> list[str]:
    """The exchangers in preference order (lowest number first), without the null MX."""
    pairs = []
    for record in answer.records:
        pref, _, host = record.partition(" ")
        host = host.strip().rstrip(".").lower()
        if host and pref.isdigit():
            pairs.append((int(pref), host))
    return [h for _, h in sorted(pairs)]


def lookup_mx(
    net: Network,
    *,
    domain: str,
    address: str,
    ispdb_base: str,
    rank: int,
    cancel: CancelToken,
    end: float,
) -> Lookup:
    t0 = time.monotonic()
    where = f"{domain} MX"
    try:
        answer = net.query(domain, "MX", lifetime=min(net.op_timeout, end - time.monotonic()))
    except (LookupTimeout, OSError) as exc:
        return Lookup(OriginKind.MX, where, Outcome.ERROR, rank, detail=str(exc), ms=_ms(t0))
    hosts = mx_hosts(answer)
    facts = {"mx": ", ".join(hosts), "dnssec": str(answer.dnssec).lower()}
    if not hosts:
        return Lookup(OriginKind.MX, where, Outcome.NONE, rank, detail="no MX", ms=_ms(t0))
    mx_domain = registrable_domain(hosts[0])
    if mx_domain == registrable_domain(domain):
        detail = f"the MX {hosts[0]} is in {mx_domain} itself (asked above)"
        return Lookup(OriginKind.MX, where, Outcome.SKIPPED, rank, detail=detail, ms=_ms(t0))
    results: dict[str, Lookup] = {}

    def ask(name: str) -> None:
        try:
            if name == "autoconfig":
                results[name] = lookup_document(
                    net,
                    kind=OriginKind.MX,
                    rank=rank,
                    url=autoconfig_url(mx_domain),
                    address=address,
                    domain=mx_domain,
                    cancel=cancel,
                    end=end,
                    trusted_if_https=answer.dnssec,
                )
            else:
                results[name] = lookup_ispdb(
                    net,
                    base=ispdb_base,
                    domain=mx_domain,
                    address=address,
                    rank=rank,
                    cancel=cancel,
                    end=end,
                    kind=OriginKind.MX,
                    trusted_if_https=answer.dnssec,
                )
        except CheckCancelled:
            pass

    threads = [
        threading.Thread(target=ask, args=(n,), daemon=True) for n in ("autoconfig", "ispdb")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    cancel.raise_if_cancelled()
    for name in ("autoconfig", "ispdb"):
        found = results.get(name)
        if found is not None and found.found:
            why = (
                found.why if answer.dnssec else f"MX {hosts[0]} (not DNSSEC-validated): {found.why}"
            )
            return Lookup(
                OriginKind.MX,
                found.where,
                Outcome.FOUND,
                rank,
                found.trusted,
                why,
                found.detail,
                _ms(t0),
                found.settings.distrusted(why)
                if found.settings and not found.trusted
                else found.settings,
                facts,
            )
    details = "; ".join(f"{r.where}: {r.detail or r.outcome}" for r in results.values())
    return Lookup(
        OriginKind.MX,
        where,
        Outcome.NONE,
        rank,
        detail=f"MX {hosts[0]}: {details}",
        ms=_ms(t0),
        facts=facts,
    )


def _ms(t0: float) -> float:
    return (time.monotonic() - t0) * 1000
