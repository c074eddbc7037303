"""Partners write their own events by their own ids (``ext_ids``). Services flush, never commit.

A partner's event is found through ``event_external_ids``, whose primary key (source, ext_id)
serialises concurrent pushes of one id: the first creates the event, the others find it and
update it. The creation and its link are written in a savepoint so the loser of that race
undoes its event and its outbox row, then updates the winner's event instead.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import EventRead
from contracts.vocabularies import EventState, EventStatus
from events.agenda.repository import event_repository
from events.agenda.schemas import EventCreate, EventUpdate
from events.agenda.service import event_service
from events.organizers.repository import known_actor_repository
from events.partners.errors import (
    PartnerEventDeleted,
    PartnerEventNotFound,
    PartnerWriteForbidden,
)
from events.partners.repository import external_id_repository
from kit.identity import Identity, Role
from kit.problems import InvalidInput

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartnerWrite:
    event: EventRead
    created: bool
    #: False when the write found the event as it asked (a repeat): nothing was written.
    changed: bool


class PartnerEventService:
    def authorize(self, identity: Identity, source: str) -> None:
        """Staff write any source's events; a partner only its own."""
        if identity.is_staff or (identity.role is Role.PARTNER and identity.partner == source):
            return
        raise PartnerWriteForbidden(
            f"Only network staff and the partner {source!r} write the events of {source!r}."
        )

    def import_state(self, identity: Identity, data: EventCreate, *, trusted: bool) -> EventState:
        """The state a partner's new event gets: published when its source is trusted (or
        when staff say so), otherwise pending until an animator moderates it."""
        if identity.is_staff:
            return data.state or EventState.PUBLISHED
        return EventState.PUBLISHED if trusted else EventState.PENDING

    async def upsert(
        self,
        session: AsyncSession,
        *,
        source: str,
        ext_id: str,
        data: EventCreate,
        identity: Identity,
        trusted: bool,
    ) -> PartnerWrite:
        """Create the event ``source`` knows as ``ext_id``, or replace its fields.

        A repeat of the same body changes nothing (no new version, no outbox event).
        """
        self.authorize(identity, source)
        if not identity.is_staff and "state" in data.model_fields_set:
            raise InvalidInput("state", "is set by the network's moderation: partners leave it out")
        if not identity.is_staff:
            for key in data.ext_ids:
                if key != source and not key.startswith(f"{source}."):
                    raise InvalidInput(
                        f"ext_ids.{key}",
                        f"a partner names only its own ids: {source!r}, or keys such as "
                        f"'{source}.<name>' for the ids it knows elsewhere",
                    )
        claimed = data.ext_ids.get(source)
        if claimed is not None and claimed != ext_id:
            raise InvalidInput(
                f"ext_ids.{source}", f"must be {ext_id!r}, the id in the address of this request"
            )
        # A partner does not hear of the directory's merges: its organizers are taken to
        # where they live on, so its pushes keep working after a merge.
        organizer_ids = [
            await known_actor_repository.final_survivor(session, a) for a in data.organizer_ids
        ]
        data = data.model_copy(
            update={
                "ext_ids": {**data.ext_ids, source: ext_id},
                "organizer_ids": list(dict.fromkeys(organizer_ids)),
            }
        )
        event_id = await external_id_repository.event_id(session, source, ext_id)
        if event_id is None:
            state = self.import_state(identity, data, trusted=trusted)
            try:
                async with session.begin_nested():
                    event = await event_service.create(
                        session, data=data, identity=identity, import_state=state
                    )
                    await external_id_repository.link(session, source, ext_id, event.id)
                return PartnerWrite(event=event, created=True, changed=True)
            except IntegrityError:
                # A concurrent push of the same id created it first: update that event.
                event_id = await external_id_repository.event_id(session, source, ext_id)
                if event_id is None:
                    raise
                logger.info("%s/%s was created by a concurrent push; updating it", source, ext_id)
        return await self._replace(session, event_id=event_id, data=data, identity=identity)

    async def _replace(
        self, session: AsyncSession, *, event_id: uuid.UUID, data: EventCreate, identity: Identity
    ) -> PartnerWrite:
        current = await event_repository.get(session, event_id)
        if current is None:
            raise PartnerEventDeleted(_deleted(event_id))
        version = current.version
        # Every field is replaced (a PUT), but the moderation state stays unless staff set it,
        # and the ids other sources gave the event are kept.
        keep_state = "state" not in data.model_fields_set
        values = data.model_dump(mode="json", exclude={"state"} if keep_state else set())
        values["ext_ids"] = {**current.ext_ids, **data.ext_ids}
        # Stored timings are sorted: the same timings in another order are no change.
        values["timings"] = [
            t.model_dump(mode="json") for t in sorted(data.timings, key=lambda t: t.start)
        ]
        event = await event_service.update(
            session,
            event_id=event_id,
            data=EventUpdate.model_validate(values),
            identity=identity,
            if_match=None,
            imported=True,
        )
        return PartnerWrite(event=event, created=False, changed=event.version != version)

    async def cancel(
        self, session: AsyncSession, *, source: str, ext_id: str, identity: Identity
    ) -> PartnerWrite:
        """Mark the event cancelled (announced as ``events.event.cancelled`` when it was
        published); a repeat changes nothing."""
        self.authorize(identity, source)
        event_id = await external_id_repository.event_id(session, source, ext_id)
        if event_id is None:
            raise PartnerEventNotFound(f"No event of {source!r} has the id {ext_id!r}.")
        current = await event_repository.get(session, event_id)
        if current is None:
            raise PartnerEventDeleted(_deleted(event_id))
        version = current.version
        event = await event_service.update(
            session,
            event_id=event_id,
            data=EventUpdate(status=EventStatus.CANCELLED),
            identity=identity,
            if_match=None,
            imported=True,
        )
        return PartnerWrite(event=event, created=False, changed=event.version != version)


def _deleted(event_id: uuid.UUID) -> str:
    return (
        f"The network deleted the event {event_id} this id was linked to; it takes no more changes."
    )


partner_event_service = PartnerEventService()
