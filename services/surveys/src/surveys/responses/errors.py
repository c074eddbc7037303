"""Errors of responses, each a problem type (the form shows them in the reader's words)."""

from __future__ import annotations

from kit.pages import PageError
from kit.problems import DomainError


class ResponseLinkNotFound(PageError):
    """An unknown token, another survey's token, a deleted survey: one answer for all."""

    title = "Survey link not found"

    def __init__(self) -> None:
        super().__init__(
            status=404,
            slug="response-link-not-found",
            fr="Ce lien ne mène à aucun questionnaire. Vérifiez qu'il est complet.",
            en="This link leads to no survey. Check that it is complete.",
        )


class SurveyNotAnswerable(PageError):
    """The survey is closed, not open yet, or this response cannot change any more."""

    title = "The survey takes no answer now"

    def __init__(self, *, fr: str, en: str) -> None:
        super().__init__(status=409, slug="survey-not-answerable", fr=fr, en=en)


class AnswersInvalid(DomainError):
    """422 naming every question code at fault (``errors[].question``)."""

    status, slug, title = 422, "answers", "Some answers are not valid"
