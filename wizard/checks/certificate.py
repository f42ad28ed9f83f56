"""A server certificate in the few words a person and their IT need: who, by whom, when, which.

Why pyasn1 rather than ``cryptography`` (which the project used first): the report only *reads*
five fields of a certificate OpenSSL has already checked (or refused), and ``cryptography``
costs 11 MiB of compiled Rust in every bundle, an eighth of the Linux app, for that. pyasn1 and
pyasn1-modules' RFC 5280 module are pure Python and well kept. ``ssl.getpeercert()`` would
decode the fields for free, but only for a certificate that passed verification; the refused one
(the one IT most needs to see) comes back as DER only, so we decode DER in both cases and the
two paths cannot disagree. Imported lazily: startup does not pay for it.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import UTC, datetime
from typing import Any

from wizard.errors import WizardError

# Short names people and `openssl x509 -noout -subject` use; other attributes show their OID.
_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "1.2.840.113549.1.9.1": "emailAddress",
}
# What the summary shows when present, in this order (the rest only if neither is there).
_SUMMARY_LABELS = ("CN", "O")

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


class CertificateError(WizardError, ValueError):
    """The bytes are not a certificate we can read (never raised for a merely odd one)."""


def load_reader() -> None:
    """Import the DER reader now (~20 ms the first time), e.g. while a run waits on the network,
    so the first certificate described does not pay for it in its TLS step."""
    import pyasn1.codec.der.decoder  # noqa: F401
    import pyasn1_modules.rfc5280  # noqa: F401


def _attribute_text(oid: str, value: Any) -> str:
    """The attribute's value as text, whatever ASN.1 string type the CA chose."""
    from pyasn1.codec.der.decoder import decode
    from pyasn1.error import PyAsn1Error
    from pyasn1_modules import rfc5280

    spec = rfc5280.certificateAttributesMap.get(rfc5280.univ.ObjectIdentifier(oid))
    try:
        decoded, _ = decode(bytes(value), asn1Spec=spec)
    except PyAsn1Error:
        return bytes(value).hex()
    if decoded.isValue and hasattr(decoded, "getComponent"):  # DirectoryString is a CHOICE
        decoded = decoded.getComponent()
    return str(decoded)


def _name_parts(name: Any) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    for rdn in name.getComponent():  # RDNSequence: the only Name choice
        for atv in rdn:
            oid = str(atv["type"])
            parts.append((_SHORT_NAMES.get(oid, oid), _attribute_text(oid, atv["value"])))
    return parts


def _name_summary(name: Any) -> str:
    """Common name and organisation, as the report always showed them; a name without either
    (rare, but CAs do it) is given in full, most specific part first, like RFC 4514."""
    parts = _name_parts(name)
    wanted = [f"{lbl}={value}" for want in _SUMMARY_LABELS for lbl, value in parts if lbl == want]
    if wanted:
        return ", ".join(wanted)
    return ",".join(f"{label}={value}" for label, value in reversed(parts))


def _time_text(time_choice: Any) -> str:
    when: datetime = time_choice.getComponent().asDateTime
    return when.astimezone(UTC).strftime(_TIME_FORMAT)


def _subject_alt_names(tbs: Any) -> tuple[str, ...]:
    from pyasn1.codec.der.decoder import decode
    from pyasn1_modules import rfc5280

    extensions = tbs["extensions"]
    if not extensions.isValue:
        return ()
    dns: list[str] = []
    ips: list[str] = []
    for extension in extensions:
        if extension["extnID"] != rfc5280.id_ce_subjectAltName:
            continue
        names, _ = decode(bytes(extension["extnValue"]), asn1Spec=rfc5280.SubjectAltName())
        for general_name in names:
            kind = general_name.getName()
            if kind == "dNSName":
                dns.append(str(general_name.getComponent()))
            elif kind == "iPAddress":
                ips.append(str(ipaddress.ip_address(bytes(general_name.getComponent()))))
    return tuple(dns + ips)  # DNS names first, as the report always listed them


def describe_certificate(der: bytes) -> dict[str, str | tuple[str, ...]]:
    """Subject, issuer, validity (UTC), SHA-256 fingerprint and DNS/IP names of ``der``."""
    from pyasn1.codec.der.decoder import decode
    from pyasn1.error import PyAsn1Error
    from pyasn1_modules import rfc5280

    try:
        cert, rest = decode(der, asn1Spec=rfc5280.Certificate())
        if rest:
            raise CertificateError("trailing bytes after the certificate")
        tbs = cert["tbsCertificate"]
        return {
            "cert_subject": _name_summary(tbs["subject"]),
            "cert_issuer": _name_summary(tbs["issuer"]),
            "not_before": _time_text(tbs["validity"]["notBefore"]),
            "not_after": _time_text(tbs["validity"]["notAfter"]),
            "sha256": hashlib.sha256(der).hexdigest().upper(),
            "san": _subject_alt_names(tbs),
        }
    except (PyAsn1Error, ValueError) as exc:
        # Only the type: the message could quote bytes of the certificate at length.
        raise CertificateError(f"unreadable certificate ({type(exc).__name__})") from None
