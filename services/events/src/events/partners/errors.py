"""What can go wrong with partners' events."""

from __future__ import annotations

from kit.problems import DomainError, Forbidden, NotFound


class PartnerWriteForbidden(Forbidden):
    slug, title = "partner-write-forbidden", "You may not write this partner's events"


class PartnerEventNotFound(NotFound):
    slug, title = "partner-event-not-found", "No event has this partner id"


class PartnerEventDeleted(DomainError):
    status, slug, title = 410, "partner-event-deleted", "The network deleted this event"


class OpenAgendaUnavailable(DomainError):
    status, slug, title = 502, "openagenda-unavailable", "OpenAgenda did not answer as expected"


class OpenAgendaSyncNotFound(NotFound):
    slug, title = "openagenda-sync-not-found", "This agenda was never imported"
