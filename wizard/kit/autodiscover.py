"""The Autodiscover (POX) answer Outlook and Thunderbird read for IMAP and SMTP settings.

Outlook POSTs a request to ``https://<d>/autodiscover/autodiscover.xml`` or
``https://autodiscover.<d>/…`` and reads ``Autodiscover/Response/Account/Protocol`` entries
(Microsoft's POX reference for Exchange, "Protocol (POX)"; element order as listed there).
Two elements say how a connection is secured, and they are easy to get wrong:

* ``SSL`` (``on``/``off``) only says *whether* the connection is encrypted;
* ``Encryption`` (``None``, ``SSL``, ``TLS``, ``Auto``) says *how*, and overrides ``SSL``:
  ``SSL`` is implicit TLS (993, 465), ``TLS`` is STARTTLS (143, 587).

Without ``Encryption``, ``SSL on`` on 587 makes a client try implicit TLS where the server
speaks STARTTLS. Thunderbird's reader (``ExchangeAutoDiscover.sys.mjs``) guesses from the port
instead, so both are written. A static file cannot name a per-person login: ``LoginName`` is
left out, and Outlook and Thunderbird then log in with the email address, which is right only
when the provider's login is the full address (the README says so otherwise).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from wizard.kit.model import KitTarget
from wizard.provider import ServerSettings
from wizard.services import Security

RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

ENCRYPTION = {Security.TLS: "SSL", Security.STARTTLS: "TLS", Security.PLAIN: "None"}
# "Secure Password Authentication" is NTLM or Kerberos; a password sent inside TLS is not SPA.
_SPA_AUTH = {"NTLM", "GSSAPI"}


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _protocol(account: ET.Element, kind: str, server: ServerSettings) -> None:
    node = ET.SubElement(account, "Protocol")
    ET.SubElement(node, "Type").text = kind
    ET.SubElement(node, "Server").text = server.hostname
    ET.SubElement(node, "Port").text = str(server.port)
    ET.SubElement(node, "DomainRequired").text = "off"
    ET.SubElement(node, "SPA").text = _on(server.authentication in _SPA_AUTH)
    ET.SubElement(node, "SSL").text = _on(server.security is not Security.PLAIN)
    ET.SubElement(node, "Encryption").text = ENCRYPTION[server.security]
    ET.SubElement(node, "AuthRequired").text = "on"
    if kind == "SMTP":
        # The same login as the incoming server, and no "send before receive" ordering.
        ET.SubElement(node, "UsePOPAuth").text = "on"
        ET.SubElement(node, "SMTPLast").text = "off"


def autodiscover_xml(target: KitTarget) -> bytes:
    """The response document for every address of the domain (it names no person)."""
    provider = target.provider
    root = ET.Element("Autodiscover", {"xmlns": RESPONSE_NS})
    response = ET.SubElement(root, "Response", {"xmlns": OUTLOOK_NS})
    account = ET.SubElement(response, "Account")
    ET.SubElement(account, "AccountType").text = "email"
    ET.SubElement(account, "Action").text = "settings"
    _protocol(account, "IMAP", provider.imap)
    for smtp in (provider.smtp, *provider.smtp_alternatives):
        _protocol(account, "SMTP", smtp)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
