"""Who gets a seat at an event: the rule that prevents overbooking, written once.

Pure functions over the event's registration settings and its current counts, unit-tested
without a database (``tests/unit/test_seat_policy.py``). The registration service calls them
with the event row locked, so the counts they are given are the counts at that moment.

The waitlist goes first: a newcomer takes a seat only when one is free *and* nobody waits
for it, and a freed seat goes to the first person waiting. An organizer cannot lower the
capacity below the seats already confirmed (:func:`check_capacity`).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.events import RegistrationSettings, RegistrationStatus
from events.registrations.errors import EventFull
from kit.problems import InvalidInput


@dataclass(frozen=True)
class RegistrationCounts:
    """How many registrations of an event hold each status that counts."""

    confirmed: int = 0
    waitlisted: int = 0
    pending_approval: int = 0
    #: Seats held for anonymous registrants until they open the link mailed to them.
    pending_email: int = 0

    @property
    def seats_taken(self) -> int:
        """Confirmed seats and seats held for an unconfirmed address alike."""
        return self.confirmed + self.pending_email


def counts_seats(settings: RegistrationSettings) -> bool:
    """Whether the calendar hands out a limited number of seats (its own registration)."""
    return settings.capacity is not None and settings.mode == "internal"


def check_capacity(settings: RegistrationSettings, confirmed: int) -> None:
    """Refuse a capacity below the ``confirmed`` seats: it would overbook the event."""
    if counts_seats(settings) and settings.capacity is not None and settings.capacity < confirmed:
        raise InvalidInput(
            "registration.capacity",
            f"{confirmed} people are already confirmed: the capacity cannot go below that "
            "(cancel registrations first)",
            confirmed=confirmed,
        )


def seat_is_free(settings: RegistrationSettings, counts: RegistrationCounts) -> bool:
    """Whether a newcomer may take a seat now: one is free and nobody waits for it."""
    capacity = settings.capacity
    return counts.waitlisted == 0 and (capacity is None or counts.seats_taken < capacity)


def free_seats(settings: RegistrationSettings, counts: RegistrationCounts) -> int:
    """Seats the waitlist could take now (all of it when the capacity is unlimited)."""
    if settings.capacity is None:
        return counts.waitlisted
    return settings.capacity - counts.seats_taken


def available_seats(settings: RegistrationSettings, counts: RegistrationCounts) -> int | None:
    """Seats left, as shown to the public; None when the capacity is unlimited."""
    if settings.capacity is None:
        return None
    return max(settings.capacity - counts.seats_taken, 0)


def seats_to_promote(
    settings: RegistrationSettings, counts: RegistrationCounts, *, event_cancelled: bool
) -> int:
    """How many of the first waitlisted people get a seat now (none for a cancelled event)."""
    if event_cancelled or counts.waitlisted == 0:
        return 0
    return max(min(free_seats(settings, counts), counts.waitlisted), 0)


def placement(settings: RegistrationSettings, counts: RegistrationCounts) -> RegistrationStatus:
    """Where an accepted registration goes: a seat if :func:`seat_is_free`, else the
    waitlist when the event keeps one; refused with :class:`EventFull` otherwise."""
    if seat_is_free(settings, counts):
        return RegistrationStatus.CONFIRMED
    if settings.waitlist:
        return RegistrationStatus.WAITLISTED
    raise EventFull(f"All {settings.capacity} seats are taken and this event has no waitlist.")


def newcomer_status(
    settings: RegistrationSettings, counts: RegistrationCounts
) -> RegistrationStatus:
    """A new registration's status: awaiting approval when the organizers approve each one,
    else its :func:`placement`."""
    if settings.requires_approval:
        return RegistrationStatus.PENDING_APPROVAL
    return placement(settings, counts)
