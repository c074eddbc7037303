"""From domain events to signed POSTs: fan-out into delivery rows, then a delivery loop.

The fan-out runs inside kit's idempotent consumers (one transaction with the inbox row), so
each event gives one delivery per matching endpoint, once. The loop posts due deliveries,
logs every attempt and schedules the next one like Svix: immediately, 5 s, 5 min, 30 min,
2 h, 5 h, 10 h, 10 h, each with some jitter, later if the receiver asks (``Retry-After``).
A 410 Gone disables the endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets as random_tokens
import time
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import PERSONAL_FIELDS
from gateway.webhooks import repository
from gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gateway.webhooks.signing import payload, signed_headers
from gateway.webhooks.urls import PublicOnlyResolver, UnsafeUrl, check_url
from kit.cloudevents import CloudEvent
from kit.db import Database
from kit.models import utcnow

logger = logging.getLogger(__name__)

#: Delays before each attempt, in seconds (Svix's schedule); then the delivery gives up.
SVIX_SCHEDULE: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
#: Event types whose payloads carry a person's name and email, dropped before sending.
_PERSONAL_PREFIXES = ("events.registration.", "events.attendance.")
_EXCERPT_BYTES = 1024
_JITTER = 0.1


def matches(patterns: Collection[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``patterns`` wants ``event_type``."""
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def public_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """What partners may see of an event: registrations without the person's identity."""
    if event_type.startswith(_PERSONAL_PREFIXES):
        return {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}
    return dict(data)


def new_delivery_id() -> str:
    return "msg_" + random_tokens.token_urlsafe(18)


