"""Errors of questionnaires, each a problem type."""

from __future__ import annotations

from kit.problems import Conflict, DomainError, NotFound


class SurveyNotFound(NotFound):
    slug, title = "survey-not-found", "Survey not found"


class SurveyVersionNotFound(NotFound):
    slug, title = "survey-version-not-found", "Survey version not found"


class SurveyVersionPublished(Conflict):
    """The questionnaire of a published survey never changes."""

    slug, title = "survey-version-published", "A published version never changes"


class SurveyStatusConflict(Conflict):
    slug, title = "survey-status", "Not possible in the survey's status"


class SurveyDefinitionInvalid(DomainError):
    """The definition cannot be published (or imported): every problem is in ``errors``."""

    status, slug, title = 422, "survey-definition", "The questionnaire is not valid"


class XlsFormInvalid(DomainError):
    """An XLSForm that cannot be taken: each error names its sheet, row and column."""

    status, slug, title = 422, "xlsform", "The XLSForm cannot be imported"
