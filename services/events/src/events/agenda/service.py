"""The rules of the calendar. Services flush, never commit."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import (
    EVENT_CANCELLED,
    EVENT_DELETED,
    EVENT_PUBLISHED,
    EVENT_UPDATED,
    EventDeleted,
    EventRead,
    OrganizerRead,
    RegistrationSettings,
    Timing,
)
from contracts.vocabularies import AttendanceMode, EventState, EventStatus
from events.agenda import ical, policies
from events.agenda.errors import EventNotFound, EventUpdateForbidden
from events.agenda.models import Event, EventOrganizer
from events.agenda.repository import event_repository
from events.agenda.schemas import EventCreate, EventUpdate
from events.db import outbox
from events.history.service import event_history_service
from events.organizers.repository import known_actor_repository
from events.registrations import policies as registration_policies
from events.registrations.service import registration_service
from events.trainings import rules as training_rules
from kit.etags import check_if_match
from kit.identity import Identity
from kit.problems import InvalidInput


class EventService:
    async def create(
        self,
        session: AsyncSession,
        *,
        data: EventCreate,
        identity: Identity,
        import_state: EventState | None = None,
    ) -> EventRead:
        """Add an event; ``import_state`` marks an import (partner push, OpenAgenda) the
        caller was already authorized for by its source: it gets that state, and the
        members' rules (their own actors, no publishing) do not apply."""
        imported = import_state is not None
        if not imported:
            policies.check_event_write(identity, before=None, after=data)
        state = import_state or data.state
        state = state or (EventState.PUBLISHED if identity.is_staff else EventState.PENDING)
        timings = _ordered_timings(data.timings)
        _check_attendance(data)
        _check_registration(data.registration)
        await self._check_organizers(session, data.organizer_ids)
        data = _with_checked_training(data)
        await training_rules.check_trainers(session, data.training)
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
        await event_repository.replace_timings(
            session, event.id, [(t.start, t.end) for t in timings]
        )
        read = await self.to_read(session, event)
        await event_history_service.record(
            session,
            event=event,
            before=None,
            after=_as_input(event, data.organizer_ids).model_dump(mode="json"),
            identity=identity,
        )
        if state is EventState.PUBLISHED:
            await outbox.emit(
                session,
                type=EVENT_PUBLISHED,
                subject=str(event.id),
                data=read.model_dump(mode="json"),
            )
        return read

    async def update(
        self,
        session: AsyncSession,
        *,
        event_id: uuid.UUID,
        data: EventUpdate,
        identity: Identity,
        if_match: str | None,
        imported: bool = False,
    ) -> EventRead:
        """Apply a partial change under the event's row lock, bumping its version.

        The lock also orders the change with registrations, so lowering the capacity is
        checked against the confirmed count of that very moment. ``imported``: a partner's
        change to its own event, authorized by its source, so the members' rules do not apply.
        """
        event = await event_repository.lock(session, event_id)
        if event is None:
            raise EventNotFound(f"No event with id {event_id}.")
        current_organizers = (await event_repository.organizer_ids(session, [event.id]))[event.id]
        if not (imported or policies.may_manage(identity, current_organizers)):
            if not self._may_see(event, identity):
                raise EventNotFound(f"No event with id {event_id}.")
            raise EventUpdateForbidden("Only the event's organizers and network staff change it.")
        check_if_match(if_match, event.version)
        before = _as_input(event, current_organizers)
        told_before = {
            "status": event.status,
            "timings": list(event.timings),
            "attendance_mode": event.attendance_mode,
        }
        try:
            after = EventCreate.model_validate(
                _merge(
                    before.model_dump(mode="json"), data.model_dump(mode="json", exclude_unset=True)
                )
            )
        except ValidationError as exc:
            raise InvalidInput.from_validation(exc) from exc
        if after == before:
            return await self.to_read(session, event)
        if not imported:
            policies.check_event_write(identity, before=before, after=after)
        timings = _ordered_timings(after.timings)
        _check_attendance(after)
        if after.organizer_ids != before.organizer_ids:
            await self._check_organizers(session, after.organizer_ids)
        after = _with_checked_training(after)
        await training_rules.check_trainers(
            session, after.training, already=training_rules.trainer_actor_ids(before.training)
        )
        if after.registration != before.registration:
            # The settings as merged: a new closing time is checked against the stored opening.
            _check_registration(after.registration)
            await self._check_capacity(session, event, after)
        values = after.model_dump(mode="json", exclude={"organizer_ids", "state", "timings"})
        for name, value in values.items():
            setattr(event, name, value)
        location = values["location"] or {}
        event.timings = [t.model_dump(mode="json") for t in timings]
        event.starts_at = timings[0].start
        event.ends_at = max(t.end for t in timings)
        event.department = location.get("department")
        event.region = location.get("region")
        assert after.state is not None  # _as_input always sets it
        event.state = after.state.value
        event.touch()
        if after.organizer_ids != before.organizer_ids:
            await event_repository.replace_organizers(session, event.id, after.organizer_ids)
        if after.timings != before.timings:
            await event_repository.replace_timings(
                session, event.id, [(t.start, t.end) for t in timings]
            )
        await session.flush()
        if after.registration != before.registration:
            await registration_service.fill_seats(session, event)
        read = await self.to_read(session, event)
        await event_history_service.record(
            session,
            event=event,
            before=before.model_dump(mode="json"),
            after=after.model_copy(update={"timings": timings}).model_dump(mode="json"),
            identity=identity,
        )
        await _announce(session, _announcement(before, after), event, read)
        await registration_service.tell_registrants(session, event, before=told_before)
        return read

    async def _check_capacity(
        self, session: AsyncSession, event: Event, after: EventCreate
    ) -> None:
        if registration_policies.counts_seats(after.registration):
            confirmed = await registration_service.confirmed_count(session, event)
            registration_policies.check_capacity(after.registration, confirmed)

    async def delete(
        self,
        session: AsyncSession,
        *,
        event_id: uuid.UUID,
        identity: Identity,
        if_match: str | None,
    ) -> None:
        """Delete an event (a tombstone row stays, for incremental sync) and announce it;
        its registrations holding or awaiting a seat are cancelled."""
        event = await event_repository.lock(session, event_id)
        if event is None:
            raise EventNotFound(f"No event with id {event_id}.")
        organizers = (await event_repository.organizer_ids(session, [event.id]))[event.id]
        if not policies.may_manage(identity, organizers):
            if not self._may_see(event, identity):
                raise EventNotFound(f"No event with id {event_id}.")
            raise EventUpdateForbidden("Only the event's organizers and network staff delete it.")
        check_if_match(if_match, event.version)
        # Its registrants are told, in this transaction, instead of holding seats of nothing.
        await registration_service.cancel_all(session, event)
        event.touch()
        event.deleted_at = event.updated_at
        await session.flush()
        await event_history_service.record(
            session,
            event=event,
            before={},
            after={"deleted_at": event.deleted_at.isoformat()},
            identity=identity,
            action="deleted",
        )
        if event.state == EventState.PUBLISHED.value:
            # An unpublished event was never announced, or its unpublishing already sent
            # the tombstone: partners hear of nothing they never had.
            await _emit_tombstone(session, event, removed_at=event.deleted_at)

    async def get(self, session: AsyncSession, *, event_id: uuid.UUID, identity: Identity) -> Event:
        event = await event_repository.get(session, event_id)
        if event is None:
            raise EventNotFound(f"No event with id {event_id}.")
        if not self._may_see(event, identity):
            # Members see the unpublished events of the actors they belong to.
            organizers = (await event_repository.organizer_ids(session, [event.id]))[event.id]
            if not policies.may_manage(identity, organizers):
                raise EventNotFound(f"No event with id {event_id}.")
        return event

    async def to_reads(self, session: AsyncSession, events: Sequence[Event]) -> list[EventRead]:
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

    async def to_read(self, session: AsyncSession, event: Event) -> EventRead:
        return (await self.to_reads(session, [event]))[0]

    async def organizer_names(
        self, session: AsyncSession, events: Sequence[Event]
    ) -> dict[uuid.UUID, list[str]]:
        """Current names of each event's organizers, in order (2 queries)."""
        organizer_ids = await event_repository.organizer_ids(session, [e.id for e in events])
        known = await known_actor_repository.get_many(
            session, (a for ids in organizer_ids.values() for a in ids)
        )
        return {
            event_id: [known[a].name for a in ids if a in known]
            for event_id, ids in organizer_ids.items()
        }

    async def ics_event(
        self, session: AsyncSession, *, event_id: uuid.UUID, identity: Identity
    ) -> bytes:
        event = await self.get(session, event_id=event_id, identity=identity)
        names = await self.organizer_names(session, [event])
        return ical.calendar(event.title, [(event, names[event.id])])

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
    if data.status is EventStatus.MOVED_ONLINE and mode is AttendanceMode.OFFLINE:
        # Else the event says it moved online and still sends people to the venue only.
        raise InvalidInput(
            "status",
            "moved_online needs attendance_mode online or mixed, with the online_url to join",
        )


