"""Attendance from the events service, the only way the surveys service learns of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import ATTENDANCE_RECORDED
from kit.cloudevents import CloudEvent
from kit.consumers import Subscription
from surveys.feedback.service import feedback_service


def attendance_subscription(prefix: str, *, invite_hour: int) -> Subscription:
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        await feedback_service.record_attendance(session, event, invite_hour=invite_hour)

    handler: Callable[[AsyncSession, CloudEvent], Awaitable[None]] = handle
    return Subscription(
        durable=f"{prefix}-attendance",
        stream="EVENTS",
        subjects=(ATTENDANCE_RECORDED,),
        handler=handler,
    )
