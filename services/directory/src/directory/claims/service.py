"""The rules of claiming shadow records. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import ACTOR_UPDATED
from contracts.vocabularies import ActorStatus
from directory.actors import history
from directory.actors.errors import ClaimAlreadyDecided, NotAShadowRecord
from directory.actors.models import Actor
from directory.actors.service import actor_service
from directory.claims.errors import ClaimNotFound
from directory.claims.messages import claim_messages
from directory.claims.models import Claim
from directory.claims.repository import claim_repository
from directory.claims.schemas import ClaimCreate, ClaimDecision
from directory.db import outbox
from kit.identity import Identity
from kit.models import utcnow


class ClaimService:
    async def request(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        data: ClaimCreate,
        identity: Identity,
        staff_email: str = "",
    ) -> Claim:
        """Record a claim on a shadow record; staff are mailed at ``staff_email`` if set."""
        if actor.status != ActorStatus.SHADOW.value:
            raise NotAShadowRecord(
                f"Actor {actor.id} is {actor.status}; only shadow records can be claimed."
            )
        claim = Claim(
            id=uuid.uuid4(),
            actor_id=actor.id,
            requested_by=identity.subject,
            message=data.message,
            status="pending",
            created_at=utcnow(),
            contact_email=data.contact_email,
            contact_name=data.contact_name,
            language=data.language,
        )
        session.add(claim)
        await session.flush()
        await claim_messages.received(session, actor=actor, claim=claim, staff_email=staff_email)
        return claim

    async def pending(self, session: AsyncSession, *, limit: int) -> tuple[int, list[str]]:
        """How many claims wait for staff, and the names of the oldest claimed records."""
        return await claim_repository.pending(session, limit=limit)

    async def list_for(self, session: AsyncSession, *, actor: Actor) -> Sequence[Claim]:
        return await claim_repository.list_for_actor(session, actor.id)

    async def decide(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        claim_id: uuid.UUID,
        decision: ClaimDecision,
        identity: Identity,
    ) -> Claim:
        claim = await claim_repository.get(session, claim_id)
        if claim is None or claim.actor_id != actor.id:
            raise ClaimNotFound(f"No claim {claim_id} on actor {actor.id}.")
        if claim.status != "pending":
            raise ClaimAlreadyDecided(f"Claim {claim_id} was already {claim.status}.")
        claim.status = decision.decision
        claim.reason = decision.reason
        claim.decided_by = identity.subject
        claim.decided_at = utcnow()
        if decision.decision == "approved":
            if actor.status != ActorStatus.SHADOW.value:
                raise NotAShadowRecord(f"Actor {actor.id} was claimed in the meantime.")
            actor.status = ActorStatus.ACTIVE.value
            actor.touch()
            await session.flush()
            await history.record(
                session,
                actor=actor,
                action="claimed",
                changes={"status": ["shadow", "active"], "claimed_by": [None, claim.requested_by]},
                identity=identity,
            )
            await outbox.emit(
                session,
                type=ACTOR_UPDATED,
                subject=str(actor.id),
                data=actor_service.to_event(actor).model_dump(mode="json"),
            )
        await session.flush()
        await claim_messages.decided(session, actor=actor, claim=claim)
        return claim


claim_service = ClaimService()
