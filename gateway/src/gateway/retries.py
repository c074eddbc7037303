"""Every outbound attempt of the gateway: webhook deliveries (``gateway.webhooks.delivery``)
and partner pushes forwarded to the services (``gateway.partners.forwarding``) share what
follows, and only the settings (``config.py``) hold its values.

A schedule lists the wait before each attempt (the first usually 0: at once); past its end,
a delivery gives up while a forwarded push, which must never be dropped, waits the last step
again, forever. Each wait is spread by some jitter so that a receiver back from an outage is
not hit by every retry at the same second, and stretched when the receiver asks for it
(``Retry-After``), never beyond the schedule's longest step. A worker claims what it is about
to try for a lease a little longer than the call's timeout, so another worker takes it over
only once the call has surely ended. What an attempt gave (:class:`Outcome`) is logged in the
same columns by both (:meth:`Outcome.logged`), and what they keep is pruned on the same beat
(:func:`periodically`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

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


#: How much of an answer an attempt's log keeps (the first kilobyte).
EXCERPT_CHARS = 1024


@dataclass(frozen=True)
class Outcome:
    """What one outbound attempt gave, as the attempt log records it."""

    attempted_at: datetime
    duration_ms: int
    #: The receiver's HTTP status; None when no answer came (timeout, refused, SSRF guard).
    status: int | None = None
    #: What was read of the answer.
    answer: str | None = None
    #: Why no answer came, in words.
    error: str | None = None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def excerpt(self) -> str | None:
        """The start of the answer, as logged; None when none came."""
        return None if self.status is None else (self.answer or "")[:EXCERPT_CHARS]

    def logged(self, next_attempt_at: datetime | None) -> dict[str, Any]:
        """The columns every attempt log has (``webhook_attempts``, ``partner_attempts``)."""
        return {
            "attempted_at": self.attempted_at,
            "status_code": self.status,
            "duration_ms": self.duration_ms,
            "response_excerpt": self.excerpt,
            "error": self.error,
            "next_attempt_at": next_attempt_at,
        }


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a ``time.perf_counter()``)."""
    return round((time.perf_counter() - started) * 1000)


async def periodically(
    job: Callable[[], Awaitable[object]], *, every_seconds: float, what: str
) -> None:
    """Run ``job`` now and every ``every_seconds`` until cancelled (the retention prune of
    what was attempted); a failure is logged and the job tried again next time."""
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s failed; trying again later", what)
        await asyncio.sleep(every_seconds)


def in_words(exc: BaseException) -> str:  # noqa: PLR0911 (one plain answer per kind of failure)
    """A failed attempt as its owner reads it (a webhook endpoint's owner, a partner reading its
    pushes): "connection refused by 127.0.0.1:18923",
    "no answer in time", never a Python repr."""
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"could not resolve {exc.host}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"TLS certificate of {exc.host} refused: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return f"TLS handshake with {exc.host}:{exc.port} failed"
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror or str(exc.os_error)
        if isinstance(exc.os_error, ConnectionRefusedError):
            return f"connection refused by {exc.host}:{exc.port}"
        return f"could not connect to {exc.host}:{exc.port}: {reason.lower()}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the receiver closed the connection before answering"
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        return f"unreadable answer: {exc}"
    text = str(exc).strip()
    return text or "request failed"
