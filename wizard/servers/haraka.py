"""Haraka (SMTP): how it names itself, its session id, and what its log says per outcome.

Haraka prefixes every line of a connection with its UUID (``UUID``, ``UUID.1`` for the first
message, ``UUID.1.1`` for that message's outbound delivery); its banner shows the UUID's first
characters. Its core "disconnect" line carries the address it saw and the last refusal
(``lr="535 …"``). Lines of no connection carry ``[-]``: Cloudron's auth plugin writes
``[-] [cloudron] authenticated as : USER`` that way. Both the report's hints and the log
reader (``wizard/logs/haraka/``) read these words from here.
"""

from __future__ import annotations

import re

from wizard.servers.blocklist import LISTED_ON
from wizard.servers.outcome import BLOCKLISTED, LOGGED_IN, LOGIN_REFUSED
from wizard.servers.product import Product
from wizard.services import Service

KEY = "haraka"

# Haraka's own auth plugins write no line that names the login: not for a refused one, and not
# for a good one at the usual INFO level (only Cloudron's plugin does: "authenticated as").
LOGIN_NOT_NAMED = "Haraka's own lines about a login do not name the login"

# The connection's id in the log, and the first characters of it the banner shows
# ("… ESMTP Haraka ready (EE0EDA)").
LOG_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
BANNER_SESSION = re.compile(r"\(([0-9A-F][0-9A-F.-]{3,})\)\s*$")
NO_CONNECTION = "-"  # the id of lines that belong to no connection
# Haraka can put "[uuid@host] " before a refusal it sends (uuid.deny_chars); its log has the
# bare text.
DENY_PREFIX = re.compile(r"^\[[^\]@\s]+@[^\]\s]+\]\s*")

# Haraka's own lines (plugin "core"), by how their message starts.
CORE = "core"
CONNECT = "connect "
DISCONNECT = "disconnect "
SENDER = "sender "
RECIPIENT = "recipient "
MESSAGE = "message "
QUEUE = "queue "
HAPROXY = "HAProxy "
TLS_SECURED = "secured"
# A hook line: which plugin answered what ("hook=auth plugin=… retval=DENY msg=…").
HOOK = "hook="
RETVAL = "retval="
DENIED = "DENY"  # retval= and code= of a refusal (DENY, DENYSOFT, DENYDISCONNECT …)
DENY = f"{RETVAL}{DENIED}"
AUTH_HOOK = "params=AUTH"
AUTH_PLUGIN = "auth"  # the auth plugins' names start with it (auth/flat_file, auth_base …)
AUTH_PLUGINS = f"plugin={AUTH_PLUGIN}"
DNS_LIST_PLUGINS = ("dnsbl", "dns-list", "dns_list")
TLS_PLUGIN = "tls"
# Only hook lines with one of these words say something the log reader reports.
HOOK_WORDS = (DENY, AUTH_HOOK, AUTH_PLUGINS, "listed", "plugin=dns")
# The last reply of a connection whose login was refused (lr="535 …" or the enhanced code).
AUTH_REFUSED = ("535", "5.7.8")
# auth_base slows a refused AUTH down before it answers 535, and says so.
AUTH_DELAYED = "delaying for"
AUTH_RESULT = re.compile(r'AUTH user="([^"]*)" success=(true|false)', re.IGNORECASE)
# Cloudron's auth plugin ("[cloudron] authenticated as : USER", or a failure line).
CLOUDRON = "cloudron"
CLOUDRON_AUTH = re.compile(r"authenticated as\s*:\s*(\S+)")
CLOUDRON_AUTH_LINE = "[cloudron] authenticated as"
CLOUDRON_FAIL = re.compile(
    r"(?:authentication failed|failed to authenticate|auth failed)\D*?:?\s*(\S+)?", re.IGNORECASE
)

# A line a client sent that is no command Haraka knows is logged with it as params=…: the
# answer to an AUTH LOGIN or PLAIN challenge is such a line (the base64 login or password).
UNRECOGNIZED_COMMAND = "unrecognized_command"

# Outbound delivery ("[outbound] " before each), per outcome.
OUTBOUND = "[outbound] "
LOOKUP = re.compile(r"Looking up \S+ records for: (\S+)")
ATTEMPT = re.compile(r"Attempting to deliver to: (\S+)")
CONNECT_FAILED = re.compile(r"Ongoing connection failed to (\S+) : (.*)")
POOL_FAILED = re.compile(r"Failed to get (?:pool entry|socket):? (.*)")
TEMP_FAIL = re.compile(r"Temp failing (\S+) for (\d+) seconds: (.*)")
DELIVERED = "delivered"
BOUNCED = ("bouncing mail:", "Double bounce")
REMOTE_REFUSED = "rejected"
# Node's TLS error codes on a "secured" line of an outbound delivery, in words.
TLS_ERRORS = {
    "ERR_TLS_CERT_ALTNAME_INVALID": "the remote server's certificate is for another name",
    "CERT_HAS_EXPIRED": "the remote server's certificate has expired",
    "DEPTH_ZERO_SELF_SIGNED_CERT": "the remote server's certificate is self-signed",
    "SELF_SIGNED_CERT_IN_CHAIN": "the remote server's certificate chain is self-signed",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE": "the remote server's certificate could not be verified",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY": "the remote certificate's issuer is not trusted",
}
ALTNAME_INVALID = "ERR_TLS_CERT_ALTNAME_INVALID"

PRODUCT = Product(
    key=KEY,
    name="Haraka",
    patterns=(
        re.compile(r"\bHaraka(?:/(?P<version>\d[\w.]*))?"),
        re.compile(r"Haraka is at your service"),
        # A refusal at connect time comes before any banner: the words of Haraka's dns-list
        # plugin ("host [1.2.3.4] is listed on …") and of its older dnsbl plugin.
        re.compile(r"^host \[[0-9A-Fa-f:.]+\] is " + LISTED_ON.pattern),
    ),
    usual_log="Haraka's standard output, or the file its log.ini names",
    fragments={
        (Service.SMTP, LOGGED_IN): ("[{session}", f"[{CORE}] {DISCONNECT.strip()}", "ip={seen_ip}"),
        (Service.SMTP, LOGIN_REFUSED): (
            "[{session}",
            f"[{CORE}] {DISCONNECT.strip()}",
            "ip={seen_ip}",
            f'lr="{AUTH_REFUSED[0]}',
        ),
        (Service.SMTP, BLOCKLISTED): (DENY, 'msg="{refusal}"'),
    },
    session_pattern=BANNER_SESSION,
    ehlo_states_peer=True,
    refused_login_note=f"{LOGIN_NOT_NAMED}.",
)
