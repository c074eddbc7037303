"""What can go wrong with API keys."""

from __future__ import annotations

from kit.problems import NotFound


class ApiKeyNotFound(NotFound):
    slug = "api-key-not-found"
