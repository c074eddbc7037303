"""Webhook deliveries are kept for a while, then deleted with their attempts, and claiming
due ones walks the pending index whatever the table's statistics, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy import event

from gateway.encryption import Keyring, use_keyring
from gateway.webhooks import repository
from gateway.webhooks.delivery import AttemptPolicy, Deliverer
from gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gateway.worker import webhook_worker
from kit.db import Database
from kit.settings import DEV_IDENTITY_SECRET, CommonSettings
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.polling import wait_until

from .conftest import SECRETS_KEY, gateway_settings, migrated_database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def deliverer_of(database: Database, **options: Any) -> Deliverer:
    """A deliverer with the default settings' policy and retention (30 days), as the
    worker builds it, changed by ``options``."""
    settings = gateway_settings()
    values: dict[str, Any] = {
        "policy": AttemptPolicy.from_settings(settings),
        "timeout_seconds": settings.webhook_timeout_seconds,
        "poll_seconds": settings.webhook_poll_seconds,
        "concurrency": settings.webhook_concurrency,
        "per_endpoint": settings.webhook_endpoint_concurrency,
        "retention": timedelta(days=settings.webhook_retention_days),
        "prune_every_seconds": settings.prune_every_seconds,
    }
    return Deliverer(database, **(values | options))


DAY = timedelta(days=1)


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory
) -> AsyncIterator[Database]:
    url = await migrated_database(database_factory, request.param)
    database = Database(url)
    use_keyring(database.engine, Keyring(keys=SECRETS_KEY))
    async with database.transaction() as session:
        for endpoint_id, disabled_at in (("ep_on", None), ("ep_off", NOW - 40 * DAY)):
            session.add(
                WebhookEndpoint(
                    id=endpoint_id,
                    url=f"http://127.0.0.1:9/{endpoint_id}",
                    event_types=["*"],
                    secret="whsec_test",
                    created_by="test",
                    created_at=NOW - 100 * DAY,
                    disabled_at=disabled_at,
                )
            )
    try:
        yield database
    finally:
        await database.dispose()


def delivery(
    delivery_id: str,
    *,
    age: timedelta,
    status: str,
    endpoint_id: str = "ep_on",
    next_attempt_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "endpoint_id": endpoint_id,
        "event_id": f"evt_{delivery_id}",
        "event_type": "events.event.updated",
        "ordering_key": None,
        "body": "{}",
        "status": status,
        "attempts": 0 if status == "pending" else 1,
        "next_attempt_at": next_attempt_at,
        "created_at": NOW - age,
    }


def attempts(delivery_id: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "delivery_id": delivery_id,
            "attempted_at": NOW - DAY,
            "status_code": 500,
            "duration_ms": 3,
            "response_excerpt": "no",
            "error": None,
            "next_attempt_at": None,
        }
        for _ in range(count)
    ]


#: Deliveries that outlived the 30 days of retention and are finished: they go.
OLD_FINISHED = [f"msg_old_ok_{n}" for n in range(5)] + ["msg_old_failed"]
#: What stays: recent finished ones, and pending ones of any age (retrying later, or
#: waiting for a disabled endpoint to come back).
KEPT = ["msg_recent_ok", "msg_recent_failed", "msg_old_retrying", "msg_old_held"]


async def seed(database: Database) -> None:
    rows = [delivery(d, age=31 * DAY, status="succeeded") for d in OLD_FINISHED[:-1]]
    rows += [
        delivery("msg_old_failed", age=45 * DAY, status="failed"),
        delivery("msg_recent_ok", age=29 * DAY, status="succeeded"),
        delivery("msg_recent_failed", age=DAY, status="failed"),
        delivery(
            "msg_old_retrying", age=60 * DAY, status="pending", next_attempt_at=NOW + 365 * DAY
        ),
        delivery(
            "msg_old_held",
            age=90 * DAY,
            status="pending",
            endpoint_id="ep_off",
            next_attempt_at=NOW - 40 * DAY,
        ),
    ]
    async with database.transaction() as session:
        await repository.add_deliveries(session, rows)
        for row in rows:
            await repository.add_attempts(session, attempts(row["id"], 2))


async def remaining(database: Database) -> tuple[set[str], set[str]]:
    """The delivery ids left, and the delivery ids that attempts are left for."""
    async with database.transaction(write=False) as session:
        deliveries = set((await session.execute(sa.select(WebhookDelivery.id))).scalars())
        attempted = set((await session.execute(sa.select(WebhookAttempt.delivery_id))).scalars())
    return deliveries, attempted


async def test_prune_deletes_old_finished_deliveries_and_their_attempts_only(
    database: Database,
) -> None:
    await seed(database)
    # Two a batch: the prune goes on until no batch is full.
    deliverer = deliverer_of(database, allowed_hosts=set(), clock=lambda: NOW, prune_batch=2)

    assert await deliverer.prune() == len(OLD_FINISHED)

    deliveries, attempted = await remaining(database)
    assert deliveries == set(KEPT)
    assert attempted == set(KEPT)
    async with database.transaction(write=False) as session:
        kept_attempts = await session.execute(sa.select(sa.func.count(WebhookAttempt.id)))
        assert kept_attempts.scalar_one() == 2 * len(KEPT)
    assert await deliverer.prune() == 0


async def test_the_running_deliverer_prunes_by_its_clock(database: Database) -> None:
    await seed(database)
    now = [NOW - 10 * DAY]
    deliverer = deliverer_of(
        database,
        allowed_hosts={"127.0.0.1"},
        clock=lambda: now[0],
        poll_seconds=0.05,
        prune_every_seconds=0.05,
    )
    running = asyncio.create_task(deliverer.run())
    try:
        # Ten days ago, only what was already 40 days old had outlived its 30 days.
        await wait_until(
            lambda: _gone(database, {"msg_old_failed"}), what="the 45-day-old delivery pruned"
        )
        deliveries, _ = await remaining(database)
        assert deliveries == set(KEPT + OLD_FINISHED) - {"msg_old_failed"}

        now[0] = NOW + 2 * DAY  # the clock moves ahead: 29 days old becomes 31
        await wait_until(
            lambda: _gone(database, set(OLD_FINISHED) | {"msg_recent_ok"}),
            what="the other old deliveries pruned",
        )
        deliveries, attempted = await remaining(database)
        assert deliveries == attempted == set(KEPT) - {"msg_recent_ok"}
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def _gone(database: Database, ids: set[str]) -> bool:
    deliveries, attempted = await remaining(database)
    return not (ids & deliveries) and not (ids & attempted)


async def test_retention_none_keeps_everything(database: Database) -> None:
    await seed(database)
    deliverer = deliverer_of(database, allowed_hosts=set(), clock=lambda: NOW, retention=None)
    assert await deliverer.prune() == 0
    deliveries, _ = await remaining(database)
    assert deliveries == set(KEPT + OLD_FINISHED)


async def test_claiming_walks_the_pending_index_on_a_table_never_analyzed(
    database: Database,
) -> None:
    """30,000 due deliveries, no statistics: the claim reads them in the pending
    index's order and stops, instead of testing them all and sorting them."""
    due = NOW - timedelta(minutes=1)
    rows = [
        delivery(
            f"msg_{n:05}",
            age=timedelta(minutes=2),
            status="pending",
            next_attempt_at=due + timedelta(milliseconds=n),
        )
        | {"ordering_key": f"record-{n}"}
        for n in reversed(range(30_000))
    ]
    rows += [delivery(f"msg_done_{n:05}", age=DAY, status="succeeded") for n in range(3000)]
    async with database.transaction() as session:
        await repository.add_deliveries(session, rows)

    plans: list[str] = []
    postgres = not database.is_sqlite

    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        """EXPLAIN the claim's query as it is about to run (the session's settings on)."""
        if statement.startswith("SELECT webhook_deliveries.id, webhook_deliveries.body"):
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            cursor.execute(prefix + statement, parameters)
            lines = [str(row[0] if postgres else row[-1]) for row in cursor.fetchall()]
            plans.append("\n".join(lines))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", explain)
    try:
        async with database.transaction() as session:
            if postgres:
                never = await session.execute(
                    sa.text("SELECT reltuples FROM pg_class WHERE relname = 'webhook_deliveries'")
                )
                assert never.scalar_one() < 0  # never analyzed
            claimed = await repository.claim_due(
                session, now=NOW, lease_until=NOW + timedelta(minutes=1), limit=50
            )
            # Oldest due first (inserted the other way round).
            assert [c.delivery_id for c in claimed] == [f"msg_{n:05}" for n in range(50)]
            if postgres:
                # The planner setting is put back for the rest of the transaction.
                setting = await session.execute(sa.text("SHOW enable_sort"))
                assert setting.scalar_one() == "on"
    finally:
        event.remove(engine, "before_cursor_execute", explain)

    assert plans, "the claim's query was not seen"
    plan = plans[0]
    assert "ix_webhook_deliveries_pending" in plan, plan
    assert "Sort" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # SQLite's sort


async def test_the_worker_keeps_deliveries_as_long_as_the_setting_says(
    database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    url = await migrated_database(database_factory, "sqlite")
    with NatsServer(tmp_path / "nats") as nats_server:
        common = CommonSettings(
            nats_url=nats_server.url, identity_secret=SecretStr(DEV_IDENTITY_SECRET)
        )
        settings = gateway_settings(database_url=url, webhook_retention_days=7, common=common)
        async with webhook_worker(settings) as deliverer:
            assert deliverer.retention == timedelta(days=7)
