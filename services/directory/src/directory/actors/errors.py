"""What can go wrong with actors, as problems a caller can act on."""

from __future__ import annotations

from kit.problems import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class ActorNotFound(NotFound):
    slug, title = "actor-not-found", "Actor not found"


class ActorEditForbidden(Forbidden):
    slug, title = "actor-edit-forbidden", "You may not change this actor"


class ActorMovedToSurvivor(DomainError):
    """The actor was merged into another; the response points there (``Location``)."""

    status, slug, title = 301, "actor-merged", "Actor merged into another"


class MergeWithItself(InvalidInput):
    slug, title = "merge-with-itself", "An actor cannot be merged with itself"


class NotAShadowRecord(Conflict):
    slug, title = "not-a-shadow-record", "Only shadow records can be claimed"


class ClaimAlreadyDecided(Conflict):
    slug, title = "claim-already-decided", "This claim was already approved or refused"


class ExternalIdTaken(Conflict):
    slug, title = "external-id-taken", "This external id belongs to another actor"
