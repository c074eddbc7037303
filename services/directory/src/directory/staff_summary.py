"""What the directory tells staff in their daily summary (see ``kit.mail.summary``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from directory.claims.service import claim_service
from kit.mail.summary import SummarySection


async def directory_waiting_for_staff(session: AsyncSession) -> list[SummarySection]:
    """Claims of shadow records to decide."""
    count, names = await claim_service.pending(session, limit=10)
    return [SummarySection(key="pending_claims", count=count, examples=names)]
