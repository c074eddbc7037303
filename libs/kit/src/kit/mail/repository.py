"""Every query of the staff's view of a mail outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kit.mail.outbox import MailOutbox, MailStatus

#: Keys per ``IN`` list: well under SQLite's bound on a statement's parameters.
KEY_BATCH = 500


class MailRepository:
    async def page(
        self,
        session: AsyncSession,
        mail: MailOutbox,
        *,
        before_id: int | None,
        limit: int,
        status: str | None,
        recipient: str | None,
    ) -> Sequence[Any]:
        """Newest first, ``limit`` rows after the cursor."""
        t = mail.table
        query = sa.select(t).order_by(t.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(t.c.id < before_id)
        if status:
            query = query.where(t.c.status == status)
        if recipient:
            query = query.where(sa.func.lower(t.c.recipient) == recipient.strip().lower())
        return (await session.execute(query)).all()

    async def statuses_of_keys(
        self, session: AsyncSession, mail: MailOutbox, keys: Sequence[str]
    ) -> dict[str, int]:
        """How many of the messages written under ``keys`` are in each status (a key never
        written counts nowhere): how far a mailing has gone."""
        t = mail.table
        counts: dict[str, int] = {}
        for start in range(0, len(keys), KEY_BATCH):
            rows = await session.execute(
                sa.select(t.c.status, sa.func.count())
                .where(t.c.key.in_(keys[start : start + KEY_BATCH]))
                .group_by(t.c.status)
            )
            for status, count in rows:
                counts[status] = counts.get(status, 0) + int(count)
        return counts

    async def get(self, session: AsyncSession, mail: MailOutbox, mail_id: int) -> Any | None:
        t = mail.table
        return (await session.execute(sa.select(t).where(t.c.id == mail_id))).first()

    async def attempts(
        self, session: AsyncSession, mail: MailOutbox, mail_ids: Sequence[int]
    ) -> dict[int, list[Any]]:
        a = mail.attempts
        rows = await session.execute(sa.select(a).where(a.c.mail_id.in_(mail_ids)).order_by(a.c.id))
        found: dict[int, list[Any]] = {mail_id: [] for mail_id in mail_ids}
        for row in rows:
            found[row.mail_id].append(row)
        return found

    async def queue_again(self, session: AsyncSession, mail: MailOutbox, mail_id: int) -> None:
        """Make a message due now, with fresh attempts and a new Message-ID (it is a new
        copy as far as mail systems are concerned)."""
        t = mail.table
        await session.execute(
            sa.update(t)
            .where(t.c.id == mail_id)
            .values(
                status=MailStatus.PENDING.value,
                attempts=0,
                next_attempt_at=datetime.now(UTC),
                claimed_until=None,
                last_error=None,
                message_id=f"{uuid.uuid4().hex}@{mail.service}.maillage",
            )
        )


mail_repository = MailRepository()
