"""Errors of indicators."""

from __future__ import annotations

from kit.problems import NotFound


class IndicatorNotFound(NotFound):
    slug, title = "indicator-not-found", "Indicator not found"
