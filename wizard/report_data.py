"""The report's machine-readable part: what ``logs --report`` needs to find a check in the
server's logs, in a stated format instead of the prose around it.

The JSON report (``diagnose --json``) carries it as is. The text report ends with the same keys
as one compact JSON object between two marker lines, so a report pasted into a ticket or mailed
to IT can still be matched without reading sentences that change with the wording::

    -----BEGIN REPORT DATA-----
    {"address":"…","public_ip":…,"checks":[{"service":"imap",…}]}
    -----END REPORT DATA-----

Reading it back is bounded (size and nesting), because the file comes from somebody else.
The format is documented in docs/report.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

BEGIN = "-----BEGIN REPORT DATA-----"
END = "-----END REPORT DATA-----"

# The keys of a check the log matcher reads; their names and meaning are the JSON report's.
CHECK_KEYS = (
    "service",
    "username",
    "ok",
    "cause",
    "started_at",
    "duration_ms",
    "local",
    "server_seen_ip",
    "server_session",
)
TOP_KEYS = ("address", "public_ip")

# A report is a few kB, a few hundred kB with long transcripts; nesting is four levels.
MAX_REPORT_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 32

# A JSON string (an unterminated one runs to the end) or a bracket. Possessive, and a string
# always matches once it has started, so every character is looked at once: a crafted file of
# quotes and backslashes cannot make the scan quadratic.
_PART = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.S)


class ReportDataError(ValueError):
    """The report's data cannot be read; the message is one line fit to show."""


def data_of(report_json: dict[str, Any]) -> dict[str, Any]:
    """The part of the JSON report the text report ends with."""
    data = {key: report_json.get(key) for key in TOP_KEYS}
    data["checks"] = [
        {key: check.get(key) for key in CHECK_KEYS} for check in report_json.get("checks", [])
    ]
    return data


def data_block(report_json: dict[str, Any]) -> list[str]:
    """The three lines the text report ends with."""
    body = json.dumps(data_of(report_json), ensure_ascii=False, separators=(",", ":"))
    return [BEGIN, body, END]


def deeper_than(text: str, limit: int) -> bool:
    """Whether the brackets of a JSON text nest deeper than ``limit``, without parsing it.

    ``json.loads`` recurses once per level and ends in a RecursionError on a few thousand
    ``[``; this counts them first so a hostile file gets a sentence, not a traceback.
    """
    depth = 0
    for m in _PART.finditer(text):
        found = m.group()
        if found in "[{":
            depth += 1
            if depth > limit:
                return True
        elif found in "]}":
            depth -= 1
    return False


def loads(text: str) -> Any:
    """JSON from a report, refused with one line when it is too big, too deep or broken."""
    if len(text) > MAX_REPORT_BYTES:
        raise ReportDataError(f"it is larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB")
    if deeper_than(text, MAX_DEPTH):
        raise ReportDataError(f"its JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportDataError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:  # not reached after the depth check; a sentence all the same
        raise ReportDataError("its JSON is nested too deep") from None


def find_block(text: str) -> Any | None:
    """The data block's JSON in a text report (the last one, if pasted twice), else None.

    A mail program may wrap the long line: the lines between the markers are joined again.
    """
    end = text.rfind(END)
    if end < 0:
        return None
    begin = text.rfind(BEGIN, 0, end)
    if begin < 0:
        return None
    inner = text[begin + len(BEGIN) : end]
    joined = "".join(line.strip() for line in inner.splitlines())
    return loads(joined)
