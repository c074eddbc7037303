"""When a deadline reminder is due (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eu_watch.follows.policies import days_left, due_threshold

CUT_OFF = datetime(2027, 3, 2, 16, 0, tzinfo=UTC)
DAYS = (30, 7)


def test_the_smallest_threshold_reached_is_due() -> None:
    assert due_threshold(CUT_OFF, now=CUT_OFF - timedelta(days=31), thresholds=DAYS) is None
    assert due_threshold(CUT_OFF, now=CUT_OFF - timedelta(days=30), thresholds=DAYS) == 30
    assert due_threshold(CUT_OFF, now=CUT_OFF - timedelta(days=8), thresholds=DAYS) == 30
    # Down at 30 days, back at 6: the 7-day reminder alone.
    assert due_threshold(CUT_OFF, now=CUT_OFF - timedelta(days=6), thresholds=DAYS) == 7
    assert due_threshold(CUT_OFF, now=CUT_OFF, thresholds=DAYS) is None
    assert due_threshold(CUT_OFF, now=CUT_OFF + timedelta(days=1), thresholds=DAYS) is None


def test_a_threshold_reached_before_the_follow_is_not_due() -> None:
    followed = CUT_OFF - timedelta(days=10)
    at = CUT_OFF - timedelta(days=9)
    assert due_threshold(CUT_OFF, now=at, thresholds=DAYS, since=followed) is None
    assert due_threshold(CUT_OFF, now=at, thresholds=DAYS) == 30
    at_7 = CUT_OFF - timedelta(days=6)
    assert due_threshold(CUT_OFF, now=at_7, thresholds=DAYS, since=followed) == 7


def test_days_left_are_rounded_up() -> None:
    assert days_left(CUT_OFF, now=CUT_OFF - timedelta(days=6, hours=2)) == 7
    assert days_left(CUT_OFF, now=CUT_OFF - timedelta(days=29)) == 29
    assert days_left(CUT_OFF, now=CUT_OFF + timedelta(hours=1)) == 0
