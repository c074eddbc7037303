"""What can go wrong with surveys."""

from __future__ import annotations

from kit.problems import NotFound


class SurveyNotFound(NotFound):
    slug, title = "survey-not-found", "Survey not found"
