"""The configuration profile (``.mobileconfig``) for Apple Mail on macOS, iPhone and iPad.

Apple Mail does no discovery for a custom domain, so the profile is how IT hands out the
settings. The kit's profile serves everyone at the domain: it is the per-person profile of
``wizard.mobileconfig`` without the person. ``EmailAddress``, the account name and the logins
are left out, and the device asks for each while installing (Apple's schema marks them
optional for exactly this). When the login is not the full address the person types it.
"""

from __future__ import annotations

import plistlib
from typing import Any

from wizard.kit.model import KitTarget
from wizard.mobileconfig import SigningIdentity, build_profile, sign_profile

_PERSONAL_KEYS = (
    "EmailAddress",
    "EmailAccountName",
    "IncomingMailServerUsername",
    "OutgoingMailServerUsername",
)


def domain_profile(target: KitTarget) -> dict[str, Any]:
    """The profile plist for every address of the domain (stable identifiers per domain)."""
    organization = target.provider.branding.organization
    profile = build_profile(target.provider, f"@{target.name}", organization)
    mail = profile["PayloadContent"][0]
    for key in _PERSONAL_KEYS:
        mail.pop(key, None)
    mail["PayloadDisplayName"] = f"{organization} mail"
    mail["PayloadDescription"] = f"Adds a {target.name} mail account to Mail."
    mail["EmailAccountDescription"] = f"{organization} mail"
    profile["PayloadDisplayName"] = f"{organization} mail"
    profile["PayloadDescription"] = (
        f"Sets up a {target.name} mail account in Mail with {organization}'s server "
        "settings. You will be asked for your address, login and password while installing; "
        "the password is not stored in this file."
    )
    return profile


def domain_profile_bytes(target: KitTarget, signing: SigningIdentity | None = None) -> bytes:
    data = plistlib.dumps(domain_profile(target), fmt=plistlib.FMT_XML)
    return sign_profile(data, signing) if signing is not None else data
