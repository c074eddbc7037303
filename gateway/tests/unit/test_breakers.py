from __future__ import annotations

from gateway.breakers import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=threshold, cooldown_seconds=10, clock=clock)


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
    clock.now += 4

    assert service.wait_seconds() == 6


def test_after_the_cool_down_one_probe_goes_and_its_outcome_decides() -> None:
    clock = Clock()
    service = breaker(clock, threshold=1)
    service.record_failure()
    clock.now += 10

    assert service.wait_seconds() is None  # the probe
    assert service.wait_seconds() == 10  # the others wait for it
    service.record_failure()  # the probe failed: open again
    assert service.wait_seconds() == 10

    clock.now += 10
    assert service.wait_seconds() is None
    service.record_success()
    assert service.wait_seconds() is None
    assert service.wait_seconds() is None


def test_a_threshold_of_zero_never_opens() -> None:
    service = breaker(Clock(), threshold=0)
    for _ in range(100):
        service.record_failure()

    assert service.wait_seconds() is None
