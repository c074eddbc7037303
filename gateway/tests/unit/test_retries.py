"""One retry policy for webhook deliveries and forwarded partner pushes: the schedule with
jitter, Retry-After within bounds, giving up or going on forever, the claim's lease."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.config import Settings
from gateway.retries import RetrySchedule, lease_for, retry_after_seconds

#: Svix's schedule: what the settings give webhook deliveries by default.
SVIX_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


def default(name: str) -> Any:
    factory = Settings.model_fields[name].default_factory
    assert factory is not None
    return factory()  # type: ignore[call-arg]


def test_webhook_deliveries_default_to_svix_s_schedule_in_the_settings_only() -> None:
    assert default("webhook_retry_schedule_seconds") == list(SVIX_SCHEDULE)


def test_the_schedule_is_svix_with_jitter_then_gives_up() -> None:
    schedule = RetrySchedule.of(SVIX_SCHEDULE)
    delays = [schedule.delay(n, None) for n in range(len(SVIX_SCHEDULE) + 1)]

    assert delays[-1] is None
    for delay, step in zip(delays, SVIX_SCHEDULE, strict=False):
        assert delay is not None
        assert step * 0.9 <= delay <= step * 1.1


def test_retry_after_postpones_the_next_attempt_within_the_schedule() -> None:
    schedule = RetrySchedule.of(SVIX_SCHEDULE)

    assert schedule.delay(1, 120.0) == 120.0
    assert schedule.delay(1, 10**9) == max(SVIX_SCHEDULE)
    assert retry_after_seconds("30") == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert retry_after_seconds(None) is None


def test_a_forwarded_push_is_retried_forever_on_the_last_step() -> None:
    schedule = RetrySchedule.retries([1.0, 5.0, 60.0], forever=True)

    first = schedule.delay(1)  # after the first failed attempt
    assert first is not None
    assert 0.9 <= first <= 1.1
    for attempts in (3, 4, 100):
        late = schedule.delay(attempts)
        assert late is not None
        assert 54.0 <= late <= 66.0
    asked = schedule.delay(1, 10**6)  # Retry-After: honoured up to the longest step
    assert asked == 60.0


def test_a_claim_outlasts_the_call_it_covers() -> None:
    assert lease_for(15.0) == timedelta(seconds=45)
