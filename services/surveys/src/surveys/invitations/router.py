"""HTTP routes of invitations: runs and reminders under a survey, and members' own list."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from kit.identity import AuthenticatedIdentity, CurrentIdentity, StaffIdentity
from kit.paging import Page, PageParams, page_params
from kit.service import DbSession, runtime_of
from surveys.actors.service import wait_for_actors
from surveys.dependencies import PublicUrl
from surveys.invitations.schemas import (
    InvitationRead,
    InvitationReport,
    InvitationRun,
    InvitationSummary,
    ReminderReport,
    ReminderRun,
)
from surveys.invitations.service import invitation_service

router = APIRouter(tags=["invitations"])
Paging = Annotated[PageParams, Depends(page_params)]


async def actors_heard_of(request: Request, identity: CurrentIdentity) -> None:
    """Route dependency, resolved before the request's transaction opens: waits a bounded
    moment for actors and audiences the projection has not heard of yet (read your writes).
    Reads the body FastAPI has already read; a malformed one is left to validation. It runs
    before the route checks who asks: only staff, who may invite, are waited for."""
    if not identity.is_staff:
        return
    try:
        body = await request.json()
        ids = [uuid.UUID(str(i)) for i in body.get("actor_ids") or []]
        audience = body.get("audience") is not None
    except (ValueError, TypeError, AttributeError):
        return
    await wait_for_actors(
        runtime_of(request),
        actor_ids=ids,
        audience=audience,
        within=request.app.state.settings.actor_wait_seconds,
    )


@router.post(
    "/v1/surveys/{survey_id}/invitations",
    summary="Invite an audience, named actors or people (staff; a dry run unless told)",
    description=(
        "`audience` takes the directory's filters (`type`, `circle`, `club`, `theme`, "
        "`department`, `region`, `member`, `status`). The answer counts who matched, who has "
        "an address (`reachable`), who has none (`unreachable`) and, for a real run "
        "(`dry_run: false`), the invitations made; a second run adds only who is new. Each "
        "invitation is mailed with its personal link. Actors created in the directory a "
        "moment ago are waited for (up to `MAILLAGE_SURVEYS_ACTOR_WAIT_SECONDS`, 2 s)."
    ),
    dependencies=[Depends(actors_heard_of)],
)
async def invite(
    survey_id: uuid.UUID, body: InvitationRun, session: DbSession, identity: StaffIdentity
) -> InvitationReport:
    return await invitation_service.invite(
        session, survey_id=survey_id, run=body, identity=identity
    )


@router.get(
    "/v1/surveys/{survey_id}/invitations",
    summary="A survey's invitations, with their personal links (staff)",
)
async def list_survey_invitations(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: StaffIdentity,
    paging: Paging,
    base: PublicUrl,
    status: Literal["invited", "partial", "submitted"] | None = None,
) -> Page[InvitationRead]:
    return await invitation_service.list_of_survey(
        session, survey_id=survey_id, status=status, paging=paging, public_url=base
    )


@router.get(
    "/v1/surveys/{survey_id}/invitations/summary",
    summary="A survey's invitations counted, and how far their mailing is (staff)",
    description=(
        "Invitations by status (`invited`, `partial`, `submitted`), those without an address, "
        "and the invitation messages by where they are: `to_send` (still in the mail outbox), "
        "`sent`, `failed`, `suppressed`. `maillage surveys invite --for-real` follows "
        "`to_send` down to 0 as its progress bar."
    ),
)
async def invitation_summary(
    survey_id: uuid.UUID, session: DbSession, identity: StaffIdentity
) -> InvitationSummary:
    return await invitation_service.summary(session, survey_id=survey_id)


@router.post(
    "/v1/surveys/{survey_id}/reminders",
    summary="Remind who has not submitted, once each, never an unsubscribed address (staff)",
)
async def remind(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: StaffIdentity,
    body: ReminderRun | None = None,
) -> ReminderReport:
    run = body or ReminderRun()
    return await invitation_service.remind(
        session, survey_id=survey_id, invited_days_ago=run.invited_days_ago
    )


@router.get(
    "/v1/invitations",
    summary="An actor's invitations (staff, or a member key of that actor)",
)
async def list_actor_invitations(
    session: DbSession,
    identity: AuthenticatedIdentity,
    paging: Paging,
    base: PublicUrl,
    actor_id: Annotated[uuid.UUID, Query(description="The actor whose invitations to list.")],
) -> Page[InvitationRead]:
    return await invitation_service.list_of_actor(
        session, actor_id=actor_id, identity=identity, paging=paging, public_url=base
    )


@router.get("/v1/invitations/{invitation_id}", summary="One invitation (staff, or its member)")
async def get_invitation(
    invitation_id: uuid.UUID, session: DbSession, identity: AuthenticatedIdentity, base: PublicUrl
) -> InvitationRead:
    invitation = await invitation_service.get(
        session, invitation_id=invitation_id, identity=identity
    )
    [read] = await invitation_service.to_reads(session, [invitation], public_url=base)
    return read
