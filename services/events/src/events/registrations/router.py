"""HTTP routes of registrations: thin handlers over registration_service.

Registering is open to anyone with a valid e-mail, anonymous callers included: it is how the
public signs up. The answer carries a personal token; with it, the registrant reads or cancels
the registration without an account (``/v1/registrations/{id}/cancel?token=...``).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from contracts.events import RegistrationStatus
from events.access import OrganizerOrStaffIdentity
from events.registrations.schemas import (
    AttendanceRecord,
    AttendanceSheetRead,
    RegistrationCreate,
    RegistrationCreated,
    RegistrationRead,
)
from events.registrations.service import HoldRules, registration_service
from kit.identity import CurrentIdentity
from kit.paging import NUMBER, Page, PageParams, page_params
from kit.service import DbSession, client_address

router = APIRouter(tags=["registrations"])
Paging = Annotated[PageParams, Depends(page_params)]
Token = Annotated[
    str | None,
    Query(max_length=200, description="The personal token given at registration."),
]


@router.post(
    "/v1/events/{event_id}/registrations",
    status_code=status.HTTP_201_CREATED,
    summary="Register to an event (anyone with an e-mail; confirmed, waitlisted or pending)",
)
async def register(
    event_id: uuid.UUID,
    body: RegistrationCreate,
    session: DbSession,
    identity: CurrentIdentity,
    request: Request,
    response: Response,
) -> RegistrationCreated:
    created = await registration_service.register(
        session,
        event_id=event_id,
        data=body,
        identity=identity,
        client_address=client_address(request),
        hold=HoldRules(
            minutes=request.app.state.settings.registration_hold_minutes,
            per_client=request.app.state.settings.registration_holds_per_client,
        ),
    )
    response.headers["Location"] = f"/v1/registrations/{created.id}"
    return created


@router.get(
    "/v1/events/{event_id}/registrations",
    summary="Registrations of an event in arrival order (organizers and staff)",
)
async def list_registrations(
    event_id: uuid.UUID,
    session: DbSession,
    identity: OrganizerOrStaffIdentity,
    paging: Paging,
    status: Annotated[list[RegistrationStatus] | None, Query()] = None,
) -> Page[RegistrationRead]:
    after = NUMBER.decode(paging.after)
    rows = await registration_service.list_for_event(
        session,
        event_id=event_id,
        identity=identity,
        after=after,
        limit=paging.limit + 1,
        statuses=[s.value for s in status] if status else None,
    )
    registrations, next_cursor = NUMBER.page(rows, paging, key=lambda r: r.number)
    return Page(items=await registration_service.to_reads(session, registrations), next=next_cursor)


@router.get(
    "/v1/events/{event_id}/registrations.csv",
    summary="Registrations of an event as CSV (organizers and staff)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "Semicolon-separated, UTF-8"}},
)
async def export_registrations(
    event_id: uuid.UUID, session: DbSession, identity: OrganizerOrStaffIdentity
) -> Response:
    body = await registration_service.export_csv(session, event_id=event_id, identity=identity)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="inscriptions-{event_id}.csv"'},
    )


@router.get(
    "/v1/events/{event_id}/attendance",
    summary="Attendance sheet: present, absent, unrecorded per session (organizers and staff)",
)
async def attendance_sheet(
    event_id: uuid.UUID, session: DbSession, identity: OrganizerOrStaffIdentity
) -> AttendanceSheetRead:
    return await registration_service.attendance_sheet(
        session, event_id=event_id, identity=identity
    )


@router.get(
    "/v1/registrations/{registration_id}",
    summary="Read a registration (its registrant with the token, organizers, staff)",
)
async def get_registration(
    registration_id: uuid.UUID, session: DbSession, identity: CurrentIdentity, token: Token = None
) -> RegistrationRead:
    registration = await registration_service.get(
        session, registration_id=registration_id, identity=identity, token=token
    )
    return await registration_service.to_read(session, registration)


@router.post(
    "/v1/registrations/{registration_id}/cancel",
    summary="Cancel a registration (personal token link, organizers, staff)",
)
async def cancel_registration(
    registration_id: uuid.UUID, session: DbSession, identity: CurrentIdentity, token: Token = None
) -> RegistrationRead:
    return await registration_service.cancel(
        session, registration_id=registration_id, identity=identity, token=token
    )


@router.post(
    "/v1/registrations/{registration_id}/approve",
    summary="Accept a registration pending approval (organizers, staff)",
)
async def approve_registration(
    registration_id: uuid.UUID, session: DbSession, identity: OrganizerOrStaffIdentity
) -> RegistrationRead:
    return await registration_service.approve(
        session, registration_id=registration_id, identity=identity
    )


@router.post(
    "/v1/registrations/{registration_id}/refuse",
    summary="Refuse a registration pending approval (organizers, staff)",
)
async def refuse_registration(
    registration_id: uuid.UUID, session: DbSession, identity: OrganizerOrStaffIdentity
) -> RegistrationRead:
    return await registration_service.refuse(
        session, registration_id=registration_id, identity=identity
    )


@router.post(
    "/v1/registrations/{registration_id}/attendance",
    summary="Record presence or absence, for the event or one session (organizers, staff)",
)
async def record_attendance(
    registration_id: uuid.UUID,
    body: AttendanceRecord,
    session: DbSession,
    identity: OrganizerOrStaffIdentity,
) -> RegistrationRead:
    return await registration_service.record_attendance(
        session, registration_id=registration_id, data=body, identity=identity
    )
