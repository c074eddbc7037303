"""Keeping imported OpenAgenda agendas current without anyone asking.

With ``MAILLAGE_EVENTS_OPENAGENDA_SYNC_INTERVAL_SECONDS`` set, the service runs an incremental
import of every agenda imported before (its first import, which names the organizer, is
always asked for). Runs are idempotent, so two processes syncing at once only waste a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from events.config import Settings
from events.db import leases
from events.partners.openagenda import openagenda_client
from events.partners.openagenda_import import openagenda_importer
from events.partners.openagenda_mapping import SOURCE
from events.partners.repository import openagenda_sync_repository
from events.partners.schemas import ImportSummary
from kit.db import Database
from kit.lease import run_periodically
from kit.problems import DomainError
from kit.service import Runtime

logger = logging.getLogger(__name__)


async def sync_all(database: Database, settings: Settings) -> list[ImportSummary]:
    """An incremental run of every agenda imported before; one failing agenda (OpenAgenda
    down, agenda gone) is logged and does not hold up the others."""
    async with database.transaction(write=False) as session:
        agenda_uids = await openagenda_sync_repository.agenda_uids(session)
    summaries = []
    async with openagenda_client(settings) as client:
        for agenda_uid in agenda_uids:
            try:
                summaries.append(
                    await openagenda_importer.run(
                        database,
                        client,
                        agenda_uid=agenda_uid,
                        trusted=settings.is_trusted(SOURCE),
                        triggered_by="schedule",
                    )
                )
            except DomainError as exc:
                logger.warning("openagenda %s: sync failed: %s", agenda_uid, exc.detail)
    return summaries


def openagenda_sync_worker(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """The service worker syncing every ``openagenda_sync_interval_seconds``, on one replica
    at a time (the ``openagenda-sync`` lease)."""
    every = settings.openagenda_sync_interval_seconds

    async def openagenda_sync(runtime: Runtime) -> None:
        async def run() -> dict[str, Any]:
            summaries = await sync_all(runtime.database, settings)
            return {
                "agendas": len(summaries),
                **{
                    count: sum(getattr(summary, count) for summary in summaries)
                    for count in ("created", "updated", "unchanged", "cancelled", "failed")
                },
            }

        await run_periodically(
            runtime.database,
            leases,
            "openagenda-sync",
            run,
            period=timedelta(seconds=every),
            check_every=min(every, 60.0),
            # A sync of many agendas can take long; a replica that died frees it after this.
            hold_for=timedelta(seconds=max(every, 1800)),
        )

    return openagenda_sync
