"""From a partner's stored push to the owning service's import endpoint.

Each push type maps to one call: ``event.upserted`` is ``PUT /v1/events/ext/{partner}/{id}``
(the body is ``data`` without its ``id``), ``event.deleted`` is ``DELETE`` on the same path,
both to the events service with the partner's signed identity. Both calls are idempotent by
external id, so a push forwarded twice (a worker dying between the call and its record)
changes nothing more. A 2xx marks the message forwarded; a 4xx that says the push itself is
wrong (422, 404, 403...) marks it rejected with the service's reason, never retried; anything
else (5xx, 401/408/425/429, a timeout, no connection) is retried with backoff, forever: a
push is never dropped. Every attempt is logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.partners import repository
from gateway.partners.models import PartnerAttempt, PartnerMessage
from gateway.retries import (
    Outcome,
    RetrySchedule,
    elapsed_ms,
    in_words,
    lease_for,
    periodically,
    retry_after_seconds,
)
from kit.db import Database
from kit.identity import IDENTITY_HEADER, Identity, IdentitySigner, Role
from kit.models import utcnow

if TYPE_CHECKING:
    from gateway.config import Settings

logger = logging.getLogger(__name__)

_ANSWER_BYTES = 16 * 1024
#: 4xx answers that say nothing against the push itself: retried like a 5xx.
_RETRIED_CLIENT_ERRORS = frozenset({401, 408, 425, 429})


@dataclass(frozen=True)
class Forward:
    """How one push type reaches its service."""

    service: str
    method: str
    path: str
    sends_data: bool


_EVENT_PATH = "/v1/events/ext/{partner}/{record_id}"
#: Push type → the call that applies it (the contract with each owning service).
FORWARDS: Mapping[str, Forward] = {
    "event.upserted": Forward("events", "PUT", _EVENT_PATH, sends_data=True),
    "event.deleted": Forward("events", "DELETE", _EVENT_PATH, sends_data=False),
}


def partner_identity(partner: str) -> Identity:
    """Who a forwarded push acts as: the partner, as its own API keys would."""
    return Identity(subject=f"partner:{partner}", role=Role.PARTNER, partner=partner)


@dataclass(frozen=True)
class ServiceCall:
    service: str
    method: str
    path: str
    body: bytes | None

    def describe(self) -> str:
        return f"{self.method} {self.path}"


def call_for(message: PartnerMessage) -> ServiceCall:
    """The service call that applies ``message``."""
    forward = FORWARDS[message.type]
    path = forward.path.format(
        partner=quote(message.partner, safe=""), record_id=quote(message.record_id, safe="")
    )
    body: bytes | None = None
    if forward.sends_data:
        data = dict(orjson.loads(message.body)["data"])
        data.pop("id", None)
        body = orjson.dumps(data)
    return ServiceCall(forward.service, forward.method, path, body)


def rejection_reason(status: int, answer: str) -> str:
    """What the service said against the push: a problem's detail and field errors."""
    try:
        problem = orjson.loads(answer)
    except orjson.JSONDecodeError:
        problem = None
    if isinstance(problem, dict):
        parts = [str(problem.get("detail") or problem.get("title") or "")]
        errors = problem.get("errors")
        if isinstance(errors, list):
            parts += [
                f"{e.get('field')}: {e.get('message')}" for e in errors[:10] if isinstance(e, dict)
            ]
        text = "; ".join(dict.fromkeys(p for p in parts if p))
        if text:
            return f"{status}: {text}"[:2000]
    return f"{status}: {answer[:500]}"


