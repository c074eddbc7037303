"""Indicators: defined over a series, valued wave by wave. Services flush, never commit."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.surveys import (
    INDICATOR_DELETED,
    INDICATOR_UPDATED,
    IndicatorDeleted,
    IndicatorUpdated,
    IndicatorValue,
    SurveyTitle,
)
from kit.etags import check_if_match
from kit.identity import Identity, Role
from kit.models import utcnow
from kit.problems import InvalidInput
from surveys.actors.repository import known_actor_repository
from surveys.answers.repository import answer_repository
from surveys.db import outbox
from surveys.indicators.errors import IndicatorNotFound
from surveys.indicators.measures import Measure, misfit, wave_value_tally
from surveys.indicators.models import Indicator
from surveys.indicators.repository import indicator_repository
from surveys.indicators.schemas import IndicatorCreate, IndicatorRead, IndicatorUpdate
from surveys.questionnaires.models import Survey
from surveys.results import policies
from surveys.results.crosstab import ATTRIBUTES, SINGLE_VALUED
from surveys.results.cuts import shape_of
from surveys.results.errors import PrivateAttribute
from surveys.results.service import Answered, result_service
from surveys.results.tally import Tally, add

PARIS = ZoneInfo("Europe/Paris")


def wave_label(survey: Survey) -> str:
    """A wave is named by its year (Paris time) of opening, else of publication or creation."""
    moment = survey.opens_at or survey.published_at or survey.created_at
    return str(moment.astimezone(PARIS).year)


class IndicatorService:
    async def create(
        self, session: AsyncSession, *, data: IndicatorCreate, identity: Identity
    ) -> Indicator:
        await self._check_fit(session, data.series, data.question, data.measure, data.answers)
        indicator = Indicator(
            id=uuid.uuid4(),
            version=1,
            created_by=identity.subject,
            **data.model_dump(mode="json"),
        )
        session.add(indicator)
        await session.flush()
        if indicator.public:
            await self.announce(session, indicator)
        return indicator

    async def update(
        self,
        session: AsyncSession,
        *,
        indicator_id: uuid.UUID,
        data: IndicatorUpdate,
        identity: Identity,
        if_match: str | None = None,
    ) -> Indicator:
        indicator = await self.get(session, indicator_id=indicator_id, identity=identity)
        check_if_match(if_match, indicator.version)
        change = data.model_dump(mode="json", exclude_unset=True)
        answers = change.get("answers", indicator.answers)
        if "answers" in change:
            await self._check_fit(
                session, indicator.series, indicator.question, indicator.measure, answers
            )
        was_public = indicator.public
        for name, value in change.items():
            if value is not None or name == "unit":
                setattr(indicator, name, value)
        indicator.touch()
        await session.flush()
        if indicator.public or was_public:
            await self.announce(session, indicator)
        return indicator

    async def delete(
        self,
        session: AsyncSession,
        *,
        indicator_id: uuid.UUID,
        identity: Identity,
        if_match: str | None,
    ) -> None:
        """Delete an indicator (kept as a tombstone); partners, who were told of a public
        one's values, are told it is gone."""
        indicator = await self.get(session, indicator_id=indicator_id, identity=identity)
        check_if_match(if_match, indicator.version)
        indicator.deleted_at = utcnow()
        indicator.touch()
        await session.flush()
        if indicator.public:
            payload = IndicatorDeleted(
                id=indicator.id, series=indicator.series, deleted_at=indicator.deleted_at
            )
            await outbox.emit(
                session,
                type=INDICATOR_DELETED,
                subject=str(indicator.id),
                data=payload.model_dump(mode="json"),
            )

    async def _check_fit(
        self,
        session: AsyncSession,
        series: str,
        question_code: str,
        measure: str,
        answers: Sequence[Any],
    ) -> None:
        waves = await indicator_repository.waves(session, series)
        if not waves:
            raise InvalidInput("series", f"no published survey in series {series!r}")
        question = None
        for survey in reversed(waves):  # the newest wave's definition of the code
            found = await result_service.questions(session, survey)
            question = next((q for q in found if q.get("code") == question_code), None)
            if question is not None:
                break
        if question is None:
            raise InvalidInput("question", f"no question {question_code!r} in series {series!r}")
        problem = misfit(Measure(measure, tuple(answers)), shape_of(question))  # type: ignore[arg-type]
        if problem is not None:
            raise InvalidInput("answers" if "answers" in problem else "measure", problem)

    async def get(
        self, session: AsyncSession, *, indicator_id: uuid.UUID, identity: Identity
    ) -> Indicator:
        indicator = await indicator_repository.get(session, indicator_id)
        if indicator is None or not (indicator.public or identity.is_staff):
            raise IndicatorNotFound(f"No indicator with id {indicator_id}.")
        return indicator

    async def list_page(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        series: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Indicator]:
        return await indicator_repository.list_after(
            session, public_only=not identity.is_staff, series=series, after=after, limit=limit
        )

    async def values(
        self,
        session: AsyncSession,
        *,
        indicator: Indicator,
        identity: Identity,
        by: str | None,
        as_public: bool = False,
    ) -> list[dict[str, Any]]:
        """The value per wave (and per cut of ``by``): staff see every wave and figure,
        everyone else the waves whose results are published, small cells withheld."""
        if by is not None:
            if by not in ATTRIBUTES:
                raise InvalidInput("query.by", f"one of {', '.join(ATTRIBUTES)}")
            if not policies.may_use_attribute(identity, by):
                raise PrivateAttribute("query.by")
        measure = Measure(indicator.measure, tuple(indicator.answers))  # type: ignore[arg-type]
        series = await indicator_repository.waves(session, indicator.series)
        publications = await result_service.publications(session, [s.id for s in series])
        waves = [
            (survey, publications[survey.id])
            for survey in series
            if policies.may_read_results(identity, publications[survey.id])
        ]
        asked = await result_service.questions_of(session, [survey for survey, _ in waves])
        # Counted in the database, every wave at once: the question's tallies per wave (and
        # per cut), and for a share of ticked choices who ticked at least one of them.
        ids = [survey.id for survey, _ in waves]
        code = indicator.question
        cuts = (
            await answer_repository.tallies_by_cut(
                session, ids, code, [by], version=None, filters={}
            )
            if by is not None
            else {}
        )
        if by in SINGLE_VALUED:  # one cut per response: the wave is their sum
            overall = {s: {(): add(cuts[s].values())} for s in ids}
        else:
            overall = await answer_repository.tallies_by_cut(
                session, ids, code, [], version=None, filters={}
            )
        ticked: dict[uuid.UUID, Counter[Any]] = {s: Counter() for s in ids}
        ticks = any(
            q.get("code") == code and q.get("type") == "multiple_choice"
            for questions in asked.values()
            for q in questions
        )
        if indicator.measure == "share" and ticks:
            ticked = await answer_repository.ticked_any(
                session, ids, code, [str(a) for a in indicator.answers], by=by
            )
        out = []
        for survey, publication in waves:
            k = policies.threshold_for(identity, publication, as_public=as_public)
            question = next((q for q in asked[survey.id] if q.get("code") == code), None)
            head = {"survey_id": survey.id, "wave": wave_label(survey), "title": survey.title}
            if question is None:  # not asked in this wave
                out.append({**head, "value": None, "respondents": None, "suppressed": False})
                continue
            shape = shape_of(question)
            rows = {cut[0]: t for cut, t in cuts[survey.id].items()} if by is not None else None
            value = wave_value_tally(
                measure,
                shape,
                overall[survey.id].get((), Tally()),
                rows,
                by=by,
                k=k,
                matched=ticked[survey.id] if shape.type == "multiple_choice" else {},
            )
            out.append({**head, **value})
        return out

    async def panel(
        self, session: AsyncSession, *, indicator: Indicator, identity: Identity
    ) -> list[dict[str, Any]]:
        """Actors who answered two consecutive waves and how their answer moved (staff)."""
        waves = [
            (survey, await result_service.answered(session, survey.id, only=indicator.question))
            for survey in await indicator_repository.waves(session, indicator.series)
        ]
        actor_ids = {a.actor_id for _, answered in waves for a in answered if a.actor_id}
        names = {
            actor_id: actor.name
            for actor_id, actor in (
                await known_actor_repository.get_many(session, actor_ids)
            ).items()
        }
        steps = []
        for (before_survey, before), (after_survey, after) in itertools.pairwise(waves):
            earlier = self._by_actor(indicator, before)
            later = self._by_actor(indicator, after)
            items = []
            for actor_id in sorted(earlier.keys() & later.keys(), key=str):
                moved = _movement(indicator, earlier[actor_id], later[actor_id])
                items.append(
                    {
                        "actor_id": actor_id,
                        "name": names.get(actor_id),
                        "before": earlier[actor_id],
                        "after": later[actor_id],
                        "moved": moved,
                    }
                )
            moves: dict[str, int] = {}
            for item in items:
                moves[item["moved"]] = moves.get(item["moved"], 0) + 1
            steps.append(
                {
                    "from_wave": wave_label(before_survey),
                    "to_wave": wave_label(after_survey),
                    "actors": len(items),
                    "moves": moves,
                    "items": items,
                }
            )
        return steps

    def _by_actor(self, indicator: Indicator, answered: Sequence[Answered]) -> dict[uuid.UUID, Any]:
        return {
            a.actor_id: a.answers[indicator.question]
            for a in answered
            if a.actor_id is not None and a.answers.get(indicator.question) not in (None, "", [])
        }

    async def announce(self, session: AsyncSession, indicator: Indicator) -> None:
        """``surveys.indicator.updated`` with the values as the public reads them."""
        waves = (
            await self.values(session, indicator=indicator, identity=_PUBLIC, by=None)
            if indicator.public
            else []
        )
        values = [
            IndicatorValue(
                survey_id=wave["survey_id"],
                wave=wave["wave"],
                value=wave["value"],
                respondents=wave["respondents"],
                suppressed=wave["suppressed"],
            )
            for wave in waves
        ]
        payload = IndicatorUpdated(
            id=indicator.id,
            series=indicator.series,
            name=SurveyTitle.model_validate(indicator.name),
            question=indicator.question,
            measure=indicator.measure,
            unit=indicator.unit,
            public=indicator.public,
            values=values,
            updated_at=indicator.updated_at,
        )
        await outbox.emit(
            session,
            type=INDICATOR_UPDATED,
            subject=str(indicator.id),
            data=payload.model_dump(mode="json"),
        )

    async def announce_series(self, session: AsyncSession, series: str | None) -> None:
        """A wave's results changed publication: its series' public indicators changed."""
        if series is None:
            return
        for indicator in await indicator_repository.public_of_series(session, series):
            await self.announce(session, indicator)

    def to_read(self, indicator: Indicator) -> IndicatorRead:
        return IndicatorRead.model_validate(indicator, from_attributes=True)


def _movement(indicator: Indicator, before: Any, after: Any) -> str:
    if indicator.measure == "share":
        wanted = set(indicator.answers)

        def inside(answer: Any) -> bool:
            return (
                bool(wanted.intersection(answer)) if isinstance(answer, list) else answer in wanted
            )

        was, now = inside(before), inside(after)
        return "same" if was == now else ("joined" if now else "left")
    if isinstance(before, int | float) and isinstance(after, int | float):
        return "up" if after > before else "down" if after < before else "same"
    return "same" if before == after else "changed"


_PUBLIC = Identity(subject="observatory", role=Role.ANONYMOUS)
indicator_service = IndicatorService()
