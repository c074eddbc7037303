"""Every query on the counted answers: writing a response's rows, and the tallies results,
crosstabs and indicators are made of (``GROUP BY`` in the database, on both backends)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from surveys.answers.models import AnswerCount, AnswerValue, ResponseCut, ResponseTag
from surveys.responses.models import Response
from surveys.results.suppression import TOTAL
from surveys.results.tally import ANSWER, Tally, stored_value

#: Cut names whose values sit in ``response_tags`` (a response may have several).
TAGGED = ("type", "club", "theme", "training_theme")
#: Single-valued cuts: columns of ``response_cuts``.
COLUMNS = {
    "circle": ResponseCut.circle,
    "department": ResponseCut.department,
    "region": ResponseCut.region,
    "member": ResponseCut.member,
    "training": ResponseCut.training,
    "year": ResponseCut.year,
}

Filter = Mapping[str, frozenset[Any]]


def _kept(survey_ids: Sequence[uuid.UUID], version: int | None, filters: Filter) -> sa.Select[Any]:
    """The ids of the submitted responses kept by ``version`` and ``filters``."""
    query = sa.select(ResponseCut.response_id).where(ResponseCut.survey_id.in_(survey_ids))
    if version is not None:
        query = query.where(ResponseCut.version == version)
    for name, wanted in filters.items():
        if name in TAGGED:
            tag = sa.select(ResponseTag.response_id).where(
                ResponseTag.response_id == ResponseCut.response_id,
                ResponseTag.attribute == name,
                ResponseTag.value.in_(sorted(map(str, wanted))),
            )
            query = query.where(tag.exists())
        else:
            query = query.where(COLUMNS[name].in_(sorted(wanted, key=str)))
    return query


def _tallies(rows: Any) -> dict[str, Tally]:
    """Rows of (question, item, text, number, respondents) as each question's tally."""
    atoms: dict[str, Counter[Any]] = {}
    for question, item, text, number, count in rows:
        key = (item, stored_value(text, number))
        atoms.setdefault(question, Counter())[key] += int(count)
    return {question: Tally(dict(counted)) for question, counted in atoms.items()}


def _cut_column(name: str) -> Any:
    return COLUMNS[name]


_COUNTED = tuple(
    cast(sa.Table, model.__table__) for model in (AnswerValue, ResponseTag, ResponseCut)
)
# Built once (a submission writes them): Core statements on the tables, keys bound at each
# execution, so no statement is built, cache-keyed or run through the ORM's bulk path again.
_DELETE_COUNTED = [
    sa.delete(table).where(table.c.response_id == sa.bindparam("counted_response_id"))
    for table in _COUNTED
]
_INSERT_VALUES, _INSERT_TAGS, _INSERT_CUT = (sa.insert(table) for table in _COUNTED)


