"""Every query on the resource catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor
from directory.resources.models import Resource


class ResourceRepository:
    async def get(self, session: AsyncSession, resource_id: uuid.UUID) -> Resource | None:
        """The resource, deleted or not."""
        return await session.get(Resource, resource_id)

    async def search(
        self,
        session: AsyncSession,
        *,
        stems: Sequence[str],
        kinds: Sequence[str],
        themes: Sequence[str],
        audiences: Sequence[str],
        owner_id: uuid.UUID | None,
        available: bool | None,
        department: Sequence[str],
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[tuple[Resource, str]]:
        """Live resources holding every stem, with their owner's name, by title, after the
        cursor key."""
        query = (
            sa.select(Resource, Actor.name)
            .join(Actor, Actor.id == Resource.owner_id)
            .where(Resource.deleted_at.is_(None))
        )
        for stem in stems:
            query = query.where(Resource.search_text.contains(f" {stem}"))
        if kinds:
            query = query.where(Resource.kind.in_(kinds))
        if owner_id:
            query = query.where(Resource.owner_id == owner_id)
        if available is not None:
            query = query.where(Resource.loan_available.is_(available))
        if department:
            query = query.where(Actor.department.in_(department))
        # Lists are short JSON arrays here: match their JSON text, the same on both backends.
        for column, values in ((Resource.themes, themes), (Resource.audiences, audiences)):
            if values:
                text = sa.cast(column, sa.Text)
                query = query.where(sa.or_(*(text.contains(f'"{v}"') for v in values)))
        if after is not None:
            title_key, resource_id = after
            query = query.where(
                sa.or_(
                    Resource.title_key > title_key,
                    sa.and_(Resource.title_key == title_key, Resource.id > resource_id),
                )
            )
        rows = await session.execute(query.order_by(Resource.title_key, Resource.id).limit(limit))
        return [(resource, owner) for resource, owner in rows]


resource_repository = ResourceRepository()
