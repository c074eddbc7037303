"""Errors of the theme mapping API."""

from __future__ import annotations

from kit.problems import NotFound


class ThemeNotFound(NotFound):
    slug, title = "theme-not-found", "No such network theme"
