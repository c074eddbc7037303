"""Who may write an event: the one rule a creation and a change both go through."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from events.agenda.errors import EventCreationForbidden, EventUpdateForbidden
from events.agenda.policies import check_event_write, may_manage
from events.agenda.schemas import EventCreate
from kit.identity import Identity, Role
from kit.problems import InvalidInput

OWN, OTHER = uuid.uuid4(), uuid.uuid4()
MEMBER = Identity(subject="k1", role=Role.MEMBER, actor_ids=(OWN,))
ANIMATOR = Identity(subject="k2", role=Role.ANIMATOR)


def event(*organizers: uuid.UUID, **overrides: Any) -> EventCreate:
    return EventCreate.model_validate(
        {
            "title": "Forum de la médiation",
            "kind": "forum",
            "organizer_ids": [str(o) for o in organizers],
            "timings": [{"start": "2031-06-02T09:00:00+02:00", "end": "2031-06-02T18:00:00+02:00"}],
            **overrides,
        }
    )


def test_a_member_names_only_its_own_actors_as_organizers_on_create_as_on_update() -> None:
    with pytest.raises(EventCreationForbidden, match="only the actors they belong to"):
        check_event_write(MEMBER, before=None, after=event(OWN, OTHER))
    with pytest.raises(EventUpdateForbidden, match="only the actors they belong to"):
        check_event_write(MEMBER, before=event(OWN), after=event(OWN, OTHER))
    check_event_write(MEMBER, before=None, after=event(OWN))
    # An organizer named by staff stays when the member changes something else.
    check_event_write(MEMBER, before=event(OWN, OTHER), after=event(OWN, OTHER, title="Forum"))


def test_a_member_writes_only_events_of_its_actors() -> None:
    with pytest.raises(EventCreationForbidden, match="one of the organizers"):
        check_event_write(MEMBER, before=None, after=event(OTHER))
    with pytest.raises(EventUpdateForbidden, match="organizers and network staff"):
        check_event_write(MEMBER, before=event(OTHER), after=event(OTHER, OWN))
    assert may_manage(MEMBER, [OTHER, OWN])
    assert not may_manage(MEMBER, [OTHER])
    assert may_manage(ANIMATOR, [OTHER])


@pytest.mark.parametrize("state", ["published", "refused"])
def test_only_staff_publish_or_refuse_on_create_and_on_update(state: str) -> None:
    with pytest.raises(EventCreationForbidden, match="Only network staff"):
        check_event_write(MEMBER, before=None, after=event(OWN, state=state))
    with pytest.raises(EventUpdateForbidden, match="Only network staff"):
        check_event_write(MEMBER, before=event(OWN, state="pending"), after=event(OWN, state=state))
    # Already in that state (moderated by staff): the member may still fix a typo.
    check_event_write(
        MEMBER, before=event(OWN, state=state), after=event(OWN, state=state, title="Forum")
    )
    check_event_write(ANIMATOR, before=None, after=event(OTHER, state=state))


def test_a_member_writes_no_source_s_ids() -> None:
    with pytest.raises(InvalidInput) as created:
        check_event_write(MEMBER, before=None, after=event(OWN, ext_ids={"openagenda": "rt-2"}))
    assert str(created.value).startswith("ext_ids.openagenda:")
    linked = event(OWN, ext_ids={"openagenda": "rt-2"})
    for changed in ({"openagenda": "rt-3"}, {}, {"openagenda": "rt-2", "echosciences": "9"}):
        with pytest.raises(InvalidInput):
            check_event_write(MEMBER, before=linked, after=event(OWN, ext_ids=changed))
    # The ids the event has are kept as they are by a change of something else.
    check_event_write(MEMBER, before=linked, after=event(OWN, ext_ids={"openagenda": "rt-2"}))
    check_event_write(ANIMATOR, before=None, after=event(OTHER, ext_ids={"openagenda": "rt-2"}))
