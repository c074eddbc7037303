"""One retry module for webhook deliveries and forwarded partner pushes: the schedule with
jitter, Retry-After within bounds, giving up or going on forever, the claim's lease, the
attempt log's columns, the periodic prune, and their values in the settings only."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.config import Settings
from gateway.partners.forwarding import Forwarder
from gateway.retries import (
    EXCERPT_CHARS,
    Outcome,
    RetrySchedule,
    lease_for,
    periodically,
    retry_after_seconds,
)
from gateway.webhooks.delivery import Deliverer
from kit.wakeup import woken

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


def test_an_attempt_is_logged_in_the_same_columns_by_both() -> None:
    at = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    later = at + timedelta(seconds=5)
    answered = Outcome(at, 12, status=503, answer="x" * 5000, retry_after=3.0)
    silent = Outcome(at, 15000, error="no answer in time")

    assert answered.logged(later) == {
        "attempted_at": at,
        "status_code": 503,
        "duration_ms": 12,
        "response_excerpt": "x" * EXCERPT_CHARS,
        "error": None,
        "next_attempt_at": later,
    }
    assert silent.logged(None)["response_excerpt"] is None
    assert silent.logged(None)["error"] == "no answer in time"
    assert not answered.succeeded
    assert not silent.succeeded
    assert Outcome(at, 1, status=204).succeeded


async def test_the_periodic_prune_goes_on_after_a_failure() -> None:
    runs: list[int] = []
    twice = asyncio.Event()

    async def prune() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("database away")
        twice.set()

    task = asyncio.create_task(periodically(prune, every_seconds=0.01, what="test pruning"))
    try:
        assert await woken(twice, within=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(runs) >= 2


@pytest.mark.parametrize("worker", [Deliverer, Forwarder])
def test_the_workers_take_their_values_from_the_settings_only(worker: type) -> None:
    """No default of its own for what the settings hold: one place to read and change."""
    parameters = inspect.signature(worker).parameters
    for name in ("timeout_seconds", "poll_seconds", "concurrency", "prune_every_seconds"):
        assert parameters[name].default is inspect.Parameter.empty, (worker.__name__, name)
