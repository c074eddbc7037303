"""Keeps ``actor_tags`` equal to an actor's multi-valued fields."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.errors import ExternalIdTaken
from directory.actors.models import Actor, ActorTag
from directory.imports.models import ActorExternalId

#: facet name → Actor attribute holding its values.
TAG_FIELDS = {"type": "types", "theme": "themes", "audience": "audiences", "club": "clubs"}


def _tag_rows(actor: Actor) -> list[dict[str, object]]:
    return [
        {"actor_id": actor.id, "facet": facet, "value": value}
        for facet, field in TAG_FIELDS.items()
        for value in set(getattr(actor, field) or [])
    ]


async def sync_tags(session: AsyncSession, actor: Actor) -> None:
    """Replace the tags of ``actor`` with its current list values."""
    await session.execute(sa.delete(ActorTag).where(ActorTag.actor_id == actor.id))
    await add_tags(session, [actor])


async def add_tags(session: AsyncSession, actors: list[Actor]) -> None:
    """Write the tags of actors that have none yet (new ones), in one statement."""
    rows = [row for actor in actors for row in _tag_rows(actor)]
    if rows:
        await session.execute(sa.insert(ActorTag), rows)


async def add_external_ids(session: AsyncSession, actors: list[Actor]) -> None:
    """Index the external ids of new actors (their uniqueness was checked by the caller)."""
    rows = [
        {"actor_id": actor.id, "source": source, "external_id": external_id}
        for actor in actors
        for source, external_id in (actor.ext_ids or {}).items()
    ]
    if rows:
        await session.execute(sa.insert(ActorExternalId), rows)


async def sync_external_ids(session: AsyncSession, actor: Actor) -> None:
    """Mirror ``actor.ext_ids`` into the indexed ``actor_external_ids`` table.

    An id another actor already holds in the same source is a 409 naming the field.
    """
    wanted = dict(actor.ext_ids or {})
    for source, external_id in wanted.items():
        owner = await session.scalar(
            sa.select(ActorExternalId.actor_id).where(
                ActorExternalId.source == source, ActorExternalId.external_id == external_id
            )
        )
        if owner is not None and owner != actor.id:
            raise ExternalIdTaken(
                f"{source} id {external_id} already belongs to actor {owner}.",
                errors=[{"field": f"ext_ids.{source}", "message": "already used by another actor"}],
            )
    await session.execute(sa.delete(ActorExternalId).where(ActorExternalId.actor_id == actor.id))
    if wanted:
        await session.execute(
            sa.insert(ActorExternalId),
            [
                {"actor_id": actor.id, "source": source, "external_id": external_id}
                for source, external_id in wanted.items()
            ],
        )


async def release_external_ids(session: AsyncSession, actor_id: uuid.UUID) -> None:
    """Free the external ids of a deleted or merged actor for others to take."""
    await session.execute(sa.delete(ActorExternalId).where(ActorExternalId.actor_id == actor_id))
