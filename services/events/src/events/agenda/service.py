"""The rules of the calendar. Services flush, never commit."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import AttendanceMode, EventState
from events.agenda.errors import EventCreationForbidden, EventNotFound
from events.agenda.models import Event, EventOrganizer
from events.agenda.repository import event_repository
from events.agenda.schemas import EventCreate, EventRead, OrganizerRead, Timing
from events.db import outbox
from events.organizers.repository import known_actor_repository
from events.registrations.service import registration_service
from kit.identity import Identity
from kit.problems import InvalidInput

EVENT_PUBLISHED = "events.event.published"


class EventService:
    async def create(
        self, session: AsyncSession, *, data: EventCreate, identity: Identity
    ) -> EventRead:
        if not identity.is_staff and not set(data.organizer_ids) <= set(identity.actor_ids):
            raise EventCreationForbidden(
                "Members may create events only for the actors they belong to."
            )
        state = data.state or (EventState.PUBLISHED if identity.is_staff else EventState.PENDING)
        if state is EventState.PUBLISHED and not identity.is_staff:
            raise EventCreationForbidden("Only network staff publish events directly.")
        timings = _ordered_timings(data.timings)
        _check_attendance(data)
        await self._check_organizers(session, data.organizer_ids)
        values = data.model_dump(mode="json", exclude={"organizer_ids", "state", "timings"})
        location = values["location"] or {}
        event = Event(
            id=uuid.uuid4(),
            version=1,
            **values,
            timings=[t.model_dump(mode="json") for t in timings],
            starts_at=timings[0].start,
            ends_at=max(t.end for t in timings),
            department=location.get("department"),
            region=location.get("region"),
            state=state.value,
            created_by=identity.subject,
        )
        session.add(event)
        session.add_all(
            EventOrganizer(event_id=event.id, actor_id=actor_id, position=index)
            for index, actor_id in enumerate(data.organizer_ids)
        )
        await session.flush()
        read = (await self.read_many(session, [event]))[0]
        if state is EventState.PUBLISHED:
            await outbox.emit(
                session,
                type=EVENT_PUBLISHED,
                subject=str(event.id),
                data=read.model_dump(mode="json"),
            )
        return read

    async def get(self, session: AsyncSession, *, event_id: uuid.UUID, identity: Identity) -> Event:
        event = await event_repository.get(session, event_id)
        if event is None or not self._may_see(event, identity):
            raise EventNotFound(f"No event with id {event_id}.")
        return event

    async def list_page(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Event]:
        states = None if identity.is_staff else [EventState.PUBLISHED.value]
        return await event_repository.list_after(session, after=after, limit=limit, states=states)

    async def read_many(self, session: AsyncSession, events: Sequence[Event]) -> list[EventRead]:
        """Events with their organizers' current names and registration counts (3 queries)."""
        organizer_ids = await event_repository.organizer_ids(session, [e.id for e in events])
        counts = await registration_service.counts(session, events)
        known = await known_actor_repository.get_many(
            session, (a for ids in organizer_ids.values() for a in ids)
        )
        reads = []
        for event in events:
            ids = organizer_ids[event.id]
            organizers = [
                OrganizerRead(
                    id=actor_id,
                    name=known[actor_id].name if actor_id in known else None,
                    department=known[actor_id].department if actor_id in known else None,
                )
                for actor_id in ids
            ]
            reads.append(
                EventRead.model_validate(
                    {
                        **_columns(event),
                        "organizer_ids": ids,
                        "organizers": organizers,
                        "registration_counts": counts.get(event.id),
                    }
                )
            )
        return reads

    def _may_see(self, event: Event, identity: Identity) -> bool:
        return event.state == EventState.PUBLISHED.value or identity.is_staff

    async def _check_organizers(self, session: AsyncSession, actor_ids: list[uuid.UUID]) -> None:
        known = await known_actor_repository.get_many(session, actor_ids)
        for index, actor_id in enumerate(actor_ids):
            actor = known.get(actor_id)
            if actor is None:
                raise InvalidInput(
                    f"organizer_ids[{index}]",
                    f"unknown actor {actor_id} (an actor created a moment ago may take "
                    "a few milliseconds to reach the calendar; retry shortly)",
                )
            if actor.deleted_at is not None or actor.merged_into is not None:
                raise InvalidInput(
                    f"organizer_ids[{index}]", f"actor {actor_id} was deleted or merged"
                )


def _ordered_timings(timings: list[Timing]) -> list[Timing]:
    """Timings sorted by start; overlapping ones are refused, naming the later one."""
    indexed = sorted(enumerate(timings), key=lambda pair: pair[1].start)
    for (_, previous), (index, current) in itertools.pairwise(indexed):
        if current.start < previous.end:
            raise InvalidInput(f"timings[{index}]", "overlaps another timing of this event")
    return [timing for _, timing in indexed]


def _check_attendance(data: EventCreate) -> None:
    mode = data.attendance_mode
    if mode in (AttendanceMode.OFFLINE, AttendanceMode.MIXED) and data.location is None:
        raise InvalidInput("location", f"required when attendance_mode is {mode.value}")
    if mode in (AttendanceMode.ONLINE, AttendanceMode.MIXED) and data.online_url is None:
        raise InvalidInput("online_url", f"required when attendance_mode is {mode.value}")


def _columns(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "kind": event.kind,
        "themes": event.themes,
        "audiences": event.audiences,
        "age": event.age,
        "accessibility": event.accessibility,
        "attendance_mode": event.attendance_mode,
        "location": event.location,
        "online_url": event.online_url,
        "timings": event.timings,
        "status": event.status,
        "state": event.state,
        "registration": event.registration,
        "ext_ids": event.ext_ids,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
        "version": event.version,
    }


event_service = EventService()
