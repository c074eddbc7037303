"""What can go wrong with actors, as problems a caller can act on."""

from __future__ import annotations

from kit.problems import Forbidden, NotFound


class ActorNotFound(NotFound):
    slug, title = "actor-not-found", "Actor not found"


class ActorEditForbidden(Forbidden):
    slug, title = "actor-edit-forbidden", "You may not change this actor"
