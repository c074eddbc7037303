"""One time convention for filters: a date-time with its offset, or a plain date.

Query filters that take a moment (``from``, ``to``, ``updated_since``) accept an RFC 3339
date-time with an offset (``2027-01-01T09:00:00+01:00``, ``...Z``) or a date alone
(``2027-01-01``), which means the start of that day in Europe/Paris, the network's time zone.
A date-time without an offset is ambiguous and refused by name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, WithJsonSchema

NETWORK_TIME_ZONE = ZoneInfo("Europe/Paris")
MOMENT_FORMATS = (
    "an RFC 3339 date-time with an offset (`2027-01-01T09:00:00+01:00` or `…Z`), or a date "
    "(`2027-01-01`: the start of that day, Europe/Paris)"
)


def start_of_day(day: date) -> datetime:
    """00:00 of ``day`` in Europe/Paris, as an aware date-time."""
    return datetime.combine(day, time.min, tzinfo=NETWORK_TIME_ZONE)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_moment(value: Any) -> Any:
    """A query string's moment as an aware date-time (a date: 00:00 Europe/Paris).

    Parsed here rather than by a ``datetime | date`` union, which would read
    ``2027-01-01T00:00:00`` (no offset) as a date and ``2027-01-01`` as a naive date-time.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            return start_of_day(date.fromisoformat(text))
        except ValueError as exc:
            raise ValueError(f"not a date: {text}") from exc
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"expected {MOMENT_FORMATS}") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("add an offset (`Z` or `+01:00`), or give a date alone")
    return parsed


def in_utc_range(moment: datetime) -> datetime:
    """``moment``, if UTC can hold it: the databases store UTC, and a moment whose UTC falls
    outside years 1 to 9999 (``9999-12-31T23:59:59-14:00``, or ``0001-01-01`` in Paris)
    overflowed when the query was bound (a 500)."""
    try:
        moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range: its UTC time falls outside years 1 to 9999") from exc
    return moment


#: A filter's moment: an aware date-time, from either written form (documented as both).
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(parse_moment),
    AfterValidator(in_utc_range),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
            ],
            "description": MOMENT_FORMATS,
        }
    ),
]