class AnswerRepository:
    async def replace(
        self,
        session: AsyncSession,
        response_id: uuid.UUID,
        *,
        values: Sequence[dict[str, Any]],
        cut: dict[str, Any],
        tags: Sequence[dict[str, Any]],
        first: bool = False,
    ) -> None:
        """A response's rows, replaced whole (an edit after its submission), or written
        (``first``: its first submission, which has none to delete, as the counted form is
        written for submitted responses only and a response never goes back to partial).

        The triggers on ``answer_values`` count its atoms in ``answer_counts``: rows shared by
        every response of the survey. On PostgreSQL they count at the commit, where the
        survey's submissions take turns for the counting and the commit only (migration
        0011), so nothing here waits for another submission; SQLite has one writer anyway."""
        if not first:
            for delete in _DELETE_COUNTED:
                await session.execute(delete, {"counted_response_id": response_id})
        await session.execute(_INSERT_CUT, [cut])
        if values:
            await session.execute(_INSERT_VALUES, list(values))
        if tags:
            await session.execute(_INSERT_TAGS, list(tags))

    async def respondents(
        self,
        session: AsyncSession,
        survey_id: uuid.UUID,
        *,
        version: int | None,
        filters: Filter,
    ) -> int:
        kept = _kept([survey_id], version, filters).subquery()
        return int(await session.scalar(sa.select(sa.func.count()).select_from(kept)) or 0)

    async def tallies(
        self,
        session: AsyncSession,
        survey_id: uuid.UUID,
        *,
        version: int | None,
        filters: Filter,
        questions: Sequence[str] | None = None,
        counted_ahead: bool = True,
    ) -> dict[str, Tally]:
        """Per question, how many respondents gave each atom: without filters, read from
        ``answer_counts`` (counted ahead); with filters, one ``GROUP BY`` over the atoms kept.
        ``counted_ahead=False`` counts the atoms even without filters (the plain path the
        counts are compared with)."""
        if not filters and counted_ahead:
            return await self._counted_ahead(
                session, survey_id, version=version, questions=questions
            )
        columns = (AnswerValue.question, AnswerValue.item, AnswerValue.text, AnswerValue.number)
        query = (
            sa.select(*columns, sa.func.count())
            .where(AnswerValue.survey_id == survey_id)
            .group_by(*columns)
        )
        if questions is not None:
            query = query.where(AnswerValue.question.in_(list(questions)))
        if version is not None:
            query = query.where(AnswerValue.version == version)
        if filters:
            query = query.where(AnswerValue.response_id.in_(_kept([survey_id], version, filters)))
        return _tallies(await session.execute(query))

    async def _counted_ahead(
        self,
        session: AsyncSession,
        survey_id: uuid.UUID,
        *,
        version: int | None,
        questions: Sequence[str] | None,
    ) -> dict[str, Tally]:
        columns = (AnswerCount.question, AnswerCount.item, AnswerCount.text, AnswerCount.number)
        total = sa.func.sum(AnswerCount.respondents)
        query = (
            sa.select(*columns, total)
            .where(AnswerCount.survey_id == survey_id)
            .group_by(*columns)  # the versions added up
            .having(total > 0)
        )
        if questions is not None:
            query = query.where(AnswerCount.question.in_(list(questions)))
        if version is not None:
            query = query.where(AnswerCount.version == version)
        return _tallies(await session.execute(query))

    async def tallies_by_cut(
        self,
        session: AsyncSession,
        survey_ids: Sequence[uuid.UUID],
        question: str,
        by: Sequence[str],
        *,
        version: int | None,
        filters: Filter,
    ) -> dict[uuid.UUID, dict[tuple[Any, ...], Tally]]:
        """One question's tallies per survey and per cut of ``by`` (a response with several
        tags of a tagged cut counts in each; without any, in the cut ``None``)."""
        source: Any = sa.join(
            AnswerValue, ResponseCut, AnswerValue.response_id == ResponseCut.response_id
        )
        keys: list[Any] = []
        for index, name in enumerate(by):
            if name in TAGGED:
                tag = aliased(ResponseTag, name=f"tag_{index}")
                source = source.outerjoin(
                    tag,
                    sa.and_(tag.response_id == AnswerValue.response_id, tag.attribute == name),
                )
                keys.append(tag.value)
            else:
                keys.append(_cut_column(name))
        atom = (AnswerValue.item, AnswerValue.text, AnswerValue.number)
        query = (
            sa.select(AnswerValue.survey_id, *keys, *atom, sa.func.count())
            .select_from(source)
            .where(AnswerValue.survey_id.in_(list(survey_ids)), AnswerValue.question == question)
            .group_by(AnswerValue.survey_id, *keys, *atom)
        )
        if version is not None:
            query = query.where(AnswerValue.version == version)
        if filters:
            query = query.where(AnswerValue.response_id.in_(_kept(survey_ids, version, filters)))
        found: dict[uuid.UUID, dict[tuple[Any, ...], Counter[Any]]] = {s: {} for s in survey_ids}
        width = len(by)
        for row in await session.execute(query):
            survey_id, cut = row[0], tuple(row[1 : 1 + width])
            item, text, number, count = row[1 + width :]
            counted = found[survey_id].setdefault(cut, Counter())
            counted[(item, stored_value(text, number))] += count
        return {
            survey_id: {cut: Tally(dict(counted)) for cut, counted in cuts.items()}
            for survey_id, cuts in found.items()
        }

    async def ticked_any(
        self,
        session: AsyncSession,
        survey_ids: Sequence[uuid.UUID],
        question: str,
        items: Sequence[str],
        *,
        by: str | None,
    ) -> dict[uuid.UUID, Counter[Any]]:
        """Per survey (and cut of ``by``), respondents who ticked at least one of ``items``."""
        hit = (
            sa.select(AnswerValue.survey_id, AnswerValue.response_id)
            .where(
                AnswerValue.survey_id.in_(list(survey_ids)),
                AnswerValue.question == question,
                AnswerValue.item.in_(list(items)),
                AnswerValue.item != ANSWER,
            )
            .distinct()
            .subquery()
        )
        found: dict[uuid.UUID, Counter[Any]] = {s: Counter() for s in survey_ids}
        total = sa.select(hit.c.survey_id, sa.func.count()).group_by(hit.c.survey_id)
        for survey_id, count in await session.execute(total):
            found[survey_id][TOTAL] = count
        if by is not None:
            if by in TAGGED:
                tag = aliased(ResponseTag)
                source: Any = hit.outerjoin(
                    tag, sa.and_(tag.response_id == hit.c.response_id, tag.attribute == by)
                )
                key: Any = tag.value
            else:
                source = hit.join(ResponseCut, ResponseCut.response_id == hit.c.response_id)
                key = _cut_column(by)
            query = sa.select(hit.c.survey_id, key, sa.func.count()).select_from(source)
            for survey_id, cut, count in await session.execute(
                query.group_by(hit.c.survey_id, key)
            ):
                found[survey_id][cut] = count
        return found

    async def free_texts(
        self,
        session: AsyncSession,
        survey_id: uuid.UUID,
        questions: Sequence[str],
        *,
        version: int | None,
        filters: Filter,
    ) -> dict[str, list[str]]:
        """The free-text answers to ``questions`` (staff only), read from the responses."""
        if not questions:
            return {}
        kept = _kept([survey_id], version, filters)
        rows = await session.execute(
            sa.select(Response.answers).where(Response.id.in_(kept)).order_by(Response.id)
        )
        out: dict[str, list[str]] = {code: [] for code in questions}
        for (answers,) in rows:
            for code in questions:
                value = (answers or {}).get(code)
                if value not in (None, "", []):
                    out[code].append(str(value))
        return out


answer_repository = AnswerRepository()
