"""Who may write an event, and what they may write: one rule for a creation and a change.

A creation is the change from nothing (``before is None``), so a member cannot do on create
what the same member is refused on update (naming another actor as co-organizer, publishing,
refusing, claiming other sources' ids). Imports authorized by their source (partner pushes,
OpenAgenda) are not members' writes and do not come here.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from contracts.vocabularies import EventState
from events.agenda.errors import EventCreationForbidden, EventUpdateForbidden
from events.agenda.filters import EventFilters
from events.agenda.schemas import EventCreate
from kit.identity import Identity
from kit.problems import InvalidInput


def visible_states(filters: EventFilters, *, staff: bool) -> list[str] | None:
    """The states a caller asked for, among those they may see (None: no restriction): staff
    see every state, everyone else (and every feed, whoever asks) published events only."""
    asked = [state.value for state in filters.states]
    if staff:
        return asked or None
    published = EventState.PUBLISHED.value
    return [published] if not asked or published in asked else []


def may_manage(identity: Identity, organizer_ids: Collection[uuid.UUID]) -> bool:
    """Staff manage every event; members those of which one organizer is their actor."""
    return identity.is_staff or any(identity.acts_for(a) for a in organizer_ids)


def check_event_write(
    identity: Identity, *, before: EventCreate | None, after: EventCreate
) -> None:
    """Raise unless ``identity`` may turn ``before`` (``None``: no event yet) into ``after``.

    Members (never staff) must be among the organizers before the change (after it, for a
    creation), may add as organizers only the actors they belong to, leave publishing and
    refusing to staff, and write no id another source gave the event (``ext_ids`` are the
    partners' and the imports' keys to their own records).
    """
    if identity.is_staff:
        return
    forbidden = EventCreationForbidden if before is None else EventUpdateForbidden
    if before is None and not may_manage(identity, after.organizer_ids):
        raise forbidden(
            "Members create events only when one of the organizers is an actor they belong to."
        )
    if before is not None and not may_manage(identity, before.organizer_ids):
        raise forbidden("Only the event's organizers and network staff change it.")
    added = set(after.organizer_ids) - set(before.organizer_ids if before else ())
    if not added <= set(identity.actor_ids):
        raise forbidden("Members may add as organizers only the actors they belong to.")
    state_before = before.state if before else None
    if after.state is EventState.PUBLISHED and state_before is not EventState.PUBLISHED:
        raise forbidden("Only network staff publish events.")
    if after.state is EventState.REFUSED and state_before is not EventState.REFUSED:
        raise forbidden("Only network staff refuse events.")
    ext_ids_before = before.ext_ids if before else {}
    for key in sorted(ext_ids_before.keys() | after.ext_ids.keys()):
        if ext_ids_before.get(key) != after.ext_ids.get(key):
            raise InvalidInput(
                f"ext_ids.{key}",
                "is the id a partner or an import gave the event: only that source or network "
                "staff write it",
            )
