"""HTTP routes of one event, /v1/events/{id}: thin handlers over event_service (the lists and
feeds of the calendar: search/router.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from fastapi.responses import JSONResponse

from contracts.events import EventRead
from contracts.territory import at_geocoded_point
from events.access import OrganizerOrStaffIdentity
from events.agenda import jsonld
from events.agenda.schemas import EventCreate, EventUpdate
from events.agenda.service import event_service
from events.organizers.service import wait_until_known
from kit import ical
from kit.etags import etag_for
from kit.geocoding import GeoPoint
from kit.geocoding_dependency import place_geocoded
from kit.identity import CurrentIdentity
from kit.service import DbSession, runtime_of

router = APIRouter(prefix="/v1/events", tags=["events"])
#: The BAN's point for the body's street address, resolved before the transaction opens
#: (first in each signature); None when geocoding is off or finds nothing.
LocationGeocoded = Annotated[GeoPoint | None, Depends(place_geocoded("location"))]


async def organizers_heard_of(request: Request) -> None:
    """Route dependency, resolved before the request's transaction opens: waits a bounded
    moment for organizers the calendar has not heard of yet (read your writes). Reads the
    body FastAPI has already read; a malformed one is left to validation."""
    try:
        body = await request.json()
        ids = [uuid.UUID(str(i)) for i in body.get("organizer_ids") or []]
    except (ValueError, TypeError, AttributeError):
        return
    await wait_until_known(
        runtime_of(request).database,
        ids,
        within=request.app.state.settings.organizer_wait_seconds,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add an event (published at once by staff, pending for members)",
    description="An organizer created in the directory a moment ago is waited for (up to "
    "`MAILLAGE_EVENTS_ORGANIZER_WAIT_SECONDS`, 2 s) before the event is refused with a 422.",
    dependencies=[Depends(organizers_heard_of)],
)
async def create_event(
    geocoded: LocationGeocoded,
    body: EventCreate,
    session: DbSession,
    identity: OrganizerOrStaffIdentity,
    response: Response,
) -> EventRead:
    if geocoded is not None and body.location is not None:
        at_geocoded_point(
            body.location, lat=geocoded.lat, lon=geocoded.lon, precision=geocoded.precision
        )
    event = await event_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(event.version)
    response.headers["Location"] = f"/v1/events/{event.id}"
    return event


@router.get(
    "/{event_id}.ics",
    summary="One event as iCalendar (RFC 5545): one VEVENT per timing",
    response_class=Response,
    responses=ical.OPENAPI_RESPONSE,
)
async def event_calendar(
    event_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> Response:
    """Declared before ``/{event_id}``, which would otherwise read ``<id>.ics`` as an id."""
    body = await event_service.ics_event(session, event_id=event_id, identity=identity)
    return Response(
        body,
        media_type=ical.MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{event_id}.ics"'},
    )


@router.get(
    "/{event_id}",
    summary="Read an event with its organizers' current names (JSON-LD on request)",
    description="With `Accept: application/ld+json`, the event as a schema.org Event.",
    response_model=EventRead,
    responses={200: {"content": {jsonld.MEDIA_TYPE: {}}}},
)
async def get_event(
    event_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    response: Response,
    accept: Annotated[str | None, Header()] = None,
) -> EventRead | JSONResponse:
    event = await event_service.get(session, event_id=event_id, identity=identity)
    read = await event_service.to_read(session, event)
    if jsonld.wants_jsonld(accept):
        return JSONResponse(
            jsonld.event_jsonld(read),
            media_type=jsonld.MEDIA_TYPE,
            headers={"ETag": jsonld.etag(event.version), "Vary": "Accept"},
        )
    response.headers["ETag"] = etag_for(event.version)
    response.headers["Vary"] = "Accept"
    return read


@router.patch(
    "/{event_id}",
    summary="Change an event (organizers and staff); send If-Match with the ETag you read",
)
async def update_event(
    geocoded: LocationGeocoded,
    event_id: uuid.UUID,
    body: EventUpdate,
    session: DbSession,
    identity: OrganizerOrStaffIdentity,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> EventRead:
    if geocoded is not None and body.location is not None:
        at_geocoded_point(
            body.location, lat=geocoded.lat, lon=geocoded.lon, precision=geocoded.precision
        )
    event = await event_service.update(
        session, event_id=event_id, data=body, identity=identity, if_match=if_match
    )
    response.headers["ETag"] = etag_for(event.version)
    return event


@router.delete(
    "/{event_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an event (organizers and staff); partners syncing get a tombstone",
    description="Its registrations holding or awaiting a seat are cancelled in the same "
    "transaction (events.registration.cancelled each); refused ones stay refused.",
)
async def delete_event(
    event_id: uuid.UUID,
    session: DbSession,
    identity: OrganizerOrStaffIdentity,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    await event_service.delete(session, event_id=event_id, identity=identity, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
