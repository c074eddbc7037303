"""From domain events to signed POSTs: fan-out into delivery rows, then a delivery loop.

The fan-out runs inside kit's idempotent consumers (one transaction with the inbox row), so
each event gives one delivery per matching endpoint, once. The loop posts due deliveries,
logs every attempt and schedules the next one by ``gateway.retries`` on the schedule of the
settings (Svix's: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), with jitter, later
if the receiver asks (``Retry-After``).
A 410 Gone disables the endpoint, and so does failing without a success for five days; the
owner is told by a ``gateway.webhook_endpoint.disabled`` event. Deliveries to one endpoint
about one record (the CloudEvent subject) go out one at a time, in order.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets as random_tokens
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import registry
from contracts.gateway import ENDPOINT_DISABLED, WEBHOOK_PING
from gateway.retries import (
    EXCERPT_CHARS,
    Outcome,
    RetrySchedule,
    elapsed_ms,
    in_words,
    lease_for,
    periodically,
    retry_after_seconds,
)
from gateway.webhooks import repository
from gateway.webhooks.audience import delivered_to
from gateway.webhooks.models import WebhookDelivery, WebhookEndpoint, outbox
from gateway.webhooks.signing import payload, signed_headers, signing_secrets
from gateway.webhooks.urls import PublicOnlyResolver, UnsafeUrl, check_url, parse_allowed_hosts
from kit.cloudevents import CloudEvent
from kit.db import Database
from kit.models import utcnow
from kit.wakeup import woken

if TYPE_CHECKING:
    from gateway.config import Settings

logger = logging.getLogger(__name__)

_ORDERING_KEY_LENGTH = 200
#: Deliveries deleted per statement while pruning: no purge holds its locks for long.
PRUNE_BATCH = 1000

#: Where the worker reads the time (a test moves it days ahead).
Clock = Callable[[], datetime]


def public_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """What a webhook body carries of an event: its data less the type's private fields
    (registrations without the person's identity, actors without their membership)."""
    private = registry.private_fields(event_type)
    return {k: v for k, v in data.items() if k not in private}


def new_delivery_id() -> str:
    return "msg_" + random_tokens.token_urlsafe(18)


def ordering_key(event: CloudEvent) -> str | None:
    """The record an event is about: its subject, else its data's ``id``."""
    key = event.subject or event.data.get("id")
    return str(key)[:_ORDERING_KEY_LENGTH] if key else None


async def fan_out(session: AsyncSession, event: CloudEvent) -> None:
    """One pending delivery per active endpoint subscribed to the event's type."""
    await fan_out_many(session, [event])


async def fan_out_many(session: AsyncSession, events: Sequence[CloudEvent]) -> int:
    """:func:`fan_out` for several events at once (one query for the endpoints, one
    insert); how many deliveries were queued."""
    if not events:
        return 0
    now = utcnow()
    endpoints = [
        (endpoint.id, [str(p) for p in endpoint.event_types], endpoint.partner)
        for endpoint in await repository.active(session)
    ]
    rows: list[dict[str, Any]] = []
    for position, event in enumerate(events):
        # Events of one batch keep their order in ``created_at`` (a microsecond apart): it
        # is the order deliveries about one record go out in.
        created_at = now + timedelta(microseconds=position)
        body: str | None = None
        for endpoint_id, patterns, partner in endpoints:
            if not delivered_to(patterns, event, partner=partner):
                continue
            if body is None:
                body = payload(
                    event.type,
                    event.time.isoformat().replace("+00:00", "Z"),
                    public_data(event.type, event.data),
                ).decode()
            rows.append(
                {
                    "id": new_delivery_id(),
                    "endpoint_id": endpoint_id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "ordering_key": ordering_key(event),
                    "body": body,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": created_at,
                }
            )
    await repository.add_deliveries(session, rows)
    return len(rows)


def webhook_session(
    allowed_hosts: Collection[str], *, timeout_seconds: float, connections: int = 100
) -> aiohttp.ClientSession:
    """An HTTP client for deliveries: it connects only to the public addresses it resolved
    (or to allow-listed hosts), keeps connections alive between deliveries, follows no
    redirect (each post says so)."""
    connector = aiohttp.TCPConnector(
        resolver=PublicOnlyResolver(allowed_hosts), limit=connections, keepalive_timeout=30
    )
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds), connector=connector
    )


@dataclass(frozen=True)
class Attempt:
    """A delivery to try now: everything needed to post it without the database."""

    delivery_id: str
    endpoint_id: str
    url: str
    keys: list[str]
    body: str


