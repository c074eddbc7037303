"""HTTP routes of /v1/calls/{id}/matches and /v1/calls/{id}/partners."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from contracts.vocabularies import ActorType
from eu_watch.actors.dependencies import actor_heard_of, directory_heard_of
from eu_watch.actors.repository import ActorFilters
from eu_watch.calls.filters import enum_values
from eu_watch.matching.schemas import MatchList, PartnerSuggestions
from eu_watch.matching.service import matching_service
from kit.identity import MemberOrStaffIdentity
from kit.service import DbSession

router = APIRouter(prefix="/v1/calls", tags=["calls"])


@router.get(
    "/{call_id}/matches",
    summary="The network's members this call suits, best first, each with its reasons",
    description="Active members of circles 1 and 2 by default (`circle`, `type`, `region`,"
    " `department` narrow or widen it); the score is the sum of the reasons' points: shared"
    " themes, the call's terms in the actor's description, the fit between the type of action"
    " and the actor's types, the territory when the call names one. For network staff and"
    " members (membership is the network's own business). Waits up to"
    " `MAILLAGE_EU_WATCH_ACTOR_WAIT_SECONDS` (2 s) for the directory's latest changes."
    " Paged: `next` (null on the last page) is the `after` of the next page; the ranking is"
    " deterministic (ties by name, then id).",
    dependencies=[Depends(directory_heard_of)],
)
async def call_matches(
    call_id: uuid.UUID,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    # The bounds apply to each value: on the list itself they were a TypeError (a 500) for
    # ``circle``, and for ``region`` and ``department`` a cap on how many codes were given.
    circle: Annotated[list[Annotated[int, Field(ge=1, le=3)]] | None, Query()] = None,
    type: Annotated[
        list[str] | None, Query(description="Actor types (the directory's vocabulary).")
    ] = None,
    region: Annotated[
        list[Annotated[str, Field(max_length=2)]] | None, Query(description="INSEE région codes.")
    ] = None,
    department: Annotated[
        list[Annotated[str, Field(max_length=3)]] | None,
        Query(description="Département codes."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    after: Annotated[
        str | None, Query(description="The `next` of the previous page (opaque).")
    ] = None,
) -> MatchList:
    filters = ActorFilters(
        circles=tuple(circle) if circle else (1, 2),
        # An unknown type is a 422 naming it, as in the calls list (it matched nobody).
        types=tuple(t.value for t in enum_values(ActorType, "type", tuple(type or ()))),
        regions=tuple(region or ()),
        departments=tuple(department or ()),
    )
    return await matching_service.matches(
        session, call_id=call_id, actors=filters, limit=limit, after=after
    )


@router.get(
    "/{call_id}/partners",
    summary="Consortia suggested around a lead member for this call, each explained",
    description="Complementary types (research + science centre or museum + local authority"
    " or association), spread across territories, from the members the call suits. `lead`"
    " must be an active member (422 otherwise; one created a moment ago is waited for, up to"
    " `MAILLAGE_EU_WATCH_ACTOR_WAIT_SECONDS`); a member key suggests for its own actor only.",
    dependencies=[Depends(actor_heard_of("lead"))],
)
async def call_partners(
    call_id: uuid.UUID,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    lead: Annotated[uuid.UUID, Query(description="The member that would lead the project.")],
) -> PartnerSuggestions:
    return await matching_service.partners(
        session, call_id=call_id, lead_id=lead, identity=identity
    )
