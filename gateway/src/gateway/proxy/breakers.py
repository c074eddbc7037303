"""A circuit breaker per service: stop sending calls to a service known to be down.

After ``failure_threshold`` calls in a row fail to reach a service (refused or broken
connection, or no answer within the upstream timeout), the breaker opens: calls to that
service get a 503 problem at once, with ``Retry-After``, instead of each waiting for a connect
error or a timeout. Any answer from the service, whatever its status, counts as a success: a
500 means the service is up and says something.

An open breaker lets one call through as a probe (the others keep getting 503 until its
outcome is known) after a short first wait (``first_wait_seconds``), then after waits that
double up to ``cooldown_seconds`` while probes fail; and at once when the service's own
readiness says it is back (:meth:`CircuitBreaker.mark_ready`, from the gateway's watch of
``/readyz``). A service restarted in half a second so costs its callers about that long, not a
whole cool-down; a service that stays down is probed less and less often.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: The first wait before probing a service that just went down.
FIRST_WAIT_SECONDS = 0.25


class CircuitBreaker:
    """The breaker of one service (per gateway process); a threshold of 0 never opens."""

    __slots__ = (
        "clock",
        "cooldown_seconds",
        "failure_threshold",
        "failures",
        "first_wait_seconds",
        "open_until",
        "probe_wait",
    )

    def __init__(
        self,
        *,
        failure_threshold: int,
        cooldown_seconds: float,
        first_wait_seconds: float = FIRST_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self.first_wait_seconds = min(first_wait_seconds, cooldown_seconds)
        self.clock = clock
        #: Calls in a row that did not reach the service.
        self.failures = 0
        #: 0.0 while closed; else when the next probe may go.
        self.open_until = 0.0
        #: The wait before the next probe; doubles with each failed probe.
        self.probe_wait = self.first_wait_seconds

    @property
    def is_open(self) -> bool:
        return self.open_until != 0.0

    def wait_seconds(self) -> float | None:
        """None when a call may go now; else how long callers should wait."""
        if self.open_until == 0.0:  # closed: the hot path
            return None
        now = self.clock()
        if now < self.open_until:
            return self.open_until - now
        # Half open: this call is the probe; the others wait for its outcome.
        self.open_until = now + self.probe_wait
        return None

    def mark_ready(self) -> None:
        """The service says it is ready: the next call is a probe, without waiting."""
        if self.open_until != 0.0:
            self.open_until = min(self.open_until, self.clock())

    def record_failure(self) -> None:
        if self.failure_threshold <= 0:  # a breaker turned off never opens
            return
        self.failures += 1
        if self.failures < self.failure_threshold:
            return
        if self.is_open:  # a probe failed: wait longer before the next one
            self.probe_wait = min(self.probe_wait * 2, self.cooldown_seconds)
        self.open_until = self.clock() + self.probe_wait

    def record_success(self) -> None:
        if self.failures:  # usually 0: nothing to write on the hot path
            self.failures = 0
            self.open_until = 0.0
            self.probe_wait = self.first_wait_seconds
