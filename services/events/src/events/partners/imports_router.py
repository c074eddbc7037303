"""HTTP routes of OpenAgenda imports: ``/v1/events/imports/openagenda`` (staff only).

A run is synchronous and answers with its summary: after the first import an agenda's run
reads only what changed since the last one, a few events at most. Import a large agenda
for the first time with ``maillage-events openagenda-import`` rather than through the
gateway, whose upstream timeout a long run could exceed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from events.partners.openagenda_import import openagenda_importer
from events.partners.openagenda_mapping import SOURCE
from events.partners.openagenda_sync import openagenda_client
from events.partners.schemas import ImportSummary, OpenAgendaImportRequest, OpenAgendaSyncRead
from kit.identity import StaffIdentity
from kit.service import runtime_of

router = APIRouter(prefix="/v1/events/imports", tags=["partners"])


@router.post(
    "/openagenda",
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
    "/openagenda/{agenda_uid}",
    summary="An imported agenda: its organizer, kind, last run and where the next one starts",
)
async def openagenda_sync_state(
    agenda_uid: str, request: Request, identity: StaffIdentity
) -> OpenAgendaSyncRead:
    sync = await openagenda_importer.state(runtime_of(request).database, agenda_uid)
    return OpenAgendaSyncRead.model_validate(sync, from_attributes=True)
