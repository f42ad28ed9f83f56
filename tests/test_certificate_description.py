"""The report's certificate facts, read by pyasn1, agree with an independent reader (cryptography).

cryptography is only a test dependency now (trustme needs it); here it builds certificates with
the awkward parts real CAs produce, and reads them back as the oracle.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wizard.checks import tls
from wizard.checks.certificate import CertificateError, describe_certificate

FMT = "%Y-%m-%d %H:%M:%S UTC"
KEY = ec.generate_private_key(ec.SECP256R1())


def oracle(der: bytes) -> dict[str, object]:
    cert = x509.load_der_x509_certificate(der)

    def name(n: x509.Name) -> str:
        parts = [
            f"{label}={a.value}"
            for oid, label in ((NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATION_NAME, "O"))
            for a in n.get_attributes_for_oid(oid)
        ]
        return ", ".join(parts) or n.rfc4514_string()

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = list(san.get_values_for_type(x509.DNSName))
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    return {
        "cert_subject": name(cert.subject),
        "cert_issuer": name(cert.issuer),
        "not_before": cert.not_valid_before_utc.strftime(FMT),
        "not_after": cert.not_valid_after_utc.strftime(FMT),
        "sha256": hashlib.sha256(der).hexdigest().upper(),
        "san": tuple(names),
    }


def build(
    subject: list[x509.NameAttribute],
    *,
    not_before: datetime,
    not_after: datetime,
    san: list[x509.GeneralName] | None = None,
) -> bytes:
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CA Ltd")]))
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    cert = builder.sign(KEY, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


def trustme_leaf() -> bytes:
    ca = trustme.CA()
    leaf = ca.issue_cert("my.sepheo.co", "127.0.0.1", "::1")
    pem = leaf.cert_chain_pems[0].bytes()
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


PRINTABLE = x509.name._ASN1Type.PrintableString
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)

CASES = {
    "trustme leaf with DNS and IPv4/IPv6 names": trustme_leaf,
    "UTF-8 and non-Latin names": lambda: build(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "méil.exämple.de"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Société Générale 株式会社"),
        ],
        not_before=NOW,
        not_after=NOW + timedelta(days=90),
        san=[x509.DNSName("xn--mil-bma.xn--exmple-cua.de")],
    ),
    "dates after 2049 use GeneralizedTime": lambda: build(
        [x509.NameAttribute(NameOID.COMMON_NAME, "long.example")],
        not_before=datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC),
        not_after=datetime(2101, 1, 1, tzinfo=UTC),
    ),
    "no CN and no O: the whole name": lambda: build(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Mail"),
        ],
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
        san=[x509.IPAddress(ipaddress.ip_address("192.0.2.7"))],
    ),
    "printable string with a comma": lambda: build(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "mail.example", _type=PRINTABLE),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bloggs, Joe & Co"),
        ],
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_description_matches_an_independent_reader(case: str) -> None:
    der = CASES[case]()
    assert describe_certificate(der) == oracle(der)


def test_not_a_certificate_is_refused_with_a_short_message() -> None:
    with pytest.raises(CertificateError) as info:
        describe_certificate(b"\x30\x03\x02\x01\x05" + b"junk" * 100)
    assert "junk" not in str(info.value)
    assert len(str(info.value)) < 80


def test_unreadable_certificate_still_has_its_fingerprint_in_the_report() -> None:
    der = b"\x30\x82\x00\x10not a certificate"
    facts = tls.describe_certificate(der)
    assert facts == {"sha256": hashlib.sha256(der).hexdigest().upper()}


def test_trailing_bytes_are_not_silently_ignored() -> None:
    der = trustme_leaf()
    with pytest.raises(CertificateError):
        describe_certificate(der + b"\x00")
