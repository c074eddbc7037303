"""A circuit breaker per service: stop sending calls to a service known to be down.

After ``failure_threshold`` calls in a row fail to reach a service (refused or broken
connection, or no answer within the upstream timeout), the breaker opens: calls to that
service get a 503 problem at once, with ``Retry-After``, instead of each waiting for a connect
error or a timeout. After ``cooldown_seconds`` one call goes through as a probe (the others
keep getting 503 for another cool-down): if it reaches the service the breaker closes,
otherwise it opens again. Any answer from the service, whatever its status, counts as a
success: a 500 means the service is up and says something.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class CircuitBreaker:
    """The breaker of one service (per gateway process); a threshold of 0 never opens."""

    __slots__ = ("clock", "cooldown_seconds", "failure_threshold", "failures", "open_until")

    def __init__(
        self,
        *,
        failure_threshold: int,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self.clock = clock
        #: Calls in a row that did not reach the service.
        self.failures = 0
        #: 0.0 while closed; else when the next probe may go.
        self.open_until = 0.0

    def wait_seconds(self) -> float | None:
        """None when a call may go now; else how long callers should wait."""
        if self.open_until == 0.0:  # closed: the hot path
            return None
        now = self.clock()
        if now < self.open_until:
            return self.open_until - now
        # Half open: this call is the probe; the others wait for its outcome.
        self.open_until = now + self.cooldown_seconds
        return None

    def record_failure(self) -> None:
        if self.failure_threshold <= 0:  # a breaker turned off never opens
            return
        self.failures += 1
        if self.failures >= self.failure_threshold:
            self.open_until = self.clock() + self.cooldown_seconds

    def record_success(self) -> None:
        if self.failures:  # usually 0: nothing to write on the hot path
            self.failures = 0
            self.open_until = 0.0
