"""The results of a survey: figures per question, crosstabs, publication. Services flush,
never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.surveys import RESULTS_PUBLISHED, ResultsPublished
from kit.identity import Identity
from kit.models import utcnow
from kit.problems import InvalidInput
from surveys.actors.repository import known_actor_repository
from surveys.answers.repository import answer_repository
from surveys.db import outbox
from surveys.questionnaires import policies as questionnaire_policies
from surveys.questionnaires.errors import SurveyNotFound
from surveys.questionnaires.models import Survey
from surveys.questionnaires.repository import survey_repository
from surveys.responses.repository import response_repository
from surveys.results import policies
from surveys.results.crosstab import (
    ATTRIBUTES,
    MAX_BY,
    SINGLE_VALUED,
    UnknownAttribute,
    check_by,
    crosstab_supported,
    crosstab_tally,
)
from surveys.results.cuts import Filters, attributes_of, questions_of, shape_of
from surveys.results.errors import PrivateAttribute, ResultsNotFound
from surveys.results.models import ResultSettings
from surveys.results.policies import Publication
from surveys.results.repository import SubmittedRow, result_repository
from surveys.results.schemas import ResultSettingsRead
from surveys.results.statistics import response_rate, summarise_tally
from surveys.results.suppression import DEFAULT_K
from surveys.results.tally import FREE_TEXT_TYPES, Tally, add


@dataclass(frozen=True)
class Answered:
    """A submitted response with its respondent's attributes."""

    answers: dict[str, Any]
    attributes: dict[str, Any]
    actor_id: uuid.UUID | None = None


def publication_of(settings: ResultSettings | None) -> Publication:
    if settings is None:
        return Publication()
    return Publication(k=settings.k, published=settings.published_at is not None)


