"""HTTP routes of /v1/calls."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from eu_watch.calls.schemas import CallCreate, CallRead
from eu_watch.calls.service import call_service
from kit.etags import etag_for
from kit.identity import StaffIdentity
from kit.paging import Page, PageParams, build_page, decode_time_id_cursor, page_params, time_id_key
from kit.service import DbSession

router = APIRouter(prefix="/v1/calls", tags=["calls"])
Paging = Annotated[PageParams, Depends(page_params)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Add an EU call to watch (network staff)"
)
async def create_call(
    body: CallCreate, session: DbSession, identity: StaffIdentity, response: Response
) -> CallRead:
    call = await call_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(call.version)
    response.headers["Location"] = f"/v1/calls/{call.id}"
    return call_service.to_read(call)


@router.get("", summary="List watched EU calls")
async def list_calls(session: DbSession, paging: Paging) -> Page[CallRead]:
    after = decode_time_id_cursor(paging.after)
    rows = await call_service.list_page(session, after=after, limit=paging.limit + 1)
    calls, next_cursor = build_page(rows, paging, key=lambda s: time_id_key(s.created_at, s.id))
    return Page(items=[call_service.to_read(s) for s in calls], next=next_cursor)


@router.get("/{call_id}", summary="Read an EU call")
async def get_call(call_id: uuid.UUID, session: DbSession, response: Response) -> CallRead:
    call = await call_service.get(session, call_id=call_id)
    response.headers["ETag"] = etag_for(call.version)
    return call_service.to_read(call)
