"""Every query on portal labels and on the state of a source's runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.db import leases
from eu_watch.sources.models import PortalLabel
from kit.db import dialect_of


@dataclass(frozen=True)
class RunState:
    """A source's lease row: when its last run started, what it reported, whether one runs."""

    last_run_at: datetime | None
    report: dict[str, Any]
    running: bool


class SourceRepository:
    async def run_state(self, session: AsyncSession, lease: str, *, now: datetime) -> RunState:
        row = (
            await session.execute(
                sa.select(leases.c.last_run_at, leases.c.last_result, leases.c.held_until).where(
                    leases.c.name == lease
                )
            )
        ).first()
        if row is None:
            return RunState(last_run_at=None, report={}, running=False)
        last_run_at, result, held_until = row
        return RunState(
            last_run_at=last_run_at,
            report=result or {},
            running=held_until is not None and held_until > now,
        )


class LabelRepository:
    async def all(self, session: AsyncSession) -> dict[str, dict[str, str]]:
        labels: dict[str, dict[str, str]] = {}
        rows = await session.execute(
            sa.select(PortalLabel.facet, PortalLabel.code, PortalLabel.label)
        )
        for facet, code, label in rows:
            labels.setdefault(facet, {})[code] = label
        return labels

    async def store(
        self, session: AsyncSession, labels: Mapping[str, Mapping[str, str]], *, now: datetime
    ) -> int:
        """Store new or changed labels; the ones the portal no longer gives are kept (a
        call synced long ago may still name that code)."""
        rows = [
            {"facet": facet[:80], "code": code[:200], "label": label[:500], "updated_at": now}
            for facet, table in labels.items()
            for code, label in table.items()
        ]
        if not rows:
            return 0
        insert = (postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert)(
            PortalLabel
        )
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["facet", "code"],
                set_={"label": insert.excluded.label, "updated_at": insert.excluded.updated_at},
            ),
            rows,
        )
        return len(rows)


source_repository = SourceRepository()
label_repository = LabelRepository()
