"""Import jobs: submitted by a request, run in the background in small transactions.

Each batch of rows commits together with the job's progress (``next_line``), so a job
interrupted by a crash resumes where it stopped; each row runs in a savepoint, so a row that
fails leaves nothing behind and does not stop the others. Rows are matched to existing actors
by their external id in the job's ``source``, then by SIRET, which makes re-importing the
same file a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.deduplication import find_duplicates
from directory.actors.models import Actor
from directory.actors.schemas import ActorCreate, ActorUpdate
from directory.actors.service import actor_service
from directory.imports.errors import ImportAlreadyWritten, ImportNotFound, UnreadableImport
from directory.imports.mapping import RowInvalid, validate_row
from directory.imports.models import ImportJob
from directory.imports.parsing import (
    Sheet,
    UnreadableFile,
    closest_header,
    detect_format,
    read_sheet,
)
from directory.imports.repository import import_repository
from directory.imports.schemas import ImportRead
from kit.db import Database
from kit.geocoding import AddressQuery, BanGeocoder
from kit.identity import Identity, Role
from kit.models import utcnow
from kit.normalize import fold
from kit.problems import DomainError

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_REPORTED = 1000
LEASE = timedelta(minutes=2)


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    #: Rows that update an existing actor, and by which rule they were matched to it.
    matches: list[dict[str, Any]] = field(default_factory=list)


#: How a row is matched to an actor, strongest first; the report names the rule.
RULE_EXTERNAL_ID = "external_id"
RULE_SIRET = "siret"
RULE_NAME_COMMUNE = "name_and_commune"


def _name_commune_key(data: ActorCreate) -> tuple[str, str] | None:
    """A row without SIRET or id is the actor of the same folded name in the same commune."""
    commune = data.address.commune_insee if data.address else None
    return (fold(data.name), commune) if commune else None


def _ignored_column(header: str) -> str:
    closest = closest_header(header)
    hint = f"; did you mean '{closest}'?" if closest else ""
    return f"column not recognised, ignored{hint}"


class ImportService:
    #: The BAN geocoder when the operator turned it on (set by the import worker).
    geocoder: BanGeocoder | None = None

    async def submit(
        self,
        session: AsyncSession,
        *,
        content: bytes,
        filename: str | None,
        source: str,
        dry_run: bool,
        identity: Identity,
    ) -> ImportJob:
        """Check the file can be read, then queue it; the worker does the rest."""
        if not content:
            raise UnreadableImport("file", "the request body is empty: send the file as the body")
        file_format = detect_format(content)
        try:
            sheet = await asyncio.to_thread(read_sheet, content, file_format)
        except UnreadableFile as exc:
            raise UnreadableImport("file", str(exc)) from exc
        job = ImportJob(
            id=uuid.uuid4(),
            status="queued",
            dry_run=dry_run,
            source=source,
            filename=filename,
            file_format=file_format,
            content=content,
            total_rows=len(sheet.rows),
            next_line=2,
            errors=[],
            duplicates=[],
            matches=[],
            created_by=identity.subject,
            created_at=utcnow(),
        )
        if sheet.ignored_headers:
            job.errors = [
                {"line": 1, "field": header, "message": _ignored_column(header)}
                for header in sheet.ignored_headers[:50]
            ]
        session.add(job)
        await session.flush()
        return job

    async def rerun_for_real(
        self, session: AsyncSession, *, job: ImportJob, identity: Identity
    ) -> ImportJob:
        """Queue the file of a finished dry run again, this time writing."""
        if not job.dry_run:
            raise ImportAlreadyWritten(f"Import {job.id} was not a dry run.")
        content = await import_repository.content(session, job.id)
        return await self.submit(
            session,
            content=content or b"",
            filename=job.filename,
            source=job.source,
            dry_run=False,
            identity=identity,
        )

    async def get(self, session: AsyncSession, *, job_id: uuid.UUID) -> ImportJob:
        job = await import_repository.get(session, job_id)
        if job is None:
            raise ImportNotFound(f"No import with id {job_id}.")
        return job

    async def list_recent(self, session: AsyncSession, *, limit: int) -> Sequence[ImportJob]:
        return await import_repository.list_recent(session, limit=limit)

    def to_read(self, job: ImportJob) -> ImportRead:
        """The job as the API shows it, with its progress from 0 to 1."""
        progress = job.processed_rows / job.total_rows if job.total_rows else 1.0
        if job.status in ("queued", "running") and not job.total_rows:
            progress = 0.0
        return ImportRead.model_validate(
            {
                **{k: getattr(job, k) for k in ImportRead.model_fields if k != "progress"},
                "progress": round(progress, 4),
            }
        )

    # --- the worker ------------------------------------------------------------------------

    async def run_forever(self, database: Database, *, idle_seconds: float = 0.5) -> None:
        """Take queued (or abandoned) jobs one at a time, forever."""
        while True:
            try:
                job_id = await self._claim(database)
                if job_id is None:
                    await asyncio.sleep(idle_seconds)
                    continue
                await self._run(database, job_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("import worker: unexpected failure; continuing")
                await asyncio.sleep(idle_seconds)

    async def _claim(self, database: Database) -> uuid.UUID | None:
        now = utcnow()
        async with database.transaction() as session:
            job = await import_repository.next_to_run(session, now=now)
            if job is None:
                return None
            job.status = "running"
            job.started_at = job.started_at or now
            job.lease_until = now + LEASE
            return job.id

    async def _run(self, database: Database, job_id: uuid.UUID) -> None:
        async with database.transaction(write=False) as session:
            job = await import_repository.get(session, job_id, with_content=True)
            assert job is not None
            content, file_format, source = job.content, job.file_format, job.source
            dry_run, next_line = job.dry_run, job.next_line
            identity = Identity(subject=job.created_by, role=Role.ANIMATOR)
        try:
            sheet: Sheet = await asyncio.to_thread(read_sheet, content, file_format)
        except UnreadableFile as exc:
            await self._finish(database, job_id, failure=str(exc))
            return
        pending = [(line, row) for line, row in sheet.rows if line >= next_line]
        seen_in_file: dict[str, int] = {}
        for start in range(0, len(pending), BATCH_SIZE):
            batch = pending[start : start + BATCH_SIZE]
            # The address base is asked before the batch's transaction opens (check
            # outside, write inside); a failure leaves the rows at their commune's centre.
            await self._geocode(batch)
            async with database.transaction() as session:
                outcome = BatchOutcome()
                await self._process_batch(
                    session,
                    batch,
                    source=source,
                    dry_run=dry_run,
                    identity=identity,
                    outcome=outcome,
                    seen_in_file=seen_in_file,
                )
                await self._record_progress(session, job_id, batch[-1][0] + 1, len(batch), outcome)
            await asyncio.sleep(0)  # let reads through between batches
        await self._finish(database, job_id)

    async def _geocode(self, batch: list[tuple[int, dict[str, str]]]) -> None:
        """Rows with a street and no coordinates get the BAN's point (one call of its batch
        endpoint per batch), when the operator turned geocoding on. Changes the rows."""
        if self.geocoder is None:
            return
        asked = [
            (row, query)
            for _, row in batch
            if (query := AddressQuery.of({k: v for k, v in row.items() if v})) is not None
        ]
        if not asked:
            return
        points = await self.geocoder.geocode_many([query for _, query in asked])
        for (row, _), point in zip(asked, points, strict=True):
            if point is not None:
                row.update(lat=str(point.lat), lon=str(point.lon), geo_precision=point.precision)

    async def _process_batch(
        self,
        session: AsyncSession,
        batch: list[tuple[int, dict[str, str]]],
        *,
        source: str,
        dry_run: bool,
        identity: Identity,
        outcome: BatchOutcome,
        seen_in_file: dict[str, int],
    ) -> None:
        """Validate every row, match them in bulk, create new actors in bulk, update the rest.

        A row repeating an earlier row's key (external id or SIRET) goes after the bulk
        insert, so it updates the actor its first occurrence created instead of duplicating it.
        """
        valid: list[tuple[int, ActorCreate, str | None]] = []
        repeats: set[int] = set()
        # Validation is pure CPU: done in a thread so the service keeps answering meanwhile.
        parsed_rows = await asyncio.to_thread(
            lambda: [
                (line, self._validate(line, row, source=source, outcome=outcome))
                for line, row in batch
            ]
        )
        for line, parsed in parsed_rows:
            if parsed is None:
                continue
            data, external_id = parsed
            by_name = _name_commune_key(data)
            name_key = f"name and commune {by_name[0]!r} {by_name[1]}" if by_name else None
            keys = [
                k
                for k in (external_id, f"siret:{data.siret}" if data.siret else None, name_key)
                if k
            ]
            for key in keys:
                if key in seen_in_file:
                    repeats.add(line)
                    outcome.duplicates.append(
                        {"line": line, "same_as_line": seen_in_file[key], "reason": f"same {key}"}
                    )
                seen_in_file.setdefault(key, line)
            valid.append((line, data, external_id))
        matches = await self._match_many(session, source=source, rows=valid)
        outcome.matches.extend(
            {"line": line, "actor_id": str(actor_id), "rule": rule}
            for line, (actor_id, rule) in sorted(matches.items())
        )
        fresh = [row for row in valid if row[0] not in matches and row[0] not in repeats]
        later = [row for row in valid if row[0] in matches or row[0] in repeats]
        if dry_run:
            outcome.updated += len(matches)
            outcome.created += len(valid) - len(matches)
            for line, data, _ in fresh:
                await self._report_likely_duplicates(session, line, data, outcome)
            return
        if fresh:
            try:
                async with session.begin_nested():
                    await actor_service.create_many(
                        session, items=[data for _, data, _ in fresh], identity=identity
                    )
                outcome.created += len(fresh)
            except (DomainError, IntegrityError):
                later = sorted(fresh + later, key=lambda item: item[0])  # row by row instead
        for line, data, external_id in later:
            existing = await self._match(session, source=source, external_id=external_id, data=data)
            await self._write_row(
                session, line=line, data=data, existing=existing, identity=identity, outcome=outcome
            )

    def _validate(
        self, line: int, row: dict[str, str], *, source: str, outcome: BatchOutcome
    ) -> tuple[ActorCreate, str | None] | None:
        try:
            return validate_row(row, source=source)
        except RowInvalid as exc:
            outcome.failed += 1
            outcome.errors.extend({"line": line, **error} for error in exc.errors)
        return None

    async def _write_row(
        self,
        session: AsyncSession,
        *,
        line: int,
        data: ActorCreate,
        existing: Actor | None,
        identity: Identity,
        outcome: BatchOutcome,
    ) -> None:
        try:
            async with session.begin_nested():
                if existing is None:
                    await actor_service.create(session, data=data, identity=identity)
                    outcome.created += 1
                    return
                changes = ActorUpdate.model_validate(
                    data.model_dump(include=data.model_fields_set | {"name"})
                )
                before = existing.version
                await actor_service.update(
                    session, actor=existing, changes=changes, identity=identity, if_match=None
                )
                outcome.updated += int(existing.version != before)
        except DomainError as exc:
            outcome.failed += 1
            outcome.errors.append({"line": line, "field": "row", "message": exc.detail})

    async def _match_many(
        self,
        session: AsyncSession,
        *,
        source: str,
        rows: list[tuple[int, ActorCreate, str | None]],
    ) -> dict[int, tuple[uuid.UUID, str]]:
        """Lines of ``rows`` that match an existing actor → (that actor, the rule): by external
        id, then SIRET, then (rows with neither) the same folded name in the same commune."""
        external_ids = {e for _, _, e in rows if e}
        sirets = {d.siret for _, d, _ in rows if d.siret}
        by_name = {key for _, d, _ in rows if (key := _name_commune_key(d))}
        known_ids = await import_repository.actor_ids_by_external_id(
            session, source=source, external_ids=external_ids
        )
        known_sirets = await import_repository.actor_ids_by_siret(session, sirets)
        known_names = await import_repository.actor_ids_by_name_and_commune(session, by_name)
        matched: dict[int, tuple[uuid.UUID, str]] = {}
        for line, data, external_id in rows:
            if external_id and external_id in known_ids:
                matched[line] = (known_ids[external_id], RULE_EXTERNAL_ID)
            elif data.siret and data.siret in known_sirets:
                matched[line] = (known_sirets[data.siret], RULE_SIRET)
            elif not data.siret and (key := _name_commune_key(data)) in known_names:
                matched[line] = (known_names[key], RULE_NAME_COMMUNE)
        return matched

    async def _match(
        self, session: AsyncSession, *, source: str, external_id: str | None, data: ActorCreate
    ) -> Actor | None:
        if external_id:
            by_id = await import_repository.actor_ids_by_external_id(
                session, source=source, external_ids={external_id}
            )
            if external_id in by_id:
                return await import_repository.actor(session, by_id[external_id])
        if data.siret:
            return await import_repository.actor_by_siret(session, data.siret)
        key = _name_commune_key(data)
        if key is not None:
            found = await import_repository.actor_ids_by_name_and_commune(session, {key})
            if key in found:
                return await import_repository.actor(session, found[key])
        return None

    async def _report_likely_duplicates(
        self, session: AsyncSession, line: int, data: ActorCreate, outcome: BatchOutcome
    ) -> None:
        address = data.address
        probe = Actor(
            id=uuid.uuid4(),
            name=data.name,
            siret=None,
            website=str(data.website) if data.website else None,
            commune_insee=address.commune_insee if address else None,
            city=address.city if address else None,
        )
        for duplicate in (await find_duplicates(session, probe))[:3]:
            outcome.duplicates.append(
                {
                    "line": line,
                    "actor_id": str(duplicate.actor.id),
                    "actor_name": duplicate.actor.name,
                    "score": duplicate.score,
                    "reason": "; ".join(duplicate.reasons),
                }
            )

    async def _record_progress(
        self,
        session: AsyncSession,
        job_id: uuid.UUID,
        next_line: int,
        rows: int,
        outcome: BatchOutcome,
    ) -> None:
        job = await import_repository.get(session, job_id)
        assert job is not None
        job.next_line = next_line
        job.processed_rows += rows
        job.created_count += outcome.created
        job.updated_count += outcome.updated
        job.failed_count += outcome.failed
        room = MAX_REPORTED - len(job.errors)
        if room > 0 and outcome.errors:
            job.errors = [*job.errors, *outcome.errors[:room]]
        room = MAX_REPORTED - len(job.duplicates)
        if room > 0 and outcome.duplicates:
            job.duplicates = [*job.duplicates, *outcome.duplicates[:room]]
        room = MAX_REPORTED - len(job.matches)
        if room > 0 and outcome.matches:
            job.matches = [*job.matches, *outcome.matches[:room]]
        job.lease_until = utcnow() + LEASE

    async def _finish(
        self, database: Database, job_id: uuid.UUID, *, failure: str | None = None
    ) -> None:
        async with database.transaction() as session:
            job = await import_repository.get(session, job_id)
            assert job is not None
            job.status = "failed" if failure else "done"
            job.failure = failure
            job.finished_at = utcnow()
            job.lease_until = None


import_service = ImportService()
