"""One time convention for filters: a date-time with its offset, or a plain date.

Query filters that take a moment (``from``, ``to``, ``updated_since``) accept an RFC 3339
date-time with an offset (``2027-01-01T09:00:00+01:00``, ``...Z``) or a date alone
(``2027-01-01``), which means the start of that day in Europe/Paris, the network's time zone.
A date-time without an offset is ambiguous and refused by name.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from kit.problems import InvalidInput

NETWORK_TIME_ZONE = ZoneInfo("Europe/Paris")
MOMENT_FORMATS = (
    "an RFC 3339 date-time with an offset (`2027-01-01T09:00:00+01:00` or `…Z`), or a date "
    "(`2027-01-01`: the start of that day, Europe/Paris)"
)


def start_of_day(day: date) -> datetime:
    """00:00 of ``day`` in Europe/Paris, as an aware date-time."""
    return datetime.combine(day, time.min, tzinfo=NETWORK_TIME_ZONE)


def moment(field: str, value: date | datetime | None) -> datetime | None:
    """The aware date-time ``value`` stands for; ``field`` names it in a 422."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return start_of_day(value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(field, "add an offset (`Z` or `+01:00`), or give a date alone")
    return value
