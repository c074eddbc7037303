"""The portal sync: one run at a time (a lease), page by page, writing only what changed.

Each page is compared with what is stored in a read-only transaction first; only new or
changed topics open a write transaction, so a sync that finds nothing new writes no call and
announces nothing. A record that cannot be read (no identifier, a date or budget that does not
parse) is logged, counted and skipped; a page that keeps failing is counted and skipped; the
run goes on. The run's outcome, counts and errors are kept on its lease row (what
``GET /v1/calls/sources`` shows).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.calls.repository import call_repository
from eu_watch.calls.schemas import CallContent
from eu_watch.calls.service import call_service
from eu_watch.config import Settings
from eu_watch.db import leases
from eu_watch.sedia.client import SearchPage, SediaClient, labels_of_facets
from eu_watch.sedia.errors import PortalUnavailable, UnreadableRecord
from eu_watch.sedia.records import SOURCE, Labels, is_faq, read_topic, record_key
from eu_watch.sources.repository import label_repository, source_repository
from eu_watch.sources.schemas import ImportReport, PortalAnswer, SourceRead, SyncCounts
from kit.db import Database
from kit.lease import finish_lease, renew_lease, take_lease
from kit.models import utcnow

logger = logging.getLogger(__name__)

SEDIA = SOURCE
MAX_ERRORS_KEPT = 50


#: The lease of the portal sync; its row also keeps the last run's report.
SYNC_LEASE = f"sync:{SEDIA}"
#: Who this process is, as a lease holder.
PROCESS_HOLDER = f"eu-watch-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def sedia_client(settings: Settings) -> AsyncIterator[SediaClient]:
    """A client of the configured portal with its own HTTP client for one run."""
    async with httpx.AsyncClient(
        timeout=settings.sedia_timeout_seconds, follow_redirects=False
    ) as http:
        yield SediaClient(
            http,
            search_url=settings.sedia_url,
            page_size=settings.sedia_page_size,
            programme_period=settings.sedia_programme_period,
            max_attempts=settings.sedia_max_attempts,
            backoff_seconds=settings.sedia_backoff_seconds,
            max_retry_after_seconds=settings.sedia_max_retry_after_seconds,
        )


class SyncRun:
    """The state of one run: what was seen, counted and went wrong."""

    def __init__(self) -> None:
        self.counts = SyncCounts()
        self.errors: list[str] = []
        self.seen: set[str] = set()

    def error(self, message: str) -> None:
        logger.warning("sedia sync: %s", message)
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    @property
    def outcome(self) -> str:
        return "partial" if self.errors else "ok"


class SediaSync:
    async def run(
        self,
        database: Database,
        settings: Settings,
        *,
        trigger: str,
        period: timedelta | None = None,
        holder: str = PROCESS_HOLDER,
    ) -> SourceRead | None:
        """Sync now if no one else is (and, with ``period``, if the last run is that old);
        None when the lease was not taken."""
        hold_for = timedelta(seconds=settings.sync_lease_seconds)
        if not await take_lease(
            database, leases, SYNC_LEASE, holder=holder, hold_for=hold_for, period=period
        ):
            return None
        run = SyncRun()
        outcome = "failed"
        try:
            async with sedia_client(settings) as client:
                try:
                    await self._sync(database, client, run, holder=holder, hold_for=hold_for)
                finally:
                    run.counts.retries = client.retries
            outcome = run.outcome
        except PortalUnavailable as exc:
            run.error(exc.detail)
        except Exception as exc:
            logger.exception("sedia sync failed")
            run.error(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            report = {
                "trigger": trigger,
                "outcome": outcome,
                "finished_at": utcnow().isoformat(),
                "counts": run.counts.model_dump(),
                "errors": run.errors,
            }
            await finish_lease(
                database,
                leases,
                SYNC_LEASE,
                holder=holder,
                result=report,
                error=run.errors[-1] if outcome == "failed" and run.errors else None,
            )
        logger.info("sedia sync (%s): %s %s", trigger, outcome, run.counts.model_dump())
        return await self.status(database, settings)

    async def _sync(
        self,
        database: Database,
        client: SediaClient,
        run: SyncRun,
        *,
        holder: str,
        hold_for: timedelta,
    ) -> None:
        labels = await self._labels(database, client, run)
        pages = client.pages()
        while True:
            # Each page renews the lease: the run may last longer than ``hold_for`` (a slow
            # portal, its Retry-After waits), one page may not. A lease lost meanwhile means
            # another run took over: this one stops rather than run beside it.
            if not await renew_lease(
                database, leases, SYNC_LEASE, holder=holder, hold_for=hold_for
            ):
                run.error("the sync's lease ran out and another run took it; this one stopped")
                return
            try:
                page = await anext(pages)
            except StopAsyncIteration:
                break
            except PortalUnavailable:
                # Only the first page raises (it says how many there are): the run stops, and
                # that page counts as failed like any other, so the counts agree with the
                # error ``run`` records for it.
                run.counts.pages += 1
                run.counts.pages_failed += 1
                raise
            contents = self._read_page(page, labels, run)
            if not contents:
                continue
            async with database.transaction(write=False) as session:
                stored = await call_repository.fingerprints(
                    session, [c.identifier for c in contents]
                )
            changed = [c for c in contents if stored.get(c.identifier, "") != c.fingerprint()]
            run.counts.unchanged += len(contents) - len(changed)
            if not changed:
                continue
            async with database.transaction() as session:
                written = await call_service.write_contents(session, changed, now=utcnow())
            run.counts.created += written.created
            run.counts.updated += written.updated
            run.counts.unchanged += written.unchanged

    def _read_page(self, page: SearchPage, labels: Labels, run: SyncRun) -> list[CallContent]:
        run.counts.pages += 1
        if page.error is not None:
            run.counts.pages_failed += 1
            run.error(f"page {page.number}: {page.error}")
            return []
        contents = []
        for result in page.results:
            run.counts.results += 1
            if is_faq(result):
                run.counts.faq_skipped += 1
                continue
            key = record_key(result)
            if key is not None and key in run.seen:
                run.counts.duplicates += 1
                continue
            try:
                content = read_topic(result, labels)
            except UnreadableRecord as exc:
                run.counts.unreadable += 1
                run.error(f"page {page.number}: record {exc}")
                continue
            run.seen.add(content.identifier)
            if key is not None:
                run.seen.add(key)
            contents.append(content)
        return contents

    async def _labels(self, database: Database, client: SediaClient, run: SyncRun) -> Labels:
        """The portal's labels, refreshed from its facet endpoint (only changed ones are
        written); the cached ones when that endpoint fails."""
        async with database.transaction(write=False) as session:
            cached = await label_repository.all(session)
        try:
            fresh = await client.facets()
        except PortalUnavailable as exc:
            run.error(f"facets: {exc.detail}; using the labels kept from earlier runs")
            return cached
        changed = {
            facet: {
                code: label
                for code, label in table.items()
                if cached.get(facet, {}).get(code) != label
            }
            for facet, table in fresh.items()
        }
        changed = {facet: table for facet, table in changed.items() if table}
        if changed:
            async with database.transaction() as session:
                run.counts.labels_changed = await label_repository.store(
                    session, changed, now=utcnow()
                )
        merged = {facet: dict(table) for facet, table in cached.items()}
        for facet, table in fresh.items():
            merged.setdefault(facet, {}).update(table)
        return merged

    async def import_answer(self, session: AsyncSession, answer: PortalAnswer) -> ImportReport:
        """Read a saved portal answer the way a sync reads a page: its facet labels kept,
        FAQ records skipped, duplicates kept once, unreadable records counted, only what
        changed written and announced. For offline imports and the demo data."""
        run = SyncRun()
        if answer.facets:
            fresh = labels_of_facets(answer.facets)
            await label_repository.store(session, fresh, now=utcnow())
        labels = await label_repository.all(session)
        page = SearchPage(number=1, total=len(answer.results), results=answer.results)
        contents = self._read_page(page, labels, run)
        written = await call_service.write_contents(session, contents, now=utcnow())
        run.counts.created, run.counts.updated = written.created, written.updated
        run.counts.unchanged = written.unchanged
        return ImportReport(counts=run.counts, errors=run.errors)

    async def status(self, database: Database, settings: Settings) -> SourceRead:
        async with database.transaction(write=False) as session:
            state = await source_repository.run_state(session, SYNC_LEASE, now=utcnow())
        report = state.report
        finished = report.get("finished_at")
        interval = timedelta(seconds=settings.sedia_sync_interval_seconds)
        return SourceRead(
            name=SEDIA,
            url=settings.sedia_url,
            scheduled=settings.sedia_sync,
            interval_seconds=settings.sedia_sync_interval_seconds,
            running=state.running,
            last_started_at=state.last_run_at,
            last_finished_at=datetime.fromisoformat(finished) if finished else None,
            last_outcome=report.get("outcome"),
            last_trigger=report.get("trigger"),
            counts=SyncCounts.model_validate(report.get("counts") or {}),
            errors=list(report.get("errors") or []),
            next_run_at=(
                (state.last_run_at + interval if state.last_run_at else utcnow())
                if settings.sedia_sync
                else None
            ),
        )


sedia_sync = SediaSync()
