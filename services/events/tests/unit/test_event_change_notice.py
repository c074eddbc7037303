"""Which change of an event its registrants hear of."""

from __future__ import annotations

from events.registrations.messages import EventChange, event_change

MORNING = [{"start": "2031-03-12T09:00:00+01:00", "end": "2031-03-12T12:00:00+01:00"}]
SAME_IN_UTC = [{"start": "2031-03-12T08:00:00+00:00", "end": "2031-03-12T11:00:00+00:00"}]
AFTERNOON = [{"start": "2031-03-12T14:00:00+01:00", "end": "2031-03-12T17:00:00+01:00"}]


def change(**kw: object) -> EventChange | None:
    values: dict[str, object] = {
        "status_before": "scheduled",
        "status_after": "scheduled",
        "timings_before": MORNING,
        "timings_after": MORNING,
        "mode_before": "offline",
        "mode_after": "offline",
        **kw,
    }
    return event_change(**values)  # type: ignore[arg-type]


def test_nothing_to_tell_for_a_change_they_would_not_notice() -> None:
    assert change() is None
    assert change(timings_after=SAME_IN_UTC) is None  # same instants, other spelling
    assert change(mode_before="online", mode_after="mixed") is None


def test_cancellation_wins_and_is_told_once() -> None:
    assert change(status_after="cancelled", timings_after=AFTERNOON) is EventChange.CANCELLED
    assert change(status_before="cancelled", status_after="cancelled") is None
    assert change(status_before="cancelled", status_after="cancelled",
                  timings_after=AFTERNOON) is None  # fmt: skip


def test_moved_online_by_status_or_by_mode() -> None:
    assert change(status_after="moved_online") is EventChange.MOVED_ONLINE
    assert change(mode_after="online") is EventChange.MOVED_ONLINE
    assert change(status_before="moved_online", status_after="moved_online") is None


def test_new_times_are_a_reschedule() -> None:
    assert change(timings_after=AFTERNOON) is EventChange.RESCHEDULED
