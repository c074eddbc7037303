"""HTTP routes of /v1/calls/sources: the portal sync's state, and running it now."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from eu_watch.config import Settings
from eu_watch.sources.policies import as_seen_by, staff_trigger
from eu_watch.sources.schemas import ImportReport, PortalAnswer, SourceRead
from eu_watch.sources.service import sedia_sync
from kit.identity import CurrentIdentity, StaffIdentity
from kit.service import DbSession, runtime_of

router = APIRouter(prefix="/v1/calls/sources", tags=["calls"])


@router.get(
    "",
    summary="Sources of calls: last run, counts, errors and next run",
    description="Anyone reads when each source last ran, how it went, its counts and its next"
    " run; the errors' text and whose key asked for a run are for staff.",
)
async def list_sources(request: Request, identity: CurrentIdentity) -> list[SourceRead]:
    settings: Settings = request.app.state.settings
    return [as_seen_by(await sedia_sync.status(runtime_of(request).database, settings), identity)]


@router.post(
    "/sedia/sync",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Sync the EU Funding & Tenders Portal now (network staff)",
    description="The run goes on after the answer; `GET /v1/calls/sources` shows it. When a"
    " sync is already running (here or on another replica), none is started and the answer"
    " says `running`.",
)
async def sync_sedia(request: Request, identity: StaffIdentity) -> SourceRead:
    runtime = runtime_of(request)
    settings: Settings = request.app.state.settings
    current = await sedia_sync.status(runtime.database, settings)
    if current.running:
        return current

    async def sync_now() -> None:
        await sedia_sync.run(runtime.database, settings, trigger=staff_trigger(identity.subject))

    runtime.spawn(sync_now(), name="eu-watch-sedia-sync-now")
    return current.model_copy(update={"running": True})


@router.post(
    "/sedia/import",
    summary="Import a saved answer of the portal's search API (network staff)",
    description="The body is what `…/rest/search` answered (its `results`), with the facet"
    " endpoint's `facets` if at hand: read as a sync reads a page (FAQ skipped, duplicates"
    " once, unreadable records counted, only changes written and announced). For a portal"
    " that cannot be reached, and the demo data.",
)
async def import_sedia_answer(
    body: PortalAnswer, session: DbSession, identity: StaffIdentity
) -> ImportReport:
    return await sedia_sync.import_answer(session, body)