async def post(
    http: aiohttp.ClientSession,
    attempt: Attempt,
    *,
    allowed_hosts: Collection[str],
    attempted_at: datetime,
) -> Outcome:
    """Sign and post one delivery; never raises for the receiver's sake."""
    started = time.perf_counter()
    raw = attempt.body.encode()
    headers = signed_headers(attempt.keys, attempt.delivery_id, int(time.time()), raw)
    try:
        # Checked again at each attempt (the scheme and IP spellings here; the addresses
        # connected to by the session's PublicOnlyResolver).
        await check_url(attempt.url, allowed_hosts)
        async with http.post(
            attempt.url, data=raw, headers=headers, allow_redirects=False
        ) as answer:
            excerpt = (await answer.content.read(EXCERPT_CHARS)).decode(errors="replace")
            return Outcome(
                attempted_at,
                elapsed_ms(started),
                status=answer.status,
                answer=excerpt,
                retry_after=retry_after_seconds(answer.headers.get("retry-after")),
            )
    except UnsafeUrl as exc:
        return Outcome(attempted_at, elapsed_ms(started), error=f"refused: {exc}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Outcome(attempted_at, elapsed_ms(started), error=in_words(exc))


@dataclass(frozen=True)
class AttemptPolicy:
    """What follows an attempt: when to retry, when to give up on the endpoint."""

    schedule: RetrySchedule
    disable_after: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> AttemptPolicy:
        return cls(
            schedule=RetrySchedule.of(settings.webhook_retry_schedule_seconds),
            disable_after=timedelta(seconds=settings.webhook_disable_after_seconds),
        )


async def record_attempts(
    session: AsyncSession,
    results: Sequence[tuple[Attempt, Outcome]],
    policy: AttemptPolicy,
) -> None:
    """Log the attempts, settle or reschedule their deliveries, track failing endpoints.

    An endpoint answering 410 Gone, or failing with no success since its first failure
    ``policy.disable_after`` ago, is disabled and its owner told through the outbox.
    Successes, the common case, are settled together in one statement.
    """
    # Deliveries gone meanwhile (their endpoint deleted) are left out.
    attempts_so_far = await repository.attempt_counts(session, [a.delivery_id for a, _ in results])
    succeeded: list[str] = []
    settled: list[dict[str, Any]] = []
    logged: list[dict[str, Any]] = []
    answering: set[str] = set()
    for attempt, outcome in results:
        done = attempts_so_far.get(attempt.delivery_id)
        if done is None:
            continue
        next_at: datetime | None = None
        if outcome.succeeded:
            succeeded.append(attempt.delivery_id)
            answering.add(attempt.endpoint_id)
        else:
            status = "failed"
            if outcome.status == 410:
                await _disable(
                    session, attempt.endpoint_id, outcome, reason="the receiver answered 410 Gone"
                )
            else:
                delay = policy.schedule.delay(done + 1, outcome.retry_after)
                if delay is not None:
                    status = "pending"
                    next_at = outcome.attempted_at + timedelta(seconds=delay)
                await repository.mark_failing(session, attempt.endpoint_id, outcome.attempted_at)
                await _disable(
                    session,
                    attempt.endpoint_id,
                    outcome,
                    reason=(
                        "no successful delivery for "
                        f"{_spoken(policy.disable_after)} since the first failure"
                    ),
                    failing_before=outcome.attempted_at - policy.disable_after,
                )
            settled.append(
                {"id": attempt.delivery_id, "status": status, "next_attempt_at": next_at}
            )
        logged.append({"delivery_id": attempt.delivery_id, **outcome.logged(next_at)})
    await repository.settle_deliveries(session, succeeded=succeeded, others=settled)
    await repository.add_attempts(session, logged)
    if answering:
        await repository.mark_answering(session, answering)


async def _disable(
    session: AsyncSession,
    endpoint_id: str,
    outcome: Outcome,
    *,
    reason: str,
    failing_before: datetime | None = None,
) -> None:
    endpoint = await repository.disable(
        session,
        endpoint_id,
        at=outcome.attempted_at,
        reason=reason,
        failing_before=failing_before,
    )
    if endpoint is None:
        return
    logger.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)
    await outbox.emit(
        session,
        type=ENDPOINT_DISABLED,
        subject=endpoint_id,
        data={
            "endpoint_id": endpoint_id,
            "partner": endpoint.partner,
            "created_by": endpoint.created_by,
            "url": endpoint.url,
            "reason": reason,
            "disabled_at": outcome.attempted_at.isoformat(),
            "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        },
    )


def _spoken(span: timedelta) -> str:
    if span.total_seconds() % 86400 == 0:
        days = int(span.total_seconds() // 86400)
        return f"{days} day" + ("s" if days > 1 else "")
    return f"{span.total_seconds():g} s"


class Deliverer:
    """Posts due deliveries until cancelled, up to ``concurrency`` at once, each on its own
    (a slow receiver holds only its own slot). Several workers share the work: each claims
    deliveries for a lease before posting them. One loop does the database work: each pass
    records every attempt that ended meanwhile and claims due deliveries, in one
    transaction. It keeps up to ``concurrency`` claimed deliveries ready beside those under
    way, so a freed slot starts the next post at once instead of waiting for a pass.

    Beside it, at most every ``prune_every_seconds``, deliveries that succeeded or failed
    more than ``retention`` ago (by ``clock``, from their creation) are deleted with their
    attempts, ``prune_batch`` at a time; pending ones are kept whatever their age.
    ``retention=None`` keeps everything."""

    def __init__(
        self,
        database: Database,
        *,
        allowed_hosts: Collection[str],
        policy: AttemptPolicy,
        timeout_seconds: float,
        poll_seconds: float,
        concurrency: int,
        per_endpoint: int | None,
        retention: timedelta | None,
        prune_every_seconds: float,
        clock: Clock = utcnow,
        record_batch: int = 500,
        prune_batch: int = PRUNE_BATCH,
    ) -> None:
        self.database = database
        self.allowed_hosts = allowed_hosts
        self.policy = policy
        self.timeout_seconds = timeout_seconds
        #: How long a claimed delivery stays with this worker before others may retry it.
        self.lease = lease_for(timeout_seconds)
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        #: Most deliveries one endpoint may have claimed at once (None: no limit).
        self.per_endpoint = per_endpoint
        self.clock = clock
        self.record_batch = record_batch
        self.retention = retention
        self.prune_every_seconds = prune_every_seconds
        self.prune_batch = prune_batch
        #: Claimed and not yet recorded (ready, being posted, or posted): their endpoints.
        self._in_flight: dict[str, str] = {}
        #: How many of those each endpoint has.
        self._busy: collections.Counter[str] = collections.Counter()
        self._ready: collections.deque[Attempt] = collections.deque()
        self._posting = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: asyncio.Queue[tuple[Attempt, Outcome]] = asyncio.Queue()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due deliveries now (new ones were committed, or a slot freed up)."""
        self._wake.set()

    async def fan_out(self, session: AsyncSession, event: CloudEvent) -> None:
        """:func:`fan_out`, then wake this deliverer once the transaction commits."""
        await fan_out(session, event)
        orm_event.listen(session.sync_session, "after_commit", lambda _: self.wake(), once=True)

    async def run(self) -> None:
        async with webhook_session(
            self.allowed_hosts,
            timeout_seconds=self.timeout_seconds,
            connections=self.concurrency,
        ) as http:
            pruner = asyncio.create_task(
                periodically(
                    self.prune,
                    every_seconds=self.prune_every_seconds,
                    what="webhook deliveries: pruning",
                )
            )
            try:
                while True:
                    self._wake.clear()
                    try:
                        await self.pump(http)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        logger.exception("webhook deliveries failed; trying again")
                    # Until an attempt ends, new deliveries are committed, or the poll.
                    await woken(self._wake, within=self.poll_seconds)
            finally:
                pruner.cancel()
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(pruner, *self._tasks, return_exceptions=True)
                await self._record_the_rest()

    async def prune(self) -> int:
        """Delete the finished deliveries older than the retention period, with their
        attempts: one transaction per ``prune_batch``, until none is left; how many."""
        if self.retention is None:
            return 0
        before = self.clock() - self.retention
        pruned = 0
        while True:
            async with self.database.transaction() as session:
                deleted = await repository.prune_finished(
                    session, before=before, batch=self.prune_batch
                )
            pruned += deleted
            if deleted < self.prune_batch:
                break
        if pruned:
            logger.info("webhook deliveries: deleted %d finished before %s", pruned, before)
        return pruned

    async def _record_the_rest(self) -> None:
        """On the way out, record the attempts already made (else their leases would run
        out and receivers get them twice)."""
        finished: list[tuple[Attempt, Outcome]] = []
        while not self._finished.empty():
            finished.append(self._finished.get_nowait())
        if not finished:
            return
        try:
            async with self.database.transaction() as session:
                await record_attempts(session, finished, self.policy)
        except Exception:
            logger.exception("webhook deliveries: %d attempts left unrecorded", len(finished))

    async def pump(self, http: aiohttp.ClientSession) -> int:
        """In one transaction, record the attempts that ended and claim due deliveries to
        fill the slots and the ready queue; then start posting. How many were claimed."""
        finished: list[tuple[Attempt, Outcome]] = []
        while len(finished) < self.record_batch and not self._finished.empty():
            finished.append(self._finished.get_nowait())
        # Recorded below, or (on failure) left to their leases: tried again, same webhook-id.
        for attempt, _ in finished:
            self._release(attempt)
        wanted = 2 * self.concurrency - len(self._in_flight)
        if not finished and wanted <= 0:
            return 0
        now = self.clock()
        async with self.database.transaction() as session:
            if finished:
                await record_attempts(session, finished, self.policy)
            due = (
                await repository.claim_due(
                    session,
                    now=now,
                    lease_until=now + self.lease,
                    limit=wanted,
                    busy=self._busy,
                    per_endpoint=self.per_endpoint,
                )
                if wanted > 0
                else []
            )
        for claimed in due:
            self._in_flight[claimed.delivery_id] = claimed.endpoint_id
            self._busy[claimed.endpoint_id] += 1
            self._ready.append(
                Attempt(
                    claimed.delivery_id,
                    claimed.endpoint_id,
                    claimed.url,
                    signing_secrets(claimed, now),
                    claimed.body,
                )
            )
        self._start_ready(http)
        if (wanted > 0 and len(due) == wanted) or not self._finished.empty():
            self.wake()  # the room or the batch was the limit, not the work: go on
        return len(due)

    def _release(self, attempt: Attempt) -> None:
        endpoint_id = self._in_flight.pop(attempt.delivery_id, None)
        if endpoint_id is not None:
            self._busy[endpoint_id] -= 1
            if self._busy[endpoint_id] <= 0:
                del self._busy[endpoint_id]

    def _start_ready(self, http: aiohttp.ClientSession) -> None:
        while self._posting < self.concurrency and self._ready:
            self._posting += 1
            task = asyncio.create_task(self._deliver(http, self._ready.popleft()))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, http: aiohttp.ClientSession, attempt: Attempt) -> None:
        try:
            outcome = await post(
                http, attempt, allowed_hosts=self.allowed_hosts, attempted_at=self.clock()
            )
        except Exception:
            logger.exception("webhook delivery %s: could not post", attempt.delivery_id)
            self._release(attempt)
        else:
            self._finished.put_nowait((attempt, outcome))
        finally:
            self._posting -= 1
            self._start_ready(http)
            self.wake()


async def send_ping(
    database: Database,
    endpoint: WebhookEndpoint,
    *,
    allowed_hosts: Collection[str],
    timeout_seconds: float,
    policy: AttemptPolicy,
) -> str:
    """Send a signed ``webhook.ping`` to ``endpoint`` now and record the attempt like any
    other (a failed ping is retried by the worker); the delivery's id.

    Opens its own transactions: none stays open while the receiver is awaited.
    """
    now = utcnow()
    delivery_id = new_delivery_id()
    body = payload(
        WEBHOOK_PING, now.isoformat().replace("+00:00", "Z"), {"endpoint_id": endpoint.id}
    ).decode()
    async with database.transaction() as session:
        session.add(
            WebhookDelivery(
                id=delivery_id,
                endpoint_id=endpoint.id,
                event_id="ping_" + random_tokens.token_urlsafe(12),
                event_type=WEBHOOK_PING,
                body=body,
                status="pending",
                attempts=0,
                # Leased to this request, so a worker does not send it at the same time.
                next_attempt_at=now + lease_for(timeout_seconds),
                created_at=now,
            )
        )
    attempt = Attempt(delivery_id, endpoint.id, endpoint.url, signing_secrets(endpoint, now), body)
    async with webhook_session(allowed_hosts, timeout_seconds=timeout_seconds) as http:
        outcome = await post(http, attempt, allowed_hosts=allowed_hosts, attempted_at=utcnow())
    async with database.transaction() as session:
        await record_attempts(session, [(attempt, outcome)], policy)
    return delivery_id


def webhook_deliverer(
    settings: Settings, database: Database, *, clock: Clock = utcnow
) -> Deliverer:
    """The deliverer ``maillage-gateway worker`` runs, as ``settings`` describe it."""
    return Deliverer(
        database,
        allowed_hosts=parse_allowed_hosts(settings.webhook_allowed_hosts),
        policy=AttemptPolicy.from_settings(settings),
        timeout_seconds=settings.webhook_timeout_seconds,
        poll_seconds=settings.webhook_poll_seconds,
        concurrency=settings.webhook_concurrency,
        per_endpoint=settings.webhook_endpoint_concurrency,
        retention=timedelta(days=settings.webhook_retention_days),
        prune_every_seconds=settings.prune_every_seconds,
        clock=clock,
    )
