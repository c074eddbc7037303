"""Who changed what and when, per actor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor, ActorChange
from kit.identity import Identity

#: Bookkeeping fields that change on every write and say nothing by themselves.
_IGNORED = frozenset({"version", "updated_at", "created_at", "circle_set_at", "circle_set_by"})


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every top-level field that differs."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if key not in _IGNORED and before.get(key) != after.get(key)
    }


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    changes: dict[str, Any],
    identity: Identity,
) -> None:
    session.add(
        ActorChange(
            actor_id=actor.id,
            version=actor.version,
            action=action,
            changed_at=actor.updated_at,
            changed_by=identity.subject,
            changes=changes,
        )
    )


async def record_many(
    session: AsyncSession,
    entries: Sequence[tuple[Actor, str, dict[str, Any]]],
    *,
    identity: Identity,
) -> None:
    """Record ``(actor, action, changes)`` entries in one statement."""
    if entries:
        await session.execute(
            sa.insert(ActorChange),
            [
                {
                    "actor_id": actor.id,
                    "version": actor.version,
                    "action": action,
                    "changed_at": actor.updated_at,
                    "changed_by": identity.subject,
                    "changes": changes,
                }
                for actor, action, changes in entries
            ],
        )


async def list_changes(
    session: AsyncSession, actor_id: uuid.UUID, *, after_version: int | None, limit: int
) -> Sequence[ActorChange]:
    query = sa.select(ActorChange).where(ActorChange.actor_id == actor_id)
    if after_version is not None:
        query = query.where(ActorChange.version > after_version)
    query = query.order_by(ActorChange.version, ActorChange.id).limit(limit)
    return (await session.scalars(query)).all()
