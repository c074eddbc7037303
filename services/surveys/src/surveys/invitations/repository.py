"""Every query on invitations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.invitations.models import Invitation, PublicLinkCount


class InvitationRepository:
    async def get(self, session: AsyncSession, invitation_id: uuid.UUID) -> Invitation | None:
        return await session.get(Invitation, invitation_id)

    async def count_of(self, session: AsyncSession, survey_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(Invitation.survey_id == survey_id)
        return int(await session.scalar(query) or 0)

    async def count_by_status(self, session: AsyncSession, survey_id: uuid.UUID) -> dict[str, int]:
        query = (
            sa.select(Invitation.status, sa.func.count())
            .where(Invitation.survey_id == survey_id)
            .group_by(Invitation.status)
        )
        return {status: int(count) for status, count in await session.execute(query)}

    async def addressed_ids(self, session: AsyncSession, survey_id: uuid.UUID) -> list[uuid.UUID]:
        """The survey's invitations that were mailed (those with an address)."""
        query = sa.select(Invitation.id).where(
            Invitation.survey_id == survey_id, Invitation.email.is_not(None)
        )
        return list((await session.scalars(query)).all())

    async def invited_actor_ids(
        self, session: AsyncSession, survey_id: uuid.UUID, actor_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Which of ``actor_ids`` are already invited to the survey."""
        ids = list(actor_ids)
        found: set[uuid.UUID] = set()
        for start in range(0, len(ids), 500):
            query = sa.select(Invitation.actor_id).where(
                Invitation.survey_id == survey_id,
                Invitation.actor_id.in_(ids[start : start + 500]),
            )
            found.update(a for a in await session.scalars(query) if a is not None)
        return found

    async def invited_emails(
        self, session: AsyncSession, survey_id: uuid.UUID, emails: Iterable[str]
    ) -> set[str]:
        """Which of ``emails`` are already invited (as people, not actors)."""
        wanted = list(emails)
        if not wanted:
            return set()
        query = sa.select(Invitation.email).where(
            Invitation.survey_id == survey_id,
            Invitation.actor_id.is_(None),
            Invitation.email.in_(wanted),
        )
        return {e for e in await session.scalars(query) if e is not None}

    async def of_training(
        self, session: AsyncSession, survey_id: uuid.UUID, training_id: uuid.UUID, email: str
    ) -> Invitation | None:
        query = sa.select(Invitation).where(
            Invitation.survey_id == survey_id,
            Invitation.training_id == training_id,
            Invitation.email == email,
        )
        return (await session.scalars(query)).one_or_none()

    async def list_after(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID | None = None,
        actor_ids: Sequence[uuid.UUID] | None = None,
        status: str | None = None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Invitation]:
        """A page of invitations of one survey, or of some actors (across surveys)."""
        query = sa.select(Invitation)
        if survey_id is not None:
            query = query.where(Invitation.survey_id == survey_id)
        if actor_ids is not None:
            query = query.where(Invitation.actor_id.in_(actor_ids))
        if status is not None:
            query = query.where(Invitation.status == status)
        if after is not None:
            created_at, invitation_id = after
            query = query.where(
                sa.tuple_(Invitation.created_at, Invitation.id)
                > sa.tuple_(created_at, invitation_id)
            )
        query = query.order_by(Invitation.created_at, Invitation.id).limit(limit)
        return (await session.scalars(query)).all()

    async def due_for_reminder(
        self, session: AsyncSession, *, survey_id: uuid.UUID, invited_before: datetime
    ) -> Sequence[Invitation]:
        """Invitations not submitted, with an address, never reminded, older than the date."""
        query = (
            sa.select(Invitation)
            .where(
                Invitation.survey_id == survey_id,
                Invitation.status != "submitted",
                Invitation.email.is_not(None),
                Invitation.reminders_sent == 0,
                Invitation.created_at <= invited_before,
            )
            .order_by(Invitation.created_at, Invitation.id)
            .with_for_update(skip_locked=True)
        )
        return (await session.scalars(query)).all()

    async def move_to_survivor(
        self, session: AsyncSession, *, old: uuid.UUID, new: uuid.UUID
    ) -> None:
        """A merged actor's invitations become the survivor's, on every survey where the
        survivor has none (one invitation per actor and survey stays true)."""
        survivor_surveys = sa.select(Invitation.survey_id).where(Invitation.actor_id == new)
        await session.execute(
            sa.update(Invitation)
            .where(Invitation.actor_id == old, Invitation.survey_id.not_in(survivor_surveys))
            .values(actor_id=new)
        )


class PublicLinkCountRepository:
    async def hit(
        self, session: AsyncSession, *, survey_id: uuid.UUID, client: str, window_start: datetime
    ) -> int:
        """Count one more start in the window; how many it holds now (this one included).
        One statement, so concurrent starts (and replicas) never lose a count."""
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
            PublicLinkCount
        ).values(survey_id=survey_id, client=client, window_start=window_start, hits=1)
        query = insert.on_conflict_do_update(
            index_elements=["survey_id", "client", "window_start"],
            set_={"hits": PublicLinkCount.hits + 1},
        ).returning(PublicLinkCount.hits)
        return int((await session.execute(query)).scalar_one())

    async def forget_before(
        self, session: AsyncSession, *, survey_id: uuid.UUID, window_start: datetime
    ) -> None:
        await session.execute(
            sa.delete(PublicLinkCount).where(
                PublicLinkCount.survey_id == survey_id,
                PublicLinkCount.window_start < window_start,
            )
        )


invitation_repository = InvitationRepository()
public_link_count_repository = PublicLinkCountRepository()