async def fan_out(session: AsyncSession, event: CloudEvent) -> None:
    """One pending delivery per active endpoint subscribed to the event's type."""
    now = utcnow()
    body: bytes | None = None
    for endpoint in await repository.active(session):
        if not matches([str(p) for p in endpoint.event_types], event.type):
            continue
        if body is None:
            body = payload(
                event.type,
                event.time.isoformat().replace("+00:00", "Z"),
                public_data(event.type, event.data),
            )
        session.add(
            WebhookDelivery(
                id=new_delivery_id(),
                endpoint_id=endpoint.id,
                event_id=event.id,
                event_type=event.type,
                body=body.decode(),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await session.flush()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        keys.append(endpoint.previous_secret)
    return keys


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds (only the delay form; dates are rare from receivers)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def next_delay(schedule: Sequence[float], attempts: int, retry_after: float | None) -> float | None:
    """Seconds until the next attempt after ``attempts`` tries, or None to give up."""
    if attempts >= len(schedule):
        return None
    delay = schedule[attempts] * random.uniform(1 - _JITTER, 1 + _JITTER)  # noqa: S311
    if retry_after is not None:
        # Honoured, but never beyond the longest step of the schedule.
        delay = max(delay, min(retry_after, max(schedule)))
    return delay


class Deliverer:
    """Posts due deliveries until cancelled, up to ``concurrency`` at once, each on its own
    (a slow receiver holds only its own slot). Several workers share the work: each claims
    deliveries for a lease before posting them."""

    def __init__(
        self,
        database: Database,
        *,
        allowed_hosts: Collection[str],
        schedule: Sequence[float] = SVIX_SCHEDULE,
        timeout_seconds: float = 15.0,
        poll_seconds: float = 1.0,
        concurrency: int = 50,
    ) -> None:
        self.database = database
        self.allowed_hosts = allowed_hosts
        self.schedule = tuple(schedule)
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        #: How long a claimed delivery stays with this worker before others may retry it.
        self.lease = timedelta(seconds=timeout_seconds + 30)
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self._in_flight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(resolver=PublicOnlyResolver(self.allowed_hosts))
        async with aiohttp.ClientSession(timeout=self.timeout, connector=connector) as http:
            try:
                while True:
                    try:
                        started = await self.start_due(http)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        logger.exception("webhook deliveries failed; trying again")
                        started = 0
                    if started == 0:
                        await asyncio.sleep(self.poll_seconds)
            finally:
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def start_due(self, http: aiohttp.ClientSession) -> int:
        """Start due deliveries not already under way, as slots allow; how many started."""
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        now = utcnow()
        async with self.database.transaction() as session:
            due = await repository.claim_due(
                session,
                now=now,
                lease_until=now + self.lease,
                exclude=self._in_flight,
                limit=free,
            )
            work = [(d.id, e.id, e.url, signing_secrets(e, now), d.body) for d, e in due]
        for item in work:
            self._in_flight.add(item[0])
            task = asyncio.create_task(self._deliver(http, *item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(work)

    async def _deliver(
        self,
        http: aiohttp.ClientSession,
        delivery_id: str,
        endpoint_id: str,
        url: str,
        keys: list[str],
        body: str,
    ) -> None:
        try:
            outcome = await self._post(http, delivery_id, endpoint_id, url, keys, body)
            async with self.database.transaction() as session:
                await self._record(session, delivery_id, endpoint_id, outcome)
        except Exception:
            logger.exception("webhook delivery %s: could not record the attempt", delivery_id)
        finally:
            self._in_flight.discard(delivery_id)

    async def _post(
        self,
        http: aiohttp.ClientSession,
        delivery_id: str,
        endpoint_id: str,
        url: str,
        keys: list[str],
        body: str,
    ) -> _Outcome:
        started = time.perf_counter()
        attempted_at = utcnow()
        raw = body.encode()
        headers = signed_headers(keys, delivery_id, int(time.time()), raw)
        try:
            # Checked again at each attempt (the scheme and IP spellings here; the addresses
            # connected to by the session's PublicOnlyResolver).
            await check_url(url, self.allowed_hosts)
            async with http.post(url, data=raw, headers=headers, allow_redirects=False) as answer:
                excerpt = (await answer.content.read(_EXCERPT_BYTES)).decode(errors="replace")
                return _Outcome(
                    attempted_at,
                    _ms(started),
                    status=answer.status,
                    excerpt=excerpt,
                    retry_after=retry_after_seconds(answer.headers.get("retry-after")),
                )
        except UnsafeUrl as exc:
            return _Outcome(attempted_at, _ms(started), error=f"refused: {exc}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return _Outcome(attempted_at, _ms(started), error=repr(exc) or type(exc).__name__)

    async def _record(
        self, session: AsyncSession, delivery_id: str, endpoint_id: str, outcome: _Outcome
    ) -> None:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:  # its endpoint was deleted meanwhile
            return
        delivery.attempts += 1
        next_at: datetime | None = None
        if outcome.status is not None and 200 <= outcome.status < 300:
            delivery.status = "succeeded"
        elif outcome.status == 410:
            delivery.status = "failed"
            endpoint = await session.get(WebhookEndpoint, endpoint_id)
            if endpoint is not None and endpoint.disabled_at is None:
                endpoint.disabled_at = outcome.attempted_at
                endpoint.disabled_reason = "the receiver answered 410 Gone"
        else:
            delay = next_delay(self.schedule, delivery.attempts, outcome.retry_after)
            if delay is None:
                delivery.status = "failed"
            else:
                next_at = outcome.attempted_at + timedelta(seconds=delay)
        delivery.next_attempt_at = next_at
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                attempted_at=outcome.attempted_at,
                status_code=outcome.status,
                duration_ms=outcome.duration_ms,
                response_excerpt=outcome.excerpt,
                error=outcome.error,
                next_attempt_at=next_at,
            )
        )
        await session.flush()


class _Outcome:
    def __init__(
        self,
        attempted_at: datetime,
        duration_ms: int,
        *,
        status: int | None = None,
        excerpt: str | None = None,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.attempted_at = attempted_at
        self.duration_ms = duration_ms
        self.status = status
        self.excerpt = excerpt
        self.error = error
        self.retry_after = retry_after


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
