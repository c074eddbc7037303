"""Every query on the partner tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gateway.partners.models import Partner, PartnerAttempt, PartnerInboxId, PartnerMessage
from kit.db import dialect_of


async def get(session: AsyncSession, slug: str) -> Partner | None:
    return await session.get(Partner, slug)


async def by_slug(session: AsyncSession, *, after: str | None, limit: int) -> Sequence[Partner]:
    query = sa.select(Partner).order_by(Partner.slug).limit(limit)
    if after is not None:
        query = query.where(Partner.slug > after)
    return (await session.execute(query)).scalars().all()


async def every_partner(session: AsyncSession, *, for_update: bool = False) -> Sequence[Partner]:
    """Every partner, disabled ones included (their secrets are stored all the same)."""
    query = sa.select(Partner).order_by(Partner.slug)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().all()


async def admit_webhook_id(
    session: AsyncSession, *, partner: str, webhook_id: str, now: datetime
) -> bool:
    """Record ``webhook_id`` for ``partner``; False when it was already received.

    A concurrent repeat waits for the first transaction and then finds the row.
    """
    dialect = dialect_of(session)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PartnerInboxId)
    result = await session.execute(
        insert.values(
            partner=partner, webhook_id=webhook_id, received_at=now
        ).on_conflict_do_nothing()
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def messages_newest_first(
    session: AsyncSession,
    *,
    partner: str,
    status: str | None,
    before: int | None,
    limit: int,
) -> Sequence[PartnerMessage]:
    query = (
        sa.select(PartnerMessage)
        .where(PartnerMessage.partner == partner)
        .order_by(PartnerMessage.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(PartnerMessage.status == status)
    if before is not None:
        query = query.where(PartnerMessage.id < before)
    return (await session.execute(query)).scalars().all()


async def attempts_of(
    session: AsyncSession, message_ids: Sequence[int]
) -> Sequence[PartnerAttempt]:
    query = (
        sa.select(PartnerAttempt)
        .where(PartnerAttempt.message_id.in_(message_ids))
        .order_by(PartnerAttempt.id)
    )
    return (await session.execute(query)).scalars().all()


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    exclude: Collection[int],
    limit: int,
) -> Sequence[PartnerMessage]:
    """Take pending messages whose time has come, oldest first, by moving their next attempt
    to ``lease_until`` (another worker skips them; they come back if this one dies).

    A message waits while an earlier one about the same record is still pending, so a
    record's changes reach the service in the order they were received. Rows locked by
    another worker are skipped on PostgreSQL; SQLite serialises writers.
    """
    earlier = aliased(PartnerMessage)
    blocked = (
        sa.select(earlier.id)
        .where(
            earlier.partner == PartnerMessage.partner,
            earlier.record_id == PartnerMessage.record_id,
            earlier.status == "pending",
            earlier.id < PartnerMessage.id,
        )
        .exists()
    )
    query = (
        sa.select(PartnerMessage)
        .where(
            PartnerMessage.status == "pending",
            PartnerMessage.next_attempt_at <= now,
            ~blocked,
        )
        .order_by(PartnerMessage.next_attempt_at, PartnerMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=PartnerMessage)
    )
    if exclude:
        query = query.where(PartnerMessage.id.not_in(list(exclude)))
    claimed = list((await session.execute(query)).scalars().all())
    for message in claimed:
        message.next_attempt_at = lease_until
    await session.flush()
    return claimed


async def release(session: AsyncSession, message_ids: Collection[int], *, now: datetime) -> None:
    """Make claimed messages that are still pending due again (their worker stopped)."""
    await session.execute(
        sa.update(PartnerMessage)
        .where(PartnerMessage.id.in_(list(message_ids)), PartnerMessage.status == "pending")
        .values(next_attempt_at=now)
    )


async def get_message(
    session: AsyncSession, partner: str, message_id: int
) -> PartnerMessage | None:
    message = await session.get(PartnerMessage, message_id)
    return message if message is not None and message.partner == partner else None


async def has_later_message(session: AsyncSession, message: PartnerMessage) -> bool:
    """Whether the partner pushed something about the same record after ``message``."""
    query = sa.select(
        sa.select(PartnerMessage.id)
        .where(
            PartnerMessage.partner == message.partner,
            PartnerMessage.record_id == message.record_id,
            PartnerMessage.id > message.id,
        )
        .exists()
    )
    return bool((await session.execute(query)).scalar())


async def prune(session: AsyncSession, *, before: datetime) -> tuple[int, int]:
    """Forget the ``webhook-id`` values received before ``before``, and the messages
    forwarded before it with their attempts; how many of each went."""
    ids = await session.execute(
        sa.delete(PartnerInboxId).where(PartnerInboxId.received_at < before)
    )
    done = sa.select(PartnerMessage.id).where(
        PartnerMessage.status == "forwarded", PartnerMessage.finished_at < before
    )
    await session.execute(sa.delete(PartnerAttempt).where(PartnerAttempt.message_id.in_(done)))
    messages = await session.execute(
        sa.delete(PartnerMessage).where(
            PartnerMessage.status == "forwarded", PartnerMessage.finished_at < before
        )
    )
    return int(getattr(ids, "rowcount", 0)), int(getattr(messages, "rowcount", 0))
