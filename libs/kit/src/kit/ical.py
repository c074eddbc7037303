"""The pieces of iCalendar (RFC 5545) every feed writes the same way: TEXT escaping, line
folding at 75 octets, UTC times, the media type.

The calendars themselves (which components, which time zone) are each service's: the events
service's ``agenda/ical.py``, EU watch's ``calls/feeds.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

MEDIA_TYPE = "text/calendar; charset=utf-8"
#: The OpenAPI answer of a route serving iCalendar.
OPENAPI_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "RFC 5545 iCalendar"}
}

_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
#: Every other way to break a line (CR LF, CR, VT, FF, NEL, U+2028, U+2029) reads as a new line.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
#: The control characters TEXT cannot hold (all but tab and, escaped, line feed).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks escaped,
    other control characters dropped, whatever was stored."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value)).translate(_TEXT_ESCAPES)


def folded(line: str) -> bytes:
    """``line`` ended by CRLF, folded so no line is over 75 octets (RFC 5545 §3.1); a fold
    never falls inside a UTF-8 character."""
    raw = line.encode()
    if len(raw) <= 75:
        return raw + b"\r\n"
    pieces = []
    start, limit = 0, 75
    while len(raw) - start > limit:
        cut = start + limit
        while raw[cut] & 0xC0 == 0x80:  # a continuation byte: back to the character's start
            cut -= 1
        pieces.append(raw[start:cut])
        start, limit = cut, 74  # continuation lines begin with a space
    pieces.append(raw[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def utc_time(moment: datetime) -> str:
    """A DATE-TIME in UTC (``20260131T083000Z``)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
