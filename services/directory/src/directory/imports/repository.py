"""Every query on import jobs, and the lookups that match an imported row to an actor."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from directory.actors.models import Actor
from directory.imports.models import ActorExternalId, ImportJob
from kit.db import dialect_of


class ImportRepository:
    async def get(
        self, session: AsyncSession, job_id: uuid.UUID, *, with_content: bool = False
    ) -> ImportJob | None:
        options = [undefer(ImportJob.content)] if with_content else []
        return await session.get(ImportJob, job_id, options=options)

    async def content(self, session: AsyncSession, job_id: uuid.UUID) -> bytes | None:
        """The uploaded file of a job (deferred on the row)."""
        query = sa.select(ImportJob.content).where(ImportJob.id == job_id)
        return await session.scalar(query)

    async def list_recent(self, session: AsyncSession, *, limit: int) -> Sequence[ImportJob]:
        query = sa.select(ImportJob).order_by(ImportJob.created_at.desc()).limit(limit)
        return (await session.scalars(query)).all()

    async def next_to_run(self, session: AsyncSession, *, now: datetime) -> ImportJob | None:
        """The oldest queued job, or a running one whose worker's lease ran out; on PostgreSQL
        locked (skipping a job another worker is claiming)."""
        query = (
            sa.select(ImportJob)
            .where(
                sa.or_(
                    ImportJob.status == "queued",
                    sa.and_(ImportJob.status == "running", ImportJob.lease_until < now),
                )
            )
            .order_by(ImportJob.created_at)
            .limit(1)
        )
        if dialect_of(session) == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return await session.scalar(query)

    # --- matching a row to an actor ---------------------------------------------------------

    async def actor(self, session: AsyncSession, actor_id: uuid.UUID) -> Actor | None:
        return await session.get(Actor, actor_id)

    async def actor_ids_by_external_id(
        self, session: AsyncSession, *, source: str, external_ids: Collection[str]
    ) -> dict[str, uuid.UUID]:
        if not external_ids:
            return {}
        found = await session.execute(
            sa.select(ActorExternalId.external_id, ActorExternalId.actor_id).where(
                ActorExternalId.source == source,
                ActorExternalId.external_id.in_(external_ids),
            )
        )
        return {row[0]: row[1] for row in found.all()}

    async def actor_ids_by_siret(
        self, session: AsyncSession, sirets: Collection[str]
    ) -> dict[str, uuid.UUID]:
        """The live actor of each SIRET."""
        if not sirets:
            return {}
        found = await session.execute(
            sa.select(Actor.siret, Actor.id).where(
                Actor.siret.in_(sirets), Actor.deleted_at.is_(None)
            )
        )
        return {siret: actor_id for siret, actor_id in found.all() if siret}

    async def actor_by_siret(self, session: AsyncSession, siret: str) -> Actor | None:
        return await session.scalar(
            sa.select(Actor).where(Actor.siret == siret, Actor.deleted_at.is_(None)).limit(1)
        )

    async def actor_ids_by_name_and_commune(
        self, session: AsyncSession, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], uuid.UUID]:
        """The one live actor of each (folded name, commune); a pair naming several actors
        matches none (it is reported as a likely duplicate instead)."""
        if not keys:
            return {}
        found = await session.execute(
            sa.select(Actor.name_key, Actor.commune_insee, Actor.id).where(
                Actor.name_key.in_({name for name, _ in keys}),
                Actor.commune_insee.in_({commune for _, commune in keys}),
                Actor.deleted_at.is_(None),
            )
        )
        seen: dict[tuple[str, str], list[uuid.UUID]] = {}
        for name, commune, actor_id in found.all():
            if commune is not None and (name, commune) in keys:
                seen.setdefault((name, commune), []).append(actor_id)
        return {key: ids[0] for key, ids in seen.items() if len(ids) == 1}


import_repository = ImportRepository()