class ResultService:
    def to_read(self, settings: ResultSettings) -> ResultSettingsRead:
        """A survey's result settings as the API shows them."""
        return ResultSettingsRead(
            survey_id=settings.survey_id,
            k=settings.k,
            published=settings.published_at is not None,
            published_at=settings.published_at,
        )

    async def readable(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity
    ) -> tuple[Survey, Publication]:
        """The survey and how its results are published, if the caller may read them.

        To whoever is not staff an unknown survey and unpublished results are the same 404.
        """
        survey = await survey_repository.get(session, survey_id)
        publication = publication_of(await result_repository.settings(session, survey_id))
        if survey is None or not questionnaire_policies.may_see(identity, survey.status):
            if identity.is_staff:
                raise SurveyNotFound(f"No survey with id {survey_id}.")
            raise ResultsNotFound(f"No published results for survey {survey_id}.")
        if not policies.may_read_results(identity, publication):
            raise ResultsNotFound(f"No published results for survey {survey_id}.")
        return survey, publication

    def check_filters(self, identity: Identity, filters: Filters) -> None:
        for name in filters.names:
            if not policies.may_use_attribute(identity, name):
                raise PrivateAttribute(f"query.{name}")

    async def _scope(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        identity: Identity,
        filters: Filters,
        version: int | None,
    ) -> tuple[Survey, Publication, list[dict[str, Any]]]:
        survey, publication = await self.readable(session, survey_id=survey_id, identity=identity)
        self.check_filters(identity, filters)
        versions = await result_repository.versions(session, survey.id)
        if version is not None and version not in {v.number for v in versions}:
            raise InvalidInput("query.version", f"survey {survey.id} has no version {version}")
        definitions = [v.definition for v in versions] or [{"sections": survey.sections}]
        return survey, publication, questions_of(definitions)

    async def answered(
        self,
        session: AsyncSession,
        survey_id: uuid.UUID,
        *,
        version: int | None = None,
        only: str | None = None,
    ) -> list[Answered]:
        """The submitted responses of a survey with their respondents' attributes (with
        ``only``, the answers to that question alone)."""
        rows = await result_repository.submitted(session, survey_id, version=version, only=only)
        return await self._with_attributes(session, rows)

    async def questions(self, session: AsyncSession, survey: Survey) -> list[dict[str, Any]]:
        """The questions of every published version (newest definition of each code)."""
        versions = await result_repository.versions(session, survey.id)
        return questions_of([v.definition for v in versions] or [{"sections": survey.sections}])

    async def questions_of(
        self, session: AsyncSession, surveys: Sequence[Survey]
    ) -> dict[uuid.UUID, list[dict[str, Any]]]:
        """:meth:`questions` of several surveys, in one query."""
        versions = await result_repository.versions_of(session, [s.id for s in surveys])
        return {
            s.id: questions_of([v.definition for v in versions[s.id]] or [{"sections": s.sections}])
            for s in surveys
        }

    async def publications(
        self, session: AsyncSession, survey_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Publication]:
        settings = await result_repository.settings_of(session, survey_ids)
        return {s: publication_of(settings.get(s)) for s in survey_ids}

    async def publication(self, session: AsyncSession, survey_id: uuid.UUID) -> Publication:
        return publication_of(await result_repository.settings(session, survey_id))

    async def _with_attributes(
        self, session: AsyncSession, rows: Sequence[SubmittedRow]
    ) -> list[Answered]:
        # A response keeps its actor's profile as it was when submitted; older ones (or a
        # response without a profile) fall back on the actor as the projection knows it.
        missing = {r.actor_id for r in rows if not r.profile and r.actor_id is not None}
        actors = await known_actor_repository.get_many(session, missing)
        out = []
        for row in rows:
            source: dict[str, Any] | None = row.profile
            actor = actors.get(row.actor_id) if row.actor_id is not None else None
            if not source and actor is not None:
                source = actor.profile()
            out.append(Answered(row.answers or {}, attributes_of(source), row.actor_id))
        return out

    async def results(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        identity: Identity,
        filters: Filters,
        version: int | None,
        as_public: bool = False,
        counted_ahead: bool = True,
    ) -> dict[str, Any]:
        """Every question's figures. ``counted_ahead=False`` counts the atoms even without
        filters instead of reading ``answer_counts`` (the plain path, for comparison)."""
        survey, publication, found = await self._scope(
            session, survey_id=survey_id, identity=identity, filters=filters, version=version
        )
        k = policies.threshold_for(identity, publication, as_public=as_public)
        # Counted in the database: answer_counts without filters, else a GROUP BY of atoms.
        tallies = await answer_repository.tallies(
            session,
            survey.id,
            version=version,
            filters=filters.values,
            counted_ahead=counted_ahead,
        )
        texts: dict[str, list[str]] = {}
        if k is None:  # staff read the free text, from the responses themselves
            free = [q["code"] for q in found if q.get("type") in FREE_TEXT_TYPES]
            texts = await answer_repository.free_texts(
                session, survey.id, free, version=version, filters=filters.values
            )
        questions = []
        for question in found:
            shape = shape_of(question)
            if not shape.has_figures:
                continue
            tally = tallies.get(shape.code, Tally())
            if shape.code in texts:
                tally = Tally(tally.atoms, tuple(texts[shape.code]))
            summary = summarise_tally(shape, tally, k=k)
            questions.append({**summary, "label": question.get("label")})
        count = await answer_repository.respondents(
            session, survey.id, version=version, filters=filters.values
        )
        return {
            "survey_id": survey.id,
            "series": survey.series,
            "version": version,
            "k": k,
            "published": publication.published,
            "filters": filters.as_dict(),
            "respondents": None if k is not None and 0 < count < k else count,
            "response_rate": await self._response_rate(session, survey, filters, k, count),
            "questions": questions,
        }

    async def _response_rate(
        self,
        session: AsyncSession,
        survey: Survey,
        filters: Filters,
        k: int | None,
        respondents: int,
    ) -> dict[str, Any]:
        statuses = await result_repository.invitation_statuses(session, survey.id)
        if filters.values:
            ids = {actor_id for actor_id, _ in statuses if actor_id is not None}
            actors = await known_actor_repository.get_many(session, ids)

            def kept(actor_id: uuid.UUID | None) -> bool:
                actor = actors.get(actor_id) if actor_id is not None else None
                if actor is None:
                    return False
                return filters.keeps(attributes_of(actor.profile()))

            statuses = [(a, s) for a, s in statuses if kept(a)]
        counted = [s for _, s in statuses]
        return response_rate(
            invited=len(counted),
            partial=counted.count("partial"),
            submitted=counted.count("submitted"),
            k=k,
            respondents=respondents,
        )

    async def crosstab(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        identity: Identity,
        question: str,
        by: list[str],
        filters: Filters,
        version: int | None,
        as_public: bool = False,
    ) -> dict[str, Any]:
        try:
            check_by(by)
        except UnknownAttribute as exc:
            raise InvalidInput("query.by", str(exc)) from exc
        except ValueError as exc:
            raise InvalidInput(
                "query.by", f"{exc}: at most {MAX_BY} among {', '.join(ATTRIBUTES)}"
            ) from exc
        for name in by:
            if not policies.may_use_attribute(identity, name):
                raise PrivateAttribute("query.by")
        survey, publication, found_questions = await self._scope(
            session, survey_id=survey_id, identity=identity, filters=filters, version=version
        )
        found = next((q for q in found_questions if q.get("code") == question), None)
        if found is None:
            raise InvalidInput("query.question", f"no question {question!r} in this survey")
        shape = shape_of(found)
        if not crosstab_supported(shape):
            raise InvalidInput("query.question", f"a {shape.type} question has no counts to cut")
        k = policies.threshold_for(identity, publication, as_public=as_public)
        rows = await answer_repository.tallies_by_cut(
            session, [survey.id], question, by, version=version, filters=filters.values
        )
        if all(name in SINGLE_VALUED for name in by):  # one cut per response: they add up
            overall = add(rows[survey.id].values())
        else:
            found = await answer_repository.tallies(
                session, survey.id, version=version, filters=filters.values, questions=[question]
            )
            overall = found.get(question, Tally())
        table = crosstab_tally(shape, overall, rows[survey.id], by, k=k)
        return {
            "survey_id": survey.id,
            "k": k,
            "filters": filters.as_dict(),
            **table,
        }

    async def settings(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity
    ) -> ResultSettings:
        survey, _ = await self.readable(session, survey_id=survey_id, identity=identity)
        current = await result_repository.settings(session, survey.id)
        return current or ResultSettings(survey_id=survey.id, k=DEFAULT_K, updated_at=utcnow())

    async def publish(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity, k: int | None
    ) -> ResultSettings:
        """Publish (or re-publish with another ``k``): everyone reads them from now on."""
        survey, _ = await self.readable(session, survey_id=survey_id, identity=identity)
        settings = await result_repository.lock_settings(session, survey.id)
        if settings is None:
            settings = ResultSettings(survey_id=survey.id, k=DEFAULT_K)
            session.add(settings)
        settings.k = k if k is not None else settings.k or DEFAULT_K
        now = utcnow()
        settings.published_at, settings.published_by = now, identity.subject
        settings.updated_at = now
        await session.flush()
        submitted = await response_repository.count_submitted(session, survey.id)
        payload = ResultsPublished(
            survey_id=survey.id,
            series=survey.series,
            k=settings.k,
            respondents=None if 0 < submitted < settings.k else submitted,
            published_at=now,
        )
        await outbox.emit(
            session,
            type=RESULTS_PUBLISHED,
            subject=str(survey.id),
            data=payload.model_dump(mode="json"),
        )
        await self._series_changed(session, survey)
        return settings

    async def unpublish(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity
    ) -> ResultSettings:
        survey, _ = await self.readable(session, survey_id=survey_id, identity=identity)
        settings = await result_repository.lock_settings(session, survey.id)
        if settings is None:
            settings = ResultSettings(survey_id=survey.id, k=DEFAULT_K)
            session.add(settings)
        settings.published_at, settings.published_by = None, None
        settings.updated_at = utcnow()
        await session.flush()
        await self._series_changed(session, survey)
        return settings

    async def _series_changed(self, session: AsyncSession, survey: Survey) -> None:
        # The public indicators of the series gain or lose this wave.
        from surveys.indicators.service import indicator_service  # noqa: PLC0415 (cycle)

        await indicator_service.announce_series(session, survey.series)


result_service = ResultService()