def _check_registration(settings: RegistrationSettings) -> None:
    if (
        settings.opens_at is not None
        and settings.closes_at is not None
        and settings.closes_at <= settings.opens_at
    ):
        raise InvalidInput("registration.closes_at", "must be after registration.opens_at")
    if settings.mode == "external" and settings.url is None:
        raise InvalidInput(
            "registration.url", "required when registration.mode is external (where to register)"
        )


#: Objects whose keys a change sets one by one (JSON merge patch); others are replaced whole
#: (a location is one address: mixing the old commune with a new city would be nonsense).
MERGED_OBJECTS = ("registration", "accessibility", "age", "training")


def _with_checked_training(data: EventCreate) -> EventCreate:
    training = training_rules.checked_training(
        kind=data.kind, timings=data.timings, training=data.training
    )
    return data.model_copy(update={"training": training})


def _merge(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = {**current, **change}
    for name in MERGED_OBJECTS:
        if isinstance(current.get(name), dict) and isinstance(change.get(name), dict):
            merged[name] = {**current[name], **change[name]}
    return merged


def _as_input(event: Event, organizer_ids: list[uuid.UUID]) -> EventCreate:
    """The event as the creation input that would make it, to merge a change into."""
    columns = _columns(event)
    return EventCreate.model_validate(
        {
            **{name: columns[name] for name in EventCreate.model_fields if name in columns},
            "organizer_ids": organizer_ids,
        }
    )


def _announcement(before: EventCreate, after: EventCreate) -> str | None:
    """Which event a change publishes: partners hear of published events only, and of
    an event leaving the calendar (back to draft, pending or refused) as of a deletion."""
    published = EventState.PUBLISHED
    if after.state is published and before.state is not published:
        return EVENT_PUBLISHED
    if before.state is not published and after.state is not published:
        return None
    if after.state is not published:
        return EVENT_DELETED
    if after.status is EventStatus.CANCELLED and before.status is not EventStatus.CANCELLED:
        return EVENT_CANCELLED
    return EVENT_UPDATED


async def _announce(
    session: AsyncSession, event_type: str | None, event: Event, read: EventRead
) -> None:
    if event_type == EVENT_DELETED:
        # Back to draft, pending or refused: partners drop their copy and never see the
        # content it now has, as the updated_since feed gives them a tombstone.
        await _emit_tombstone(session, event, removed_at=event.updated_at)
    elif event_type:
        await outbox.emit(
            session, type=event_type, subject=str(event.id), data=read.model_dump(mode="json")
        )


async def _emit_tombstone(session: AsyncSession, event: Event, *, removed_at: datetime) -> None:
    """``events.event.deleted``: the event left the public calendar (its content stays out)."""
    await outbox.emit(
        session,
        type=EVENT_DELETED,
        subject=str(event.id),
        data=EventDeleted(id=event.id, version=event.version, deleted_at=removed_at).model_dump(
            mode="json"
        ),
    )


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
        "training": event.training,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
        "version": event.version,
    }


event_service = EventService()
