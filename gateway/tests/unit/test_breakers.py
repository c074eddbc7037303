from __future__ import annotations

import pytest

from gateway.proxy.breakers import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=threshold, cooldown_seconds=10, first_wait_seconds=0.5, clock=clock
    )


def test_it_opens_after_failures_in_a_row_only() -> None:
    clock = Clock()
    service = breaker(clock)
    service.record_failure()
    service.record_failure()
    service.record_success()
    service.record_failure()
    service.record_failure()

    assert service.wait_seconds() is None

    service.record_failure()
    clock.now += 0.2

    assert service.wait_seconds() == pytest.approx(0.3)


def test_probes_start_early_and_back_off_to_the_cool_down_while_they_fail() -> None:
    """A restart of half a second used to cost callers the whole cool-down (10 s)."""
    clock = Clock()
    service = breaker(clock, threshold=1)
    service.record_failure()
    waits = []
    for _ in range(7):
        waits.append(service.wait_seconds())
        clock.now += waits[-1] or 0
        assert service.wait_seconds() is None  # the probe
        assert service.wait_seconds() is not None  # the others wait for it
        service.record_failure()  # the probe failed
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]

    clock.now += 10
    assert service.wait_seconds() is None
    service.record_success()
    assert service.wait_seconds() is None
    service.record_failure()  # down again: the first wait is short again
    assert service.wait_seconds() == 0.5


def test_readiness_lets_the_next_call_probe_at_once() -> None:
    clock = Clock()
    service = breaker(clock, threshold=1)
    service.record_failure()
    for _ in range(5):  # long down: probes 10 s apart
        clock.now += 10
        assert service.wait_seconds() is None
        service.record_failure()
    assert service.wait_seconds() == 10

    service.mark_ready()

    assert service.wait_seconds() is None  # the probe, without waiting
    assert service.wait_seconds() == 10
    service.record_success()
    assert not service.is_open


def test_a_threshold_of_zero_never_opens() -> None:
    service = breaker(Clock(), threshold=0)
    for _ in range(100):
        service.record_failure()

    assert service.wait_seconds() is None
    service.mark_ready()
    assert not service.is_open
