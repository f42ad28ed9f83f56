"""The autoconfig file (Mozilla ``clientConfig`` 1.1) a domain serves for Thunderbird.

Served at ``https://autoconfig.<d>/mail/config-v1.1.xml`` and
``https://<d>/.well-known/autoconfig/mail/config-v1.1.xml``. Written for what Thunderbird's
reader (comm-central ``mail/components/accountcreation/modules/readFromXML.sys.mjs``) demands:
``emailProvider`` with an ``id`` that is a host name and at least one ``<domain>``; each server
with ``type``, ``hostname``, ``port`` (1–65535), a ``socketType`` of ``SSL``, ``STARTTLS`` or
``plain``, ``username`` and ``authentication``. Thunderbird ignores elements it does not know,
so the ManageSieve server (this app's extension) rides along for this app's own discovery;
IT's private extensions (branding, server logs, blocklists) stay out of the public file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from wizard.kit.model import KitTarget
from wizard.provider import ServerSettings


def _server(parent: ET.Element, tag: str, kind: str | None, server: ServerSettings) -> None:
    node = ET.SubElement(parent, tag, {"type": kind} if kind else {})
    ET.SubElement(node, "hostname").text = server.hostname
    ET.SubElement(node, "port").text = str(server.port)
    ET.SubElement(node, "socketType").text = server.security.socket_type
    ET.SubElement(node, "username").text = server.username_template
    ET.SubElement(node, "authentication").text = server.authentication


def autoconfig_xml(target: KitTarget) -> bytes:
    """The document, UTF-8 with an XML declaration, indented for IT to read."""
    provider = target.provider
    root = ET.Element("clientConfig", {"version": "1.1"})
    ep = ET.SubElement(root, "emailProvider", {"id": target.name})
    domains = [target.name] + [d for d in provider.domains if d != target.name]
    for domain in domains:
        ET.SubElement(ep, "domain").text = domain
    ET.SubElement(ep, "displayName").text = provider.display_name
    ET.SubElement(ep, "displayShortName").text = provider.short_name
    _server(ep, "incomingServer", "imap", provider.imap)
    for smtp in (provider.smtp, *provider.smtp_alternatives):
        _server(ep, "outgoingServer", "smtp", smtp)
    if provider.sieve is not None:
        _server(ep, "manageSieveServer", None, provider.sieve)
    if provider.documentation:
        doc = ET.SubElement(ep, "documentation", {"url": provider.documentation})
        ET.SubElement(doc, "descr", {"lang": "en"}).text = "Setting up mail"
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
