"""The seat rule, without a database: nobody overbooks, the waitlist goes first."""

from __future__ import annotations

import pytest

from contracts.events import RegistrationSettings, RegistrationStatus
from events.registrations import policies
from events.registrations.errors import EventFull
from events.registrations.policies import RegistrationCounts
from kit.problems import InvalidInput


def settings(**values: object) -> RegistrationSettings:
    return RegistrationSettings.model_validate({"mode": "internal", **values})


def counts(confirmed: int = 0, waitlisted: int = 0) -> RegistrationCounts:
    return RegistrationCounts(confirmed=confirmed, waitlisted=waitlisted)


def test_a_newcomer_takes_a_free_seat_up_to_the_capacity_and_never_beyond() -> None:
    forty = settings(capacity=40, waitlist=True)

    assert policies.newcomer_status(forty, counts(39)) is RegistrationStatus.CONFIRMED
    assert policies.newcomer_status(forty, counts(40)) is RegistrationStatus.WAITLISTED
    with pytest.raises(EventFull):
        policies.newcomer_status(settings(capacity=40), counts(40))


def test_nobody_jumps_the_waitlist_even_when_a_seat_is_free() -> None:
    forty = settings(capacity=40, waitlist=True)

    assert not policies.seat_is_free(forty, counts(confirmed=39, waitlisted=2))
    assert policies.placement(forty, counts(39, 2)) is RegistrationStatus.WAITLISTED
    assert policies.seats_to_promote(forty, counts(39, 2), event_cancelled=False) == 1


def test_without_capacity_everyone_is_seated_and_the_whole_waitlist_moves_up() -> None:
    unlimited = settings(waitlist=True)

    assert policies.newcomer_status(unlimited, counts(10_000)) is RegistrationStatus.CONFIRMED
    assert policies.seats_to_promote(unlimited, counts(5, 3), event_cancelled=False) == 3
    assert policies.available_seats(unlimited, counts(5)) is None


def test_approval_comes_before_any_seat() -> None:
    approved = settings(capacity=1, requires_approval=True)

    assert policies.newcomer_status(approved, counts(1)) is RegistrationStatus.PENDING_APPROVAL
    with pytest.raises(EventFull):
        policies.placement(approved, counts(1))  # approving a full event without waitlist


def test_promotions_fill_only_the_free_seats_and_never_for_a_cancelled_event() -> None:
    ten = settings(capacity=10, waitlist=True)

    assert policies.seats_to_promote(ten, counts(8, 5), event_cancelled=False) == 2
    assert policies.seats_to_promote(ten, counts(8, 1), event_cancelled=False) == 1
    assert policies.seats_to_promote(ten, counts(10, 5), event_cancelled=False) == 0
    assert policies.seats_to_promote(ten, counts(8, 0), event_cancelled=False) == 0
    assert policies.seats_to_promote(ten, counts(8, 5), event_cancelled=True) == 0
    # A capacity lowered below the confirmed count (imports may): nothing, never negative.
    assert policies.seats_to_promote(ten, counts(12, 5), event_cancelled=False) == 0
    assert policies.available_seats(ten, counts(12)) == 0


def test_the_capacity_never_goes_below_the_confirmed_seats() -> None:
    policies.check_capacity(settings(capacity=12), confirmed=12)
    policies.check_capacity(settings(), confirmed=500)  # no capacity: nothing to overbook
    policies.check_capacity(settings(mode="external", capacity=1), confirmed=3)

    with pytest.raises(InvalidInput) as refused:
        policies.check_capacity(settings(capacity=11), confirmed=12)
    assert str(refused.value).startswith("registration.capacity: 12 people are already confirmed")
