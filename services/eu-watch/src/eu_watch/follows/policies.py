"""The rules of follows and deadline reminders (pure)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta


def due_threshold(
    deadline: datetime, *, now: datetime, thresholds: Iterable[int], since: datetime | None = None
) -> int | None:
    """The reminder due now for ``deadline``: the smallest threshold (days before it) that
    ``now`` has reached, among those reached after ``since`` (a follow made 10 days before a
    cut-off gets no "30 days" reminder); None once the cut-off passed or before any. Only
    the smallest: a service that was down 30 days before and is back 6 days before sends
    the 7-day reminder alone, never both at once."""
    if now >= deadline:
        return None
    reached = [
        days
        for days in thresholds
        if deadline - timedelta(days=days) <= now
        and (since is None or deadline - timedelta(days=days) >= since)
    ]
    return min(reached) if reached else None


def days_left(deadline: datetime, *, now: datetime) -> int:
    """Whole days until ``deadline``, rounded up (a cut-off in 6 days and 2 hours: 7)."""
    return max(0, math.ceil((deadline - now).total_seconds() / 86400))
