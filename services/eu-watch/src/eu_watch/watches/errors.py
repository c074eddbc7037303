"""Errors of the watches API."""

from __future__ import annotations

from kit.problems import NotFound


class WatchNotFound(NotFound):
    slug, title = "watch-not-found", "Watch not found"
