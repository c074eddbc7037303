"""Every query of the CORDIS import and of the reasons it gives matches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.actors.models import KnownActor
from eu_watch.cordis.models import CordisParticipation
from eu_watch.cordis.policies import KnownOrganisation
from kit.db import dialect_of

_BATCH = 500


class CordisRepository:
    async def organisations(self, session: AsyncSession) -> list[KnownOrganisation]:
        """The live actors CORDIS rows may be (with a PIC, or a name and a city)."""
        rows = await session.execute(
            sa.select(
                KnownActor.id, KnownActor.pic, KnownActor.plain_name, KnownActor.plain_city
            ).where(
                KnownActor.deleted_at.is_(None),
                KnownActor.merged_into.is_(None),
                sa.or_(KnownActor.pic.is_not(None), KnownActor.plain_city.is_not(None)),
            )
        )
        return [KnownOrganisation(a, pic, name or "", city) for a, pic, name, city in rows]

    async def store(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Write participations, a new import's values replacing an earlier one's."""
        insert = (postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert)(
            CordisParticipation
        )
        upsert = insert.on_conflict_do_update(
            index_elements=["actor_id", "project_id"],
            set_={
                name: getattr(insert.excluded, name)
                for name in (
                    "acronym",
                    "title",
                    "topics",
                    "programme",
                    "start_date",
                    "role",
                    "matched_by",
                    "terms",
                    "imported_at",
                )
            },
        )
        for start in range(0, len(rows), _BATCH):
            await session.execute(upsert, list(rows[start : start + _BATCH]))

    async def of_actors(
        self, session: AsyncSession, actor_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[CordisParticipation]]:
        """The participations of ``actor_ids`` that have any, the most recent first. Few
        actors have any: for many ids (a call's matches) the whole table is read once rather
        than sending thousands of ids."""
        wanted = set(actor_ids)
        query = sa.select(CordisParticipation).order_by(
            CordisParticipation.start_date.desc().nulls_last(), CordisParticipation.project_id
        )
        if len(wanted) <= _BATCH:
            query = query.where(CordisParticipation.actor_id.in_(list(wanted)))
        found: dict[uuid.UUID, list[CordisParticipation]] = {}
        for row in await session.scalars(query):
            if row.actor_id in wanted:
                found.setdefault(row.actor_id, []).append(row)
        return found


cordis_repository = CordisRepository()
