"""What can go wrong with registrations."""

from __future__ import annotations

from kit.problems import Conflict, DomainError, Forbidden, NotFound


class RegistrationNotFound(NotFound):
    slug, title = "registration-not-found", "Registration not found"


class RegistrationsForbidden(Forbidden):
    slug, title = "registrations-forbidden", "Only the organizers and staff may do this"


class RegistrationUnavailable(Conflict):
    slug, title = "registration-unavailable", "This event takes no registration here"


class RegistrationNotOpen(Conflict):
    slug, title = "registration-not-open", "Registration is not open yet"


class RegistrationClosed(Conflict):
    slug, title = "registration-closed", "Registration is closed"


class EventCancelled(Conflict):
    slug, title = "event-cancelled", "The event is cancelled"


class EventFull(Conflict):
    slug, title = "event-full", "The event is full"


class AlreadyRegistered(Conflict):
    slug, title = "already-registered", "Already registered"


class RegistrationStateConflict(Conflict):
    slug, title = "registration-state", "Not possible in the registration's current status"


class TooManyHolds(DomainError):
    """One client holds as many unconfirmed seats at the event as it may."""

    status, slug, title = 429, "too-many-holds", "Too many unconfirmed registrations"