class Forwarder:
    """Forwards due messages until cancelled, up to ``concurrency`` at once. Several workers
    share the work: each claims messages for a lease before calling the service."""

    def __init__(
        self,
        database: Database,
        *,
        service_urls: Mapping[str, str],
        signer: IdentitySigner,
        schedule: RetrySchedule,
        timeout_seconds: float,
        poll_seconds: float,
        concurrency: int,
        retention: timedelta | None,
        prune_every_seconds: float,
    ) -> None:
        self.database = database
        self.service_urls = {name: url.rstrip("/") for name, url in service_urls.items()}
        self.signer = signer
        self.schedule = schedule
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.lease = lease_for(timeout_seconds)
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        #: Forwarded pushes and received ids older than this are forgotten (None: kept).
        self.retention = retention
        self.prune_every_seconds = prune_every_seconds
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=self.timeout) as http:
            pruner = asyncio.create_task(
                periodically(
                    self.prune,
                    every_seconds=self.prune_every_seconds,
                    what="partner inbox: pruning",
                )
            )
            try:
                while True:
                    try:
                        started = await self.start_due(http)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        logger.exception("forwarding partner pushes failed; trying again")
                        started = 0
                    if started == 0:
                        await asyncio.sleep(self.poll_seconds)
            finally:
                leased = set(self._in_flight)
                pruner.cancel()
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(pruner, *self._tasks, return_exceptions=True)
                await self._release(leased)

    async def prune(self) -> None:
        """Forget what is older than the retention period."""
        if self.retention is None:
            return
        async with self.database.transaction() as session:
            ids, messages = await repository.prune(session, before=utcnow() - self.retention)
        if ids or messages:
            logger.info("partner inbox: forgot %d received ids, %d forwarded pushes", ids, messages)

    async def _release(self, message_ids: set[int]) -> None:
        """Give back the messages this forwarder claimed but did not finish (it is being
        stopped), so the next worker takes them at once rather than after the lease."""
        if not message_ids:
            return
        try:
            async with self.database.transaction() as session:
                await repository.release(session, message_ids, now=utcnow())
        except Exception:  # the lease runs out by itself
            logger.exception("could not give back partner messages %s", sorted(message_ids))

    async def start_due(self, http: aiohttp.ClientSession) -> int:
        """Start due messages not already under way, as slots allow; how many started."""
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        now = utcnow()
        work: list[tuple[int, str, ServiceCall | str]] = []
        async with self.database.transaction() as session:
            for message in await repository.claim_due(
                session,
                now=now,
                lease_until=now + self.lease,
                exclude=self._in_flight,
                limit=free,
            ):
                try:
                    call: ServiceCall | str = call_for(message)
                except (KeyError, ValueError, TypeError) as exc:
                    call = f"cannot be forwarded: {exc!r}"
                work.append((message.id, message.partner, call))
        for message_id, partner, call in work:
            self._in_flight.add(message_id)
            task = asyncio.create_task(self._forward(http, message_id, partner, call))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(work)

    async def _forward(
        self, http: aiohttp.ClientSession, message_id: int, partner: str, call: ServiceCall | str
    ) -> None:
        try:
            if isinstance(call, str):
                async with self.database.transaction() as session:
                    await self._reject_unforwardable(session, message_id, call)
                return
            outcome = await self._call(http, message_id, partner, call)
            async with self.database.transaction() as session:
                await self._record(session, message_id, call.describe(), outcome)
        except Exception:
            logger.exception("partner message %s: could not record the attempt", message_id)
        finally:
            self._in_flight.discard(message_id)

    async def _call(
        self, http: aiohttp.ClientSession, message_id: int, partner: str, call: ServiceCall
    ) -> Outcome:
        started = time.perf_counter()
        attempted_at = utcnow()
        status: int | None = None
        text: str | None = None
        error: str | None = None
        retry_after: float | None = None
        headers = {
            IDENTITY_HEADER: self.signer.sign(partner_identity(partner)),
            "x-request-id": f"partner-message-{message_id}",
        }
        if call.body is not None:
            headers["content-type"] = "application/json"
        base = self.service_urls.get(call.service)
        try:
            if base is None:
                raise aiohttp.InvalidURL(f"no URL configured for the {call.service} service")
            async with http.request(
                call.method,
                base + call.path,
                data=call.body,
                headers=headers,
                allow_redirects=False,
            ) as answer:
                raw = await answer.content.read(_ANSWER_BYTES)
                status = answer.status
                text = raw.decode(errors="replace")
                retry_after = retry_after_seconds(answer.headers.get("retry-after"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = in_words(exc)
        outcome = Outcome(
            attempted_at,
            elapsed_ms(started),
            status=status,
            answer=text,
            error=error,
            retry_after=retry_after,
        )
        level = logging.INFO if outcome.status and outcome.status < 300 else logging.WARNING
        logger.log(
            level,
            "partner %s message %s: %s -> %s in %d ms",
            partner,
            message_id,
            call.describe(),
            outcome.status or outcome.error,
            outcome.duration_ms,
        )
        return outcome

    async def _record(
        self, session: AsyncSession, message_id: int, request: str, outcome: Outcome
    ) -> None:
        message = await session.get(PartnerMessage, message_id)
        if message is None:
            return
        message.attempts += 1
        status = outcome.status
        next_at: datetime | None = None
        if outcome.succeeded:
            message.status = "forwarded"
            message.finished_at = outcome.attempted_at
            message.reason = None
        elif status is not None and 400 <= status < 500 and status not in _RETRIED_CLIENT_ERRORS:
            message.status = "rejected"
            message.finished_at = outcome.attempted_at
            message.reason = rejection_reason(status, outcome.answer or "")
        else:
            delay = self.schedule.delay(message.attempts, outcome.retry_after)
            assert delay is not None  # a forever schedule always has a next step
            next_at = outcome.attempted_at + timedelta(seconds=delay)
            message.reason = (
                f"{status}: {(outcome.answer or '')[:300]}" if status else outcome.error
            )
        message.next_attempt_at = next_at
        session.add(
            PartnerAttempt(message_id=message_id, request=request[:600], **outcome.logged(next_at))
        )
        await session.flush()

    async def _reject_unforwardable(
        self, session: AsyncSession, message_id: int, reason: str
    ) -> None:
        message = await session.get(PartnerMessage, message_id)
        if message is None:
            return
        message.status = "rejected"
        message.finished_at = utcnow()
        message.next_attempt_at = None
        message.reason = reason
        await session.flush()


def partner_forwarder(settings: Settings, database: Database) -> Forwarder:
    """The forwarder ``maillage-gateway worker`` runs, as ``settings`` describe it."""
    return Forwarder(
        database,
        service_urls=settings.service_urls(),
        signer=IdentitySigner(
            settings.common.identity_secret.get_secret_value(),
            ttl_seconds=settings.common.identity_ttl_seconds,
        ),
        schedule=RetrySchedule.retries(settings.partner_forward_retry_seconds, forever=True),
        timeout_seconds=settings.partner_forward_timeout_seconds,
        poll_seconds=settings.partner_forward_poll_seconds,
        concurrency=settings.partner_forward_concurrency,
        retention=timedelta(days=settings.partner_inbox_retention_days),
        prune_every_seconds=settings.prune_every_seconds,
    )
