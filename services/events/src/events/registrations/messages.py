"""The messages a registrant receives, written in the mail outbox with the change they tell.

Each function is called by the registration or agenda service inside the transaction of the
change (so a message goes if and only if the change commits) and keys its message by the
registration and its version (or the event and its version), so a retried request or a
replayed change mails nobody twice. Every message links to the registrant's page,
``/p/registrations/{token}`` (see :mod:`events.registrations.tokens`), made absolute from
``MAILLAGE_PUBLIC_URL``; the page finds the registration with
``registration_service.find_by_token``. Templates: ``events/mail_templates/<lang>/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import AttendanceMode, EventStatus
from events.agenda import ical
from events.agenda.models import Event
from events.agenda.repository import event_repository
from events.db import mail
from events.organizers.repository import known_actor_repository
from events.registrations.models import Registration
from events.registrations.tokens import personal_path
from kit.mail import Attachment, MailCategory
from kit.models import utcnow

#: What a registrant unsubscribes from when they stop the day-before reminders.
REMINDER_KIND = "event_reminders"


class EventChange(StrEnum):
    """Changes of an event its registrants are told about."""

    CANCELLED = "event_cancelled"
    RESCHEDULED = "event_rescheduled"
    MOVED_ONLINE = "event_moved_online"


def event_change(
    *,
    status_before: str,
    status_after: str,
    timings_before: Sequence[Any],
    timings_after: Sequence[Any],
    mode_before: str,
    mode_after: str,
) -> EventChange | None:
    """Which change registrants hear of (one message, the most important), or None."""
    cancelled = EventStatus.CANCELLED.value
    if status_after == cancelled and status_before != cancelled:
        return EventChange.CANCELLED
    if status_after == cancelled:
        return None  # already told; nothing else matters to them now
    moved = status_after == EventStatus.MOVED_ONLINE.value != status_before or (
        mode_before == AttendanceMode.OFFLINE.value and mode_after != mode_before
    )
    if moved:
        return EventChange.MOVED_ONLINE
    if _moments(timings_after) != _moments(timings_before):
        return EventChange.RESCHEDULED
    return None


def _moments(timings: Sequence[Any]) -> list[tuple[datetime, datetime]]:
    """Timings as instants, so a change of spelling (offset, precision) is no change."""
    return [(datetime.fromisoformat(t["start"]), datetime.fromisoformat(t["end"])) for t in timings]


def event_data(event: Event) -> dict[str, Any]:
    """What a template tells of the event."""
    return {
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "timings": [{"start": t["start"], "end": t["end"]} for t in event.timings],
        "place": ical.place_of(event) or None,
        "online_url": event.online_url,
    }


async def _calendar(session: AsyncSession, event: Event) -> Attachment:
    """The event as an ``.ics`` file, to add to the person's calendar."""
    organizer_ids = (await event_repository.organizer_ids(session, [event.id]))[event.id]
    known = await known_actor_repository.get_many(session, organizer_ids)
    names = [known[a].name for a in organizer_ids if a in known]
    return Attachment(
        filename="evenement.ics",
        content_type="text/calendar; charset=utf-8",
        content=ical.calendar(event.title, [(event, names)]),
    )


class RegistrationMessages:
    async def registered(
        self,
        session: AsyncSession,
        *,
        event: Event,
        registration: Registration,
        waitlist_position: int | None,
    ) -> None:
        """Confirmed (with the event as ``.ics``), waitlisted (with the position) or pending
        approval: what the registration answer said, by mail."""
        template = {
            "confirmed": "registration_confirmed",
            "waitlisted": "registration_waitlisted",
            "pending_approval": "registration_pending",
            "pending_email": "registration_confirm_email",
        }[registration.status]
        attachments = (
            [await _calendar(session, event)] if registration.status == "confirmed" else None
        )
        extra: dict[str, Any] = {"position": waitlist_position}
        if registration.hold_expires_at is not None:
            extra["hold_until"] = _paris_time(registration.hold_expires_at)
        await self._send(
            session, event, registration, template, extra=extra, attachments=attachments
        )

    async def already_registered(
        self, session: AsyncSession, *, event: Event, registration: Registration
    ) -> None:
        """Someone registered this address again: only its owner hears of it, by mail (the
        answer to the request was the one any new registration gets). Once per minute."""
        minute = utcnow().strftime("%Y%m%d%H%M")
        await self._send(
            session,
            event,
            registration,
            "registration_already",
            key=f"registration:{registration.id}:already:{minute}",
        )

    async def promoted(
        self,
        session: AsyncSession,
        *,
        event: Event,
        registration: Registration,
    ) -> None:
        """A seat freed up: the waitlisted person now has it."""
        await self._send(
            session,
            event,
            registration,
            "registration_promoted",
            attachments=[await _calendar(session, event)],
        )

    async def approved(
        self,
        session: AsyncSession,
        *,
        event: Event,
        registration: Registration,
        waitlist_position: int | None,
    ) -> None:
        """The organizers accepted: a seat, or a place on the waitlist."""
        seated = registration.status == "confirmed"
        await self._send(
            session,
            event,
            registration,
            "registration_approved",
            extra={"position": waitlist_position},
            attachments=[await _calendar(session, event)] if seated else None,
        )

    async def refused(
        self, session: AsyncSession, *, event: Event, registration: Registration
    ) -> None:
        await self._send(session, event, registration, "registration_refused")

    async def cancelled(
        self, session: AsyncSession, *, event: Event, registration: Registration
    ) -> None:
        """The confirmation of a cancellation."""
        await self._send(session, event, registration, "registration_cancelled")

    async def event_changed(
        self,
        session: AsyncSession,
        *,
        event: Event,
        change: EventChange,
        registrations: Sequence[Registration],
    ) -> None:
        """Tell each active registrant, once per change of the event (keyed by its version)."""
        attachment = (
            [await _calendar(session, event)] if change is not EventChange.CANCELLED else None
        )
        for registration in registrations:
            await self._send(
                session,
                event,
                registration,
                change.value,
                key=f"event:{event.id}:v{event.version}:{change.value}:{registration.id}",
                attachments=attachment,
            )

    async def reminder(
        self, session: AsyncSession, *, event: Event, registration: Registration
    ) -> bool:
        """The day-before reminder, once per registration and start time."""
        return await self._send(
            session,
            event,
            registration,
            "event_reminder",
            key=f"reminder:{registration.id}:{event.starts_at.isoformat()}",
            category=MailCategory.REMINDER,
        )

    async def _send(
        self,
        session: AsyncSession,
        event: Event,
        registration: Registration,
        template: str,
        *,
        key: str | None = None,
        extra: dict[str, Any] | None = None,
        attachments: list[Attachment] | None = None,
        category: MailCategory = MailCategory.TRANSACTIONAL,
    ) -> bool:
        data = {
            "name": registration.name,
            "event": event_data(event),
            "registration_link": personal_path(registration.id),
            **(extra or {}),
        }
        return await mail.send(
            session,
            to=registration.email,
            to_name=registration.name,
            template=template,
            data=data,
            language=registration.language,
            key=key or f"registration:{registration.id}:v{registration.version}:{template}",
            category=category,
            kind=REMINDER_KIND if category is not MailCategory.TRANSACTIONAL else None,
            attachments=attachments,
        )


registration_messages = RegistrationMessages()


def _paris_time(moment: datetime) -> str:
    """``moment`` as people in the network read it (Europe/Paris, to the minute)."""
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
