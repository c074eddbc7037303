"""When a training's attendee is invited to its satisfaction survey."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def next_morning(recorded_at: datetime, *, hour: int) -> datetime:
    """``hour`` o'clock (Paris time) on the day after ``recorded_at``, in UTC.

    Attendance is often recorded during the session: the invitation waits for the next
    morning, when the day's impressions are fresh and nobody is still in the room.
    """
    local_day = recorded_at.astimezone(PARIS).date() + timedelta(days=1)
    return datetime.combine(local_day, time(hour=hour), tzinfo=PARIS).astimezone(UTC)
