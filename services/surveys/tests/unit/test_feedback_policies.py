"""When a training's attendee is invited (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts.events import AttendanceRecorded
from surveys.feedback.policies import asks_for_feedback, invitation_due, next_morning


def test_the_invitation_waits_for_the_next_morning_in_paris() -> None:
    winter = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 16:00 in Paris
    assert next_morning(winter, hour=9) == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    late_summer_evening = datetime(2026, 6, 10, 22, 30, tzinfo=UTC)  # 00:30 on the 11th
    assert next_morning(late_summer_evening, hour=9) == datetime(2026, 6, 12, 7, 0, tzinfo=UTC)


def test_attendance_recorded_ahead_waits_for_the_morning_after_the_training_began() -> None:
    recorded = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    in_february = datetime(2027, 2, 4, 8, 30, tzinfo=UTC)  # 9:30 in Paris
    assert invitation_due(recorded, in_february, hour=9) == datetime(2027, 2, 5, 8, 0, tzinfo=UTC)
    # Recorded during or after the training: the morning after the recording, as before.
    this_morning = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert invitation_due(recorded, this_morning, hour=9) == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    assert invitation_due(recorded, None, hour=9) == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


def attendance(**changes: Any) -> AttendanceRecorded:
    return AttendanceRecorded(
        **{
            "registration_id": uuid.uuid4(),
            "event_id": uuid.uuid4(),
            "event_title": "Formation",
            "event_kind": "training",
            "name": "Ada",
            "email": "ada@example.org",
            "attended": True,
            "recorded_at": datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
            "feedback_survey_id": uuid.uuid4(),
        }
        | changes
    )


def test_only_someone_present_at_a_training_with_a_survey_is_asked() -> None:
    assert asks_for_feedback(attendance())
    assert not asks_for_feedback(attendance(attended=False))
    assert not asks_for_feedback(attendance(feedback_survey_id=None))
    assert not asks_for_feedback(attendance(event_kind="conference"))
