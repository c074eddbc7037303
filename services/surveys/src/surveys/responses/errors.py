"""Errors of responses, each a problem type (the form shows them in the reader's words)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kit.pages import PageError
from kit.problems import DomainError
from surveys.responses.messages import Message, said


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
    """422 naming every question code at fault (``errors[].question``). ``errors[].message``
    stays in English (kit.problem_texts); asked in French, ``detail`` lists the same fields
    with the rules' French messages (surveys.responses.messages)."""

    status, slug, title = 422, "answers", "Some answers are not valid"

    def __init__(
        self, detail: str | None = None, *, errors: Sequence[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail, errors=errors)
        listed = (errors or [])[:5]
        if listed and all(isinstance(e.get("message"), Message) for e in listed):
            # As kit.problem_texts.localized_detail lists fields, in each language.
            self.detail_texts = {
                language: "; ".join(f"{e['field']}: {said(e['message'], language)}" for e in listed)
                for language in ("fr", "en")
            }
