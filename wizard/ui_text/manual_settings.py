"""Words of the manual settings page (host, port and security per service, like Thunderbird's
manual configuration). Qt-free; the checks on what is typed are ``wizard.discovery.manual``'s.
"""

from __future__ import annotations

from wizard.safe_text import visible
from wizard.services import Security, Service

TITLE = "Enter your server settings"
ALLOW_INSECURE = "Allow &unencrypted connections and port 25 (not recommended)"
OPTIONAL = "optional"

# The security choices, in the words mail programs use; the value is what manual.py reads.
SECURITY_CHOICES: tuple[tuple[str, str], ...] = (
    ("SSL/TLS", "ssl"),
    ("STARTTLS", "starttls"),
    ("None (unencrypted)", "none"),
)

# The usual port for each service and security (RFC 8314 prefers implicit TLS).
USUAL_PORTS: dict[tuple[Service, Security], int] = {
    (Service.IMAP, Security.TLS): 993,
    (Service.IMAP, Security.STARTTLS): 143,
    (Service.IMAP, Security.PLAIN): 143,
    (Service.SMTP, Security.TLS): 465,
    (Service.SMTP, Security.STARTTLS): 587,
    (Service.SMTP, Security.PLAIN): 587,
    (Service.SIEVE, Security.TLS): 4190,
    (Service.SIEVE, Security.STARTTLS): 4190,
    (Service.SIEVE, Security.PLAIN): 4190,
}

# The security each service starts with (ManageSieve has no implicit-TLS port in practice).
FIRST_SECURITY = {Service.IMAP: "ssl", Service.SMTP: "ssl", Service.SIEVE: "starttls"}

HOST_HINTS = {Service.IMAP: "imap", Service.SMTP: "smtp", Service.SIEVE: "imap"}


def intro(domain: str) -> str:
    return (
        f"Type the servers your mail provider gave you for {visible(domain)}. The settings are "
        f"checked before anything is set up, and your password is sent only over an encrypted "
        f"connection unless you allow otherwise below."
    )


def host_placeholder(service: Service, domain: str) -> str:
    return f"{HOST_HINTS[service]}.{domain}" if domain else "mail.example.org"
