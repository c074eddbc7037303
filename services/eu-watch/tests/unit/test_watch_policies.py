"""The rules of watches, without a database: who owns a new watch, what its filters must
name, which calls it selects, and when the weekly digest falls."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from contracts.vocabularies import CallStatus, Theme
from eu_watch.actors.errors import NotYourActor
from eu_watch.calls.filters import CallFilters
from eu_watch.watches.policies import (
    WatchCriteria,
    channel_addresses,
    last_digest_moment,
    listed_actors,
    may_see,
    owner_for_new,
    require_named_actor,
    selections,
    unknown_programmes,
    unknown_themes,
    week_of,
)
from kit.identity import Identity, Role
from kit.problems import InvalidInput

A, B = uuid.uuid4(), uuid.uuid4()
STAFF = Identity(subject="k1", role=Role.ANIMATOR)
MEMBER_A = Identity(subject="k2", role=Role.MEMBER, actor_ids=(A,))
MEMBER_AB = Identity(subject="k3", role=Role.MEMBER, actor_ids=(A, B))


def test_staff_watch_for_anyone_or_the_network_and_members_for_their_own_actor() -> None:
    assert owner_for_new(STAFF, None, field="actor_id") is None
    assert owner_for_new(STAFF, B, field="actor_id") == B
    assert owner_for_new(MEMBER_A, None, field="actor_id") == A
    assert owner_for_new(MEMBER_A, A, field="actor_id") == A
    with pytest.raises(NotYourActor):
        owner_for_new(MEMBER_A, B, field="actor_id")
    with pytest.raises(InvalidInput) as unclear:
        owner_for_new(MEMBER_AB, None, field="actor_id")
    assert unclear.value.errors == [
        {"field": "actor_id", "message": "this key acts for several actors: name one"}
    ]
    assert owner_for_new(MEMBER_AB, B, field="actor_id") == B


def test_members_see_their_own_actors_watches_never_the_networks() -> None:
    assert may_see(STAFF, None)
    assert may_see(STAFF, B)
    assert may_see(MEMBER_A, A)
    assert not may_see(MEMBER_A, B)
    assert not may_see(MEMBER_A, None)


def test_a_list_shows_everyone_to_staff_and_its_own_actors_to_a_member() -> None:
    assert listed_actors(STAFF, None, what="watches") is None
    assert listed_actors(STAFF, B, what="watches") == (B,)
    assert listed_actors(MEMBER_AB, None, what="watches") == (A, B)
    assert listed_actors(MEMBER_A, A, what="follows") == (A,)
    with pytest.raises(NotYourActor, match="follows"):
        listed_actors(MEMBER_A, B, what="follows")


def test_unknown_themes_and_programmes_are_named() -> None:
    assert unknown_themes(["sea_coast", "astrology", "health"]) == ["astrology"]
    known = ["Horizon Europe (HORIZON)", "Erasmus+ (ERASMUS+)", "Région Occitanie CSTI"]
    assert unknown_programmes(["horizon", "ERASMUS+", "région occitanie csti"], known) == []
    assert unknown_programmes(["Interreg", "Horizon 2020"], known) == ["Interreg", "Horizon 2020"]


def test_a_watch_selects_open_and_forthcoming_calls_through_the_lists_filters() -> None:
    now = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # already the 8th in Brussels
    criteria = WatchCriteria(
        themes=("sea_coast",),
        programmes=("HORIZON",),
        keywords=("ocean literacy", "citizen science"),
        types_of_action=("coordination",),
        funder="European Commission",
        min_budget=500_000,
        deadline_within_days=30,
    )
    base, keywords, types = selections(criteria, now=now)
    assert base == [
        CallFilters(
            statuses=(CallStatus.FORTHCOMING, CallStatus.OPEN),
            programmes=("HORIZON",),
            themes=(Theme.SEA_COAST,),
            funders=("European Commission",),
            deadline_from=date(2026, 12, 8),
            deadline_to=date(2027, 1, 7),
            min_budget=500_000,
        )
    ]
    assert keywords == [CallFilters(q="ocean literacy"), CallFilters(q="citizen science")]
    assert types == [CallFilters(type_of_action="coordination")]
    assert len(selections(WatchCriteria(), now=now)) == 1


def test_mail_goes_to_the_address_given_else_the_actors_else_staffs() -> None:
    assert channel_addresses(["webhook"], given="a@x.org", actor_address=None, staff=None) is None
    assert channel_addresses(["email"], given="a@x.org", actor_address="b@x.org", staff=None) == (
        "a@x.org"
    )
    assert channel_addresses(["email"], given=None, actor_address="b@x.org", staff="s@x.org") == (
        "b@x.org"
    )
    assert channel_addresses(["email"], given=None, actor_address=None, staff="s@x.org") == (
        "s@x.org"
    )
    assert channel_addresses(["email"], given=None, actor_address=None, staff=None) is None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Monday 7 December 2026, 08:00 Paris is 07:00 UTC.
        (datetime(2026, 12, 7, 6, 59, tzinfo=UTC), datetime(2026, 11, 30, 7, 0, tzinfo=UTC)),
        (datetime(2026, 12, 7, 7, 0, tzinfo=UTC), datetime(2026, 12, 7, 7, 0, tzinfo=UTC)),
        (datetime(2026, 12, 13, 22, 0, tzinfo=UTC), datetime(2026, 12, 7, 7, 0, tzinfo=UTC)),
        # Summer time: Monday 29 June 2026, 08:00 Paris is 06:00 UTC.
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 6, 29, 6, 0, tzinfo=UTC)),
    ],
)
def test_the_digest_moment_is_the_last_monday_8_oclock_in_paris(
    now: datetime, expected: datetime
) -> None:
    assert last_digest_moment(now, weekday=0, hour=8) == expected


def test_a_digest_is_named_by_its_iso_week() -> None:
    assert week_of(datetime(2026, 12, 7, 7, 0, tzinfo=UTC)) == "2026-W50"
    assert week_of(datetime(2027, 1, 4, 7, 0, tzinfo=UTC)) == "2027-W01"
    friday = last_digest_moment(datetime(2026, 12, 12, tzinfo=UTC), weekday=4, hour=18)
    assert friday == datetime(2026, 12, 11, 17, 0, tzinfo=UTC)


def test_a_watch_or_follow_names_an_actor_the_directory_has() -> None:
    require_named_actor(exists=True, gone=False)
    for exists, gone, message in ((False, False, "no actor"), (True, True, "deleted or merged")):
        with pytest.raises(InvalidInput) as raised:
            require_named_actor(exists=exists, gone=gone)
        assert raised.value.errors[0]["field"] == "actor_id"
        assert message in raised.value.errors[0]["message"]
