"""Keeps the actor projection current from the directory's events (the mechanic:
``kit.projections``); here what surveys keep of an actor and do beyond the copy.

Events carry the actor's version, so a stale or replayed event never overwrites newer data;
with the kit inbox (one row per handled event, in the same transaction) this makes the
projection correct whatever the delivery order. ``maillage-directory republish`` sends every
actor again: a wiped projection is rebuilt, a current one changes nothing.

A merged actor's invitations to surveys still open move to the survivor, unless the survivor
was invited too (then the merged actor's invitation stays, answering for the survivor's
record in results through ``merged_into``). A deleted actor stays known, so invitations and
responses that name it stay readable, but no audience matches it again.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import ACTOR_RECORD, ActorChanged
from kit.consumers import Subscription
from kit.projections import Projection
from surveys.actors.models import KnownActor
from surveys.invitations.repository import invitation_repository


def _columns(actor: ActorChanged) -> dict[str, Any]:
    address = actor.address
    return {
        "kind": actor.kind.value,
        "name": actor.name,
        "types": [t.value for t in actor.types],
        "circle": int(actor.circle) if actor.circle is not None else None,
        "clubs": [c.value for c in actor.clubs],
        "themes": [t.value for t in actor.themes],
        "department": address.department if address else None,
        "region": address.region if address else None,
        "member": actor.membership.member,
        "email": actor.email,
        "status": actor.status.value,
        "version": actor.version,
        "deleted_at": None,  # a newer version of the actor is a live one
    }


async def _move_invitations(session: AsyncSession, merged: uuid.UUID, survivor: uuid.UUID) -> None:
    await invitation_repository.move_to_survivor(session, old=merged, new=survivor)


actor_projection: Projection[KnownActor, ActorChanged] = Projection(
    model=KnownActor, source=ACTOR_RECORD, columns=_columns, after_merge=_move_invitations
)


def actor_subscription(prefix: str) -> Subscription:
    return actor_projection.subscription(prefix)
