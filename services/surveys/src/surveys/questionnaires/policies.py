"""Pure rules of questionnaires: what may be published, and which lifecycle moves exist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.vocabularies import SurveyStatus
from kit.identity import Identity
from surveys.questionnaires.conditions import reference_problems

#: draft → open → closed → archived, by the action that makes each move.
TRANSITIONS: dict[str, tuple[SurveyStatus, SurveyStatus]] = {
    "publish": (SurveyStatus.DRAFT, SurveyStatus.OPEN),
    "close": (SurveyStatus.OPEN, SurveyStatus.CLOSED),
    "archive": (SurveyStatus.CLOSED, SurveyStatus.ARCHIVED),
}
#: Statuses in which a survey may be deleted: nothing was answered, or it was put away.
DELETABLE = frozenset({SurveyStatus.DRAFT, SurveyStatus.ARCHIVED})


@dataclass(frozen=True)
class FieldProblem:
    """A problem of a definition at a JSON path (``sections[1].questions[0].show_if.q``)."""

    field: str
    message: str
    question: str | None = None

    def as_error(self) -> dict[str, str]:
        error = {"field": self.field, "message": self.message}
        if self.question:
            error["question"] = self.question
        return error


def may_move(action: str, status: SurveyStatus) -> bool:
    """Whether ``action`` (publish, close, archive) applies to a survey in ``status``."""
    return TRANSITIONS[action][0] == status


def may_see(identity: Identity, status: SurveyStatus | str) -> bool:
    """Drafts exist only for staff: to anyone else an unpublished survey is an unknown one."""
    return identity.is_staff or status != SurveyStatus.DRAFT


def may_edit_definition(status: SurveyStatus) -> bool:
    """Only a draft's questionnaire changes; a published one needs a new version."""
    return status == SurveyStatus.DRAFT


def publishing_problems(sections: Sequence[Mapping[str, Any]]) -> list[FieldProblem]:
    """Why these sections cannot be published (empty when they can): a questionnaire with
    nothing to answer, or a condition on a later or unknown question, an unknown choice, an
    operator or value that does not fit the question's type."""
    answerable = [
        q for section in sections for q in section.get("questions", []) if q["type"] != "note"
    ]
    if not answerable:
        return [FieldProblem("sections", "a survey needs at least one question to answer")]
    problems: list[FieldProblem] = []
    earlier: dict[str, Mapping[str, Any]] = {}
    for s_index, section in enumerate(sections):
        at = f"sections[{s_index}]"
        if section.get("show_if") is not None:
            problems.extend(
                FieldProblem(f"{at}.show_if.{problem.path}".rstrip("."), problem.message)
                for problem in reference_problems(section["show_if"], earlier)
            )
        # A section's questions may depend on one another, in order; not on later sections.
        for q_index, question in enumerate(section.get("questions", [])):
            q_at = f"{at}.questions[{q_index}]"
            if question.get("show_if") is not None:
                problems.extend(
                    FieldProblem(
                        f"{q_at}.show_if.{problem.path}".rstrip("."),
                        f"question '{question['code']}': {problem.message}",
                        question=question["code"],
                    )
                    for problem in reference_problems(question["show_if"], earlier)
                )
            earlier[question["code"]] = question
    return problems
