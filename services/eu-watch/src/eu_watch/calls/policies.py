"""Pure rules about calls: their status from their dates, and what a deadline date means."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from contracts.vocabularies import CallStatus

BRUSSELS = ZoneInfo("Europe/Brussels")
#: The portal's cut-offs fall at 17:00 Brussels time; its API gives only their date. A
#: deadline typed as a date alone means the same hour.
DEADLINE_TIME = time(17, 0)


def deadline_moment(day: date) -> datetime:
    """The cut-off of ``day``: 17:00 in Brussels, with the offset of that date."""
    return datetime.combine(day, DEADLINE_TIME, tzinfo=BRUSSELS)


def in_brussels(moments: Iterable[datetime]) -> list[datetime]:
    """``moments`` sorted, without repeats, shown with Brussels' offset."""
    return sorted({m.astimezone(BRUSSELS) for m in moments})


def derive_status(
    *, opening_date: date | None, final_deadline: datetime | None, now: datetime
) -> CallStatus:
    """Forthcoming before its opening day (Brussels), closed after its last cut-off, open
    otherwise. The portal's own status lags behind the dates, so it is never trusted."""
    if opening_date is not None and now.astimezone(BRUSSELS).date() < opening_date:
        return CallStatus.FORTHCOMING
    if final_deadline is not None and now > final_deadline:
        return CallStatus.CLOSED
    return CallStatus.OPEN
