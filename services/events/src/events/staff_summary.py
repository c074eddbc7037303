"""What the events service tells staff in their daily summary (see ``kit.mail.summary``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events.agenda.repository import event_repository
from events.registrations.repository import registration_repository
from kit.mail.summary import SummarySection


async def events_waiting_for_staff(session: AsyncSession) -> list[SummarySection]:
    """Events to moderate and registrations to approve."""
    count, titles = await event_repository.awaiting_moderation(session, limit=10)
    return [
        SummarySection(
            key="pending_events", count=count, examples=titles, link="/v1/events?state=pending"
        ),
        SummarySection(
            key="pending_registrations",
            count=await registration_repository.pending_approval_count(session),
        ),
    ]
