"""HTTP route of /v1/events/{id}/history: a thin handler over event_history_service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from events.access import OrganizerOrStaffIdentity
from events.history.schemas import EventChangeRead
from events.history.service import event_history_service
from kit.paging import NUMBER, Page, PageParams, page_params
from kit.service import DbSession

router = APIRouter(tags=["events"])
Paging = Annotated[PageParams, Depends(page_params)]


@router.get(
    "/v1/events/{event_id}/history",
    summary="Who changed what and when, oldest first (staff and the organizers' members)",
)
async def event_history(
    event_id: uuid.UUID, session: DbSession, identity: OrganizerOrStaffIdentity, paging: Paging
) -> Page[EventChangeRead]:
    after = NUMBER.decode(paging.after)
    rows = await event_history_service.list_changes(
        session, event_id=event_id, identity=identity, after=after, limit=paging.limit + 1
    )
    changes, next_cursor = NUMBER.page(rows, paging, key=lambda change: change.id)
    return Page(items=[event_history_service.read(c) for c in changes], next=next_cursor)
