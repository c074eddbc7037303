"""Errors of follows."""

from __future__ import annotations

from kit.problems import NotFound


class FollowNotFound(NotFound):
    slug, title = "follow-not-found", "This actor does not follow this call"
