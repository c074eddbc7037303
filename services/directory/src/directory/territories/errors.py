"""Problems of /v1/territories."""

from __future__ import annotations

from kit.problems import NotFound


class CommuneNotFound(NotFound):
    slug, title = "commune-not-found", "Commune not found"
