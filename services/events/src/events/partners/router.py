"""HTTP routes of partner events: what partners write through
(``/v1/events/ext/{source}/{ext_id}``) and the OpenAgenda imports
(``/v1/events/imports/openagenda``, staff only).

The gateway's partner inbox forwards a partner's signed pushes to the first with the
partner's identity; staff may call them too (to fix or replay a partner's event).

An import run is synchronous and answers with its summary: after the first import an
agenda's run reads only what changed since the last one, a few events at most. Import a
large agenda for the first time with ``maillage-events openagenda-import`` rather than
through the gateway, whose upstream timeout a long run could exceed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from contracts.events import EventRead
from events.access import PartnerOrStaffIdentity
from events.agenda.schemas import EventCreate
from events.partners.openagenda import openagenda_client
from events.partners.openagenda_import import openagenda_importer
from events.partners.openagenda_mapping import SOURCE
from events.partners.schemas import ImportSummary, OpenAgendaImportRequest, OpenAgendaSyncRead
from events.partners.service import partner_event_service
from kit.etags import etag_for
from kit.identity import StaffIdentity
from kit.service import DbSession, runtime_of

router = APIRouter(tags=["partners"])

Source = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,59}$",
        description="The partner platform (e.g. `echosciences`); partners write only their own.",
    ),
]
#: A partner's id may hold slashes (sent encoded as %2F, or not): the rest of the path is it.
ExtId = Annotated[
    str, Path(min_length=1, max_length=200, description="The partner's id of the event.")
]


@router.put(
    "/v1/events/ext/{source}/{ext_id:path}",
    summary="Create or replace a partner's event by its id (idempotent)",
    description=(
        "The body is that of `POST /v1/events`. 201 with `Location` when the event is new, 200"
        " when it existed; the same body again changes nothing. A partner's new event is"
        " `pending` (moderated by animators) unless its source is trusted"
        " (`MAILLAGE_EVENTS_TRUSTED_SOURCES`); a later push keeps the moderation state."
        " Allowed: staff for any source, a partner for its own."
    ),
    responses={201: {"description": "Created", "model": EventRead}},
)
async def put_partner_event(
    source: Source,
    ext_id: ExtId,
    body: EventCreate,
    request: Request,
    session: DbSession,
    identity: PartnerOrStaffIdentity,
    response: Response,
) -> EventRead:
    result = await partner_event_service.upsert(
        session,
        source=source,
        ext_id=ext_id,
        data=body,
        identity=identity,
        trusted=request.app.state.settings.is_trusted(source),
    )
    response.headers["ETag"] = etag_for(result.event.version)
    if result.created:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = f"/v1/events/{result.event.id}"
    return result.event


@router.delete(
    "/v1/events/ext/{source}/{ext_id:path}",
    summary="Cancel a partner's event by its id (a repeat is a no-op)",
    description="The event stays readable with status `cancelled`.",
)
async def cancel_partner_event(
    source: Source,
    ext_id: ExtId,
    session: DbSession,
    identity: PartnerOrStaffIdentity,
    response: Response,
) -> EventRead:
    result = await partner_event_service.cancel(
        session, source=source, ext_id=ext_id, identity=identity
    )
    response.headers["ETag"] = etag_for(result.event.version)
    return result.event


@router.post(
    "/v1/events/imports/openagenda",
    summary="Import an OpenAgenda agenda now (staff): only what changed since the last run",
    description=(
        "Creates or updates an event per OpenAgenda event (by its uid, kept in"
        " `ext_ids.openagenda`), cancels removed ones, and answers with the run's summary."
        " Events are `pending` unless `openagenda` is a trusted source. Idempotent: running it"
        " again changes nothing unless OpenAgenda changed."
    ),
)
async def import_openagenda(
    body: OpenAgendaImportRequest, request: Request, identity: StaffIdentity
) -> ImportSummary:
    settings = request.app.state.settings
    async with openagenda_client(settings) as client:
        return await openagenda_importer.run(
            runtime_of(request).database,
            client,
            agenda_uid=body.agenda_uid,
            trusted=settings.is_trusted(SOURCE),
            triggered_by=identity.subject,
            organizer_id=body.organizer_id,
            kind=body.kind,
            full=body.full,
        )


@router.get(
    "/v1/events/imports/openagenda/{agenda_uid}",
    summary="An imported agenda: its organizer, kind, last run and where the next one starts",
)
async def openagenda_sync_state(
    agenda_uid: str, request: Request, identity: StaffIdentity
) -> OpenAgendaSyncRead:
    sync = await openagenda_importer.state(runtime_of(request).database, agenda_uid)
    return OpenAgendaSyncRead.model_validate(sync, from_attributes=True)
