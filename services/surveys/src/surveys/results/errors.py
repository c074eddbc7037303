"""Errors of the results: each a problem+json naming what is wrong."""

from __future__ import annotations

from kit.problems import Forbidden, NotFound


class ResultsNotFound(NotFound):
    """Unpublished results, to whoever is not staff: the same answer as an unknown survey."""

    slug, title = "results-not-found", "Results not found"


class PrivateAttribute(Forbidden):
    slug, title = "private-attribute", "Private attribute"

    def __init__(self, field: str) -> None:
        super().__init__(
            f"{field}: membership is private; only network staff cut or filter results by it",
            errors=[{"field": field, "message": "staff only"}],
        )
