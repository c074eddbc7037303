"""When the gateway tries an outbound call again: one policy for webhook deliveries and for
partner pushes forwarded to the services.

A schedule lists the wait before each attempt (the first usually 0: at once); past its end,
a delivery gives up while a forwarded push, which must never be dropped, waits the last step
again, forever. Each wait is spread by some jitter so that a receiver back from an outage is
not hit by every retry at the same second, and stretched when the receiver asks for it
(``Retry-After``), never beyond the schedule's longest step. A worker claims what it is about
to try for a lease a little longer than the call's timeout, so another worker takes it over
only once the call has surely ended. The values themselves are settings (``config.py``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

#: Each wait is drawn within ±10 % of its step.
JITTER = 0.1
#: How much longer than the call's timeout a claim lasts.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class RetrySchedule:
    """Waits before each attempt, in seconds: ``before[n]`` after ``n`` attempts."""

    before: tuple[float, ...]
    #: Past the end: False gives up, True waits the last step again, forever.
    forever: bool = False

    @classmethod
    def of(cls, before: Sequence[float], *, forever: bool = False) -> RetrySchedule:
        return cls(tuple(float(step) for step in before), forever=forever)

    @classmethod
    def retries(cls, delays: Sequence[float], *, forever: bool) -> RetrySchedule:
        """A schedule whose first attempt is at once and whose ``n``-th retry waits
        ``delays[n - 1]``."""
        return cls.of([0.0, *delays], forever=forever)

    def delay(self, attempts: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after ``attempts`` attempts, or None to give up."""
        if attempts < len(self.before):
            step = self.before[attempts]
        elif self.forever and self.before:
            step = self.before[-1]
        else:
            return None
        delay = step * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
        if retry_after is not None:
            # Honoured, but never beyond the longest step of the schedule.
            delay = max(delay, min(retry_after, max(self.before)))
        return delay


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds (only the delay form; dates are rare from receivers)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def lease_for(timeout_seconds: float) -> timedelta:
    """How long a claim on an attempt lasts: past the call's timeout, with a margin."""
    return timedelta(seconds=timeout_seconds) + LEASE_MARGIN
