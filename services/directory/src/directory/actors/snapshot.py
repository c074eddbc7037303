"""Republishing every actor so a consumer can rebuild its projection from scratch."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from contracts.directory import ACTOR_DELETED, ACTOR_UPDATED, ActorDeleted
from directory.actors.models import Actor
from directory.actors.service import actor_service
from directory.db import outbox
from kit.db import Database

logger = logging.getLogger(__name__)
BATCH = 500


async def republish_all(database: Database) -> int:
    """Write one event per actor (current state, or tombstone) to the outbox; return count.

    Events carry each actor's current version: a consumer that already knows it ignores the
    event, one whose projection was wiped rebuilds it. The service's relay publishes them.
    """
    count, after = 0, None
    while True:
        async with database.transaction() as session:
            query = sa.select(Actor).order_by(Actor.id).limit(BATCH)
            if after is not None:
                query = query.where(Actor.id > after)
            actors = (await session.scalars(query)).all()
            for actor in actors:
                if actor.deleted_at is not None:
                    payload = ActorDeleted(
                        id=actor.id, version=actor.version, deleted_at=actor.deleted_at
                    ).model_dump(mode="json")
                    await outbox.emit(
                        session, type=ACTOR_DELETED, subject=str(actor.id), data=payload
                    )
                else:
                    await outbox.emit(
                        session,
                        type=ACTOR_UPDATED,
                        subject=str(actor.id),
                        data=actor_service.to_event(actor).model_dump(mode="json"),
                    )
        if not actors:
            return count
        count += len(actors)
        after = actors[-1].id
        logger.info("republished %d actors", count)
