"""Which training's attendee is invited to its satisfaction survey, and when."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.events import AttendanceRecorded
from contracts.vocabularies import EventKind

PARIS = ZoneInfo("Europe/Paris")


def next_morning(recorded_at: datetime, *, hour: int) -> datetime:
    """``hour`` o'clock (Paris time) on the day after ``recorded_at``, in UTC.

    Attendance is often recorded during the session: the invitation waits for the next
    morning, when the day's impressions are fresh and nobody is still in the room.
    """
    local_day = recorded_at.astimezone(PARIS).date() + timedelta(days=1)
    return datetime.combine(local_day, time(hour=hour), tzinfo=PARIS).astimezone(UTC)


def invitation_due(
    recorded_at: datetime, training_starts_at: datetime | None, *, hour: int
) -> datetime:
    """When an attendee is invited: the morning after attendance was recorded, never before
    the morning after the training began. Attendance recorded ahead (a sheet filled in on
    the eve, or by mistake) must not ask someone about a training they have not had yet."""
    moment = recorded_at if training_starts_at is None else max(recorded_at, training_starts_at)
    return next_morning(moment, hour=hour)


def asks_for_feedback(attendance: AttendanceRecorded) -> bool:
    """Whether this attendance leads to a satisfaction invitation: someone present at a
    training that names a satisfaction survey (absences, other kinds of event, and trainings
    without a survey ask nothing)."""
    return (
        attendance.attended
        and attendance.feedback_survey_id is not None
        and attendance.event_kind == EventKind.TRAINING.value
    )
