"""Who changed what and when, per event: written with each change, read by its organizers.

Create, update, moderation and cancellation all go through ``event_service``, which records
an entry in the same transaction as the change: the history never misses a committed change
and never shows one that was rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import EventState, EventStatus
from events.agenda import policies
from events.agenda.errors import EventNotFound
from events.agenda.models import Event, EventChange
from events.agenda.repository import event_repository
from events.history.errors import EventHistoryForbidden
from events.history.repository import event_change_repository
from events.history.schemas import EventChangeRead, FieldChange
from kit.identity import Identity

#: What a change of moderation state is called in the history.
_STATE_ACTIONS = {
    EventState.PUBLISHED.value: "published",
    EventState.REFUSED.value: "refused",
    EventState.PENDING.value: "submitted",
    EventState.DRAFT.value: "withdrawn",
}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"before": old, "after": new}}`` for every top-level field that differs."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def action_of(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What a change did, moderation first: a change of state names the entry."""
    if before.get("state") != after.get("state") and after.get("state") in _STATE_ACTIONS:
        return _STATE_ACTIONS[after["state"]]
    cancelled = EventStatus.CANCELLED.value
    if after.get("status") == cancelled and before.get("status") != cancelled:
        return "cancelled"
    return "updated"


class EventHistoryService:
    async def record(
        self,
        session: AsyncSession,
        *,
        event: Event,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        identity: Identity,
        action: str | None = None,
    ) -> None:
        """Add an entry for the change from ``before`` (None: a creation) to ``after``.

        Both are the event as JSON in its input shape; call after the event's version and
        update time were bumped.
        """
        if action is None:
            action = "created" if before is None else action_of(before, after)
        session.add(
            EventChange(
                event_id=event.id,
                version=event.version,
                action=action,
                changed_at=event.updated_at,
                changed_by=identity.subject,
                changed_by_role=identity.role.value,
                changes=diff(before or {}, after),
            )
        )

    async def list_changes(
        self,
        session: AsyncSession,
        *,
        event_id: uuid.UUID,
        identity: Identity,
        after: int | None,
        limit: int,
    ) -> Sequence[EventChange]:
        """An event's history, for staff and the members of its organizers only.

        Staff also read the history of a deleted event, which ends with its deletion.
        """
        event = await event_change_repository.event(session, event_id)
        if event is None or (event.deleted_at is not None and not identity.is_staff):
            raise EventNotFound(f"No event with id {event_id}.")
        if not identity.is_staff:
            organizers = (await event_repository.organizer_ids(session, [event.id]))[event.id]
            if not policies.may_manage(identity, organizers):
                if event.state != EventState.PUBLISHED.value:
                    raise EventNotFound(f"No event with id {event_id}.")
                raise EventHistoryForbidden(
                    "Only network staff and the members of the event's organizers read its history."
                )
        return await event_change_repository.list_for_event(
            session, event_id=event_id, after=after, limit=limit
        )

    def read(self, change: EventChange) -> EventChangeRead:
        return EventChangeRead(
            version=change.version,
            action=change.action,
            changed_at=change.changed_at,
            changed_by=change.changed_by,
            changed_by_role=change.changed_by_role,
            changes={name: FieldChange(**values) for name, values in change.changes.items()},
        )


event_history_service = EventHistoryService()
