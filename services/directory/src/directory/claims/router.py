"""HTTP routes of /v1/actors/{actor_id}/claims."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from directory.actors.router import ActorById
from directory.claims.schemas import ClaimCreate, ClaimDecision, ClaimRead
from directory.claims.service import claim_service
from kit.identity import MemberOrStaffIdentity, StaffIdentity
from kit.service import DbSession

router = APIRouter(prefix="/v1/actors/{actor_id}/claims", tags=["claims"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Ask to take over a shadow record (members' and staff keys)",
)
async def request_claim(
    actor: ActorById,
    body: ClaimCreate,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    request: Request,
) -> ClaimRead:
    claim = await claim_service.request(
        session,
        actor=actor,
        data=body,
        identity=identity,
        staff_email=request.app.state.settings.common.staff_email,
    )
    return ClaimRead.model_validate(claim, from_attributes=True)


@router.get("", summary="Claims on an actor (staff)")
async def list_claims(
    actor: ActorById, session: DbSession, identity: StaffIdentity
) -> list[ClaimRead]:
    claims = await claim_service.list_for(session, actor=actor)
    return [ClaimRead.model_validate(c, from_attributes=True) for c in claims]


@router.post("/{claim_id}/decision", summary="Approve or refuse a claim (staff)")
async def decide_claim(
    actor: ActorById,
    claim_id: uuid.UUID,
    body: ClaimDecision,
    session: DbSession,
    identity: StaffIdentity,
) -> ClaimRead:
    claim = await claim_service.decide(
        session, actor=actor, claim_id=claim_id, decision=body, identity=identity
    )
    return ClaimRead.model_validate(claim, from_attributes=True)
