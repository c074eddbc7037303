"""Import an OpenAgenda agenda into the calendar, incrementally and idempotently.

Each OpenAgenda event becomes (or updates) the event whose ``ext_ids.openagenda`` is its
``uid``, through the same path as a partner's push: one short transaction per event, so a
bad event is reported and skipped without touching the others, and a run stopped half-way
is simply run again. Removed events are cancelled. The latest ``updatedAt`` seen is kept per
agenda, and the next run asks OpenAgenda only for what changed since (``updatedAt[gte]``:
the boundary event comes again and changes nothing).

An import acts as the partner ``openagenda``: its events are ``pending`` for moderation
unless ``openagenda`` is a trusted source (``MAILLAGE_EVENTS_TRUSTED_SOURCES``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from contracts.vocabularies import EventKind
from events.organizers.repository import known_actor_repository
from events.partners.errors import (
    OpenAgendaSyncNotFound,
    PartnerEventDeleted,
    PartnerEventNotFound,
)
from events.partners.models import OpenAgendaSync
from events.partners.openagenda import OpenAgendaClient, parse_openagenda_time
from events.partners.openagenda_mapping import SOURCE, to_event_input
from events.partners.repository import openagenda_sync_repository
from events.partners.schemas import ImportFailure, ImportSummary
from events.partners.service import partner_event_service
from kit.db import Database
from kit.identity import Identity, Role
from kit.models import utcnow
from kit.problems import DomainError, InvalidInput, field_path

logger = logging.getLogger(__name__)

#: Failures listed in a summary (all are counted).
MAX_LISTED_FAILURES = 50


def import_identity(triggered_by: str) -> Identity:
    """Who an import writes as: the partner ``openagenda`` (its content is OpenAgenda's)."""
    return Identity(
        subject=f"openagenda-import:{triggered_by}"[:120], role=Role.PARTNER, partner=SOURCE
    )


class OpenAgendaImporter:
    async def configure(
        self,
        database: Database,
        *,
        agenda_uid: str,
        organizer_id: uuid.UUID | None,
        kind: EventKind | None,
    ) -> OpenAgendaSync:
        """The agenda's sync state, created on its first import (which needs the organizer)
        and updated when a run names another organizer or kind."""
        try:
            return await self._configure(
                database, agenda_uid=agenda_uid, organizer_id=organizer_id, kind=kind
            )
        except IntegrityError:
            # Another run created the agenda's state at the same moment: use that one.
            return await self._configure(
                database, agenda_uid=agenda_uid, organizer_id=organizer_id, kind=kind
            )

    async def _configure(
        self,
        database: Database,
        *,
        agenda_uid: str,
        organizer_id: uuid.UUID | None,
        kind: EventKind | None,
    ) -> OpenAgendaSync:
        async with database.transaction() as session:
            sync = await openagenda_sync_repository.lock(session, agenda_uid)
            if organizer_id is not None:
                actor = (await known_actor_repository.get_many(session, [organizer_id])).get(
                    organizer_id
                )
                if actor is None or actor.deleted_at is not None or actor.merged_into:
                    raise InvalidInput(
                        "organizer_id", f"{organizer_id} is not a current actor of the directory"
                    )
            if sync is None:
                if organizer_id is None:
                    raise InvalidInput(
                        "organizer_id",
                        "required on an agenda's first import: the actor its events belong to",
                    )
                sync = OpenAgendaSync(
                    agenda_uid=agenda_uid,
                    organizer_id=organizer_id,
                    kind=(kind or EventKind.OTHER).value,
                    last_summary={},
                )
                session.add(sync)
            else:
                sync.organizer_id = organizer_id or sync.organizer_id
                sync.kind = (kind or EventKind(sync.kind)).value
            await session.flush()
            return sync

    async def run(
        self,
        database: Database,
        client: OpenAgendaClient,
        *,
        agenda_uid: str,
        trusted: bool,
        triggered_by: str,
        organizer_id: uuid.UUID | None = None,
        kind: EventKind | None = None,
        full: bool = False,
    ) -> ImportSummary:
        """Import what changed in the agenda since the last run (everything when ``full``
        or on the first run), then record how far it got."""
        sync = await self.configure(
            database, agenda_uid=agenda_uid, organizer_id=organizer_id, kind=kind
        )
        since = None if full else sync.updated_since
        summary = ImportSummary(agenda_uid=agenda_uid, full=full, since=since)
        identity = import_identity(triggered_by)
        latest = sync.updated_since
        async for page in client.pages(agenda_uid, updated_since=since):
            for raw in page:
                await self._import_one(
                    database, raw, sync=sync, identity=identity, trusted=trusted, summary=summary
                )
                latest = _later(latest, parse_openagenda_time(raw.get("updatedAt")))
        async for page in client.pages(agenda_uid, updated_since=since, removed=True):
            for raw in page:
                await self._cancel_one(database, raw, identity=identity, summary=summary)
                latest = _later(latest, parse_openagenda_time(raw.get("updatedAt")))
        summary.updated_since = latest
        async with database.transaction() as session:
            state = await openagenda_sync_repository.lock(session, agenda_uid)
            assert state is not None  # created by configure, never deleted
            # Two runs at once: the one ending last must not take the cursor back.
            state.updated_since = _later(state.updated_since, latest)
            state.last_run_at = utcnow()
            state.last_summary = summary.model_dump(mode="json")
        logger.info(
            "openagenda %s: %d created, %d updated, %d unchanged, %d cancelled, %d failed",
            agenda_uid,
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.cancelled,
            summary.failed,
        )
        return summary

    async def _import_one(
        self,
        database: Database,
        raw: dict[str, Any],
        *,
        sync: OpenAgendaSync,
        identity: Identity,
        trusted: bool,
        summary: ImportSummary,
    ) -> None:
        uid = str(raw.get("uid") or "")
        if not uid:
            _failed(summary, uid, "uid", "an OpenAgenda event without uid")
            return
        try:
            data = to_event_input(raw, organizer_id=sync.organizer_id, kind=EventKind(sync.kind))
            async with database.transaction() as session:
                result = await partner_event_service.upsert(
                    session,
                    source=SOURCE,
                    ext_id=uid,
                    data=data,
                    identity=identity,
                    trusted=trusted,
                )
        except ValidationError as exc:
            error = exc.errors()[0]
            _failed(summary, uid, field_path(error["loc"]), error["msg"])
            return
        except DomainError as exc:
            problem = (exc.errors or [{"field": None, "message": exc.detail}])[0]
            _failed(summary, uid, problem["field"], problem["message"])
            return
        if result.created:
            summary.created += 1
        elif result.changed:
            summary.updated += 1
        else:
            summary.unchanged += 1

    async def _cancel_one(
        self, database: Database, raw: dict[str, Any], *, identity: Identity, summary: ImportSummary
    ) -> None:
        uid = str(raw.get("uid") or "")
        try:
            async with database.transaction() as session:
                result = await partner_event_service.cancel(
                    session, source=SOURCE, ext_id=uid, identity=identity
                )
        except (PartnerEventNotFound, PartnerEventDeleted):
            return  # removed before we ever imported it, or deleted here meanwhile
        except DomainError as exc:
            _failed(summary, uid, None, exc.detail)
            return
        if result.changed:
            summary.cancelled += 1

    async def state(self, database: Database, agenda_uid: str) -> OpenAgendaSync:
        async with database.transaction(write=False) as session:
            sync = await openagenda_sync_repository.get(session, agenda_uid)
        if sync is None:
            raise OpenAgendaSyncNotFound(f"The agenda {agenda_uid} was never imported.")
        return sync


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate > current else current


def _failed(summary: ImportSummary, uid: str, field_name: str | None, message: str) -> None:
    summary.failed += 1
    if len(summary.failures) < MAX_LISTED_FAILURES:
        summary.failures.append(ImportFailure(uid=uid, field=field_name, message=message))


openagenda_importer = OpenAgendaImporter()
