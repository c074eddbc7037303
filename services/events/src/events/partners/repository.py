"""Every query on partners' ids and sync states."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events.partners.models import EventExternalId, OpenAgendaSync


class ExternalIdRepository:
    async def event_id(self, session: AsyncSession, source: str, ext_id: str) -> uuid.UUID | None:
        """The event ``source`` knows as ``ext_id``, if any (reads committed links)."""
        return (
            await session.scalars(
                sa.select(EventExternalId.event_id).where(
                    EventExternalId.source == source, EventExternalId.ext_id == ext_id
                )
            )
        ).one_or_none()

    async def link(
        self, session: AsyncSession, source: str, ext_id: str, event_id: uuid.UUID
    ) -> None:
        """Record the link; raises ``IntegrityError`` if another transaction made it first
        (on PostgreSQL, after waiting for that transaction to end)."""
        session.add(EventExternalId(source=source, ext_id=ext_id, event_id=event_id))
        await session.flush()


class OpenAgendaSyncRepository:
    async def get(self, session: AsyncSession, agenda_uid: str) -> OpenAgendaSync | None:
        return await session.get(OpenAgendaSync, agenda_uid)

    async def agenda_uids(self, session: AsyncSession) -> list[str]:
        return list(
            await session.scalars(sa.select(OpenAgendaSync.agenda_uid).order_by("agenda_uid"))
        )

    async def lock(self, session: AsyncSession, agenda_uid: str) -> OpenAgendaSync | None:
        """The agenda's sync state, locked so two runs of one agenda take turns."""
        query = (
            sa.select(OpenAgendaSync)
            .where(OpenAgendaSync.agenda_uid == agenda_uid)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).one_or_none()


external_id_repository = ExternalIdRepository()
openagenda_sync_repository = OpenAgendaSyncRepository()
