"""What can go wrong with resources of the catalogue."""

from __future__ import annotations

from kit.problems import Forbidden, NotFound


class ResourceNotFound(NotFound):
    slug, title = "resource-not-found", "Resource not found"


class ResourceEditForbidden(Forbidden):
    slug, title = "resource-edit-forbidden", "You may not change this resource"
