"""Writing a submitted response's counted form. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from surveys.actors.repository import known_actor_repository
from surveys.answers.repository import answer_repository
from surveys.feedback.repository import feedback_repository
from surveys.results.cuts import attributes_of
from surveys.results.tally import MAX_ATOM_TEXT, atoms_of

PARIS = ZoneInfo("Europe/Paris")
#: Actor attributes kept in ``response_tags`` (several values each).
ACTOR_TAGS = ("type", "club", "theme")


class Counted(Protocol):
    """What the counted form is made of: a stored response (the ORM entity, or the columns
    the responses service reads through a link)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def survey_id(self) -> uuid.UUID: ...
    @property
    def version(self) -> int: ...
    @property
    def actor_id(self) -> uuid.UUID | None: ...
    @property
    def profile(self) -> dict[str, Any] | None: ...
    @property
    def answers(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TrainingCut:
    """The training a satisfaction response follows: its id, themes and first day."""

    event_id: uuid.UUID
    themes: Sequence[str]
    starts_at: datetime | None


def question_types(sections: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {
        str(q["code"]): str(q.get("type"))
        for section in sections
        for q in section.get("questions") or []
        if q.get("code")
    }


def _actor_columns(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "circle": attributes.get("circle"),
        "department": attributes.get("department"),
        "region": attributes.get("region"),
        "member": attributes.get("member"),
    }


def _tags(attributes: Mapping[str, Any]) -> dict[str, list[str]]:
    return {
        name: [str(v) for v in attributes.get(name) or [] if len(str(v)) <= MAX_ATOM_TEXT]
        for name in ACTOR_TAGS
    }


@dataclass(frozen=True)
class CountedRows:
    """The rows of one submitted response in ``answer_values``, ``response_cuts`` and
    ``response_tags``."""

    values: list[dict[str, Any]]
    cut: dict[str, Any]
    tags: list[dict[str, Any]]


def counted_rows(
    response: Counted,
    types: Mapping[str, str],
    source: Mapping[str, Any] | None,
    *,
    from_profile: bool,
    training: TrainingCut | None = None,
) -> CountedRows:
    """What a submitted response is counted as: the atoms of its answers to the questions of
    its version (``types``: code → type) and its cuts from ``source`` (a profile snapshot or
    the projected actor) and the training it follows."""
    values = [
        {
            "response_id": response.id,
            "question": code,
            "item": item,
            "survey_id": response.survey_id,
            "version": response.version,
            "text": value if isinstance(value, str) else None,
            "number": float(value) if isinstance(value, int | float) else None,
        }
        for code, answer in (response.answers or {}).items()
        if code in types
        for item, value in atoms_of(types[code], answer)
    ]
    attributes = attributes_of(source)
    tags = _tags(attributes)
    if training is not None:
        tags["training_theme"] = [t for t in training.themes if len(t) <= MAX_ATOM_TEXT]
    cut = {
        "response_id": response.id,
        "survey_id": response.survey_id,
        "version": response.version,
        "actor_id": response.actor_id,
        "from_profile": from_profile,
        **_actor_columns(attributes),
        "training": str(training.event_id) if training is not None else None,
        "year": (
            training.starts_at.astimezone(PARIS).year
            if training is not None and training.starts_at is not None
            else None
        ),
    }
    return CountedRows(
        values,
        cut,
        [
            {"response_id": response.id, "attribute": name, "value": value}
            for name, found in tags.items()
            for value in sorted(set(found))
        ],
    )


class AnswerService:
    async def record(
        self,
        session: AsyncSession,
        response: Counted,
        *,
        sections: Sequence[Mapping[str, Any]],
        invitation_id: uuid.UUID | None,
        first: bool = False,
    ) -> None:
        """Write (or rewrite) the counted form of a submitted response: its atoms, against
        the version it was saved in, and its cuts — the actor's snapshot taken at submission
        (``response.profile``), else the actor as the projection knows it now — and, when the
        invitation came from a training's attendance, that training, its themes and year
        (``invitation_id``: the invitation whose training feedback row names the training;
        None skips the look-up, as for an invitation that follows no training). ``first``:
        the response's first submission (it has no counted rows yet)."""
        training = None
        if invitation_id is not None:
            feedback = await feedback_repository.of_invitation(session, invitation_id)
            if feedback is not None:
                training = TrainingCut(
                    feedback.event_id, feedback.event_themes or [], feedback.event_starts_at
                )
        source: dict[str, Any] | None = response.profile or None
        from_profile = source is not None
        if source is None and response.actor_id is not None:
            actor = await known_actor_repository.get(session, response.actor_id)
            source = actor.profile() if actor is not None else None
        rows = counted_rows(
            response,
            question_types(sections),
            source,
            from_profile=from_profile,
            training=training,
        )
        await answer_repository.replace(
            session, response.id, values=rows.values, cut=rows.cut, tags=rows.tags, first=first
        )


answer_service = AnswerService()
