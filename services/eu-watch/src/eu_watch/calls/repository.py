"""Every query on calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from contracts.vocabularies import CallStatus
from eu_watch.calls.filters import CallFilters
from eu_watch.calls.models import Call, CallDeadline, CallSearch, CallTheme
from eu_watch.calls.policies import BRUSSELS
from eu_watch.calls.search import (
    INDEXED_FIELDS,
    THEME_TALLIES,
    QueryStem,
    fts5_match,
    index_terms,
    query_groups,
    theme_bits,
    theme_tallies,
    themes_counted,
    tsquery_text,
)
from kit.db import dialect_of
from kit.sqltypes import UtcDateTime

#: Where calls without a deadline sort (last), as a value a cursor can hold.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
_FTS = sa.table("calls_fts", sa.column("rowid"))
_VECTOR: sa.ColumnClause[Any] = sa.literal_column("call_search.vector")
FACET_LIMIT = 50
Column = sa.ColumnElement[Any] | QueryableAttribute[Any]
#: What matching reads of a call (``eu_watch.matching.service.profile_of``) and the EU-projects
#: reason (``eu_watch.cordis.service.CordisService.reason_for``).
CALL_PROFILE_COLUMNS = (
    Call.id,
    Call.identifier,
    Call.themes,
    Call.keywords,
    Call.cross_cutting_priorities,
    Call.type_of_action,
    Call.regions,
)


def _forthcoming(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(CallSearch.opening_date.is_not(None), CallSearch.opening_date > today)


def _passed(now: datetime) -> sa.ColumnElement[bool]:
    # No cut-off sorts as NO_DEADLINE: never passed.
    return CallSearch.sort_deadline < now


def status_condition(status: CallStatus, *, now: datetime, today: date) -> sa.ColumnElement[bool]:
    """The calls in ``status`` now, from their dates (what :func:`derive_status` says), over
    their ``call_search`` row."""
    if status is CallStatus.FORTHCOMING:
        return _forthcoming(today)
    if status is CallStatus.CLOSED:
        return sa.and_(sa.not_(_forthcoming(today)), _passed(now))
    return sa.and_(sa.not_(_forthcoming(today)), sa.not_(_passed(now)))


def status_case(*, now: datetime, today: date) -> sa.ColumnElement[str]:
    return sa.case(
        (status_condition(CallStatus.FORTHCOMING, now=now, today=today), "forthcoming"),
        (status_condition(CallStatus.CLOSED, now=now, today=today), "closed"),
        else_="open",
    )


#: The statuses as the facets group calls: by a small number, cheaper to compare and sort.
STATUS_CODES = (CallStatus.FORTHCOMING, CallStatus.CLOSED, CallStatus.OPEN)


def status_code(*, now: datetime, today: date) -> sa.ColumnElement[int]:
    """The index in ``STATUS_CODES`` of a ``call_search`` row's status now (what
    :func:`status_case` says, each branch asking only what the ones before left open)."""
    return sa.case((_forthcoming(today), 0), (_passed(now), 1), else_=2)


def facet_filter(facet: str, filters: CallFilters, column: Column) -> sa.ColumnElement[bool] | None:
    """The filter of a column facet (programme, type of action, theme, funder) over the
    ``column`` holding its value (a ``call_search`` column, or a group's key when facets are
    counted), or None when the filter is unset."""
    if facet == "programme" and filters.programmes:
        programme = sa.func.lower(column)
        return sa.or_(
            *(
                sa.or_(programme == p.lower(), programme.endswith(f"({p.lower()})"))
                for p in filters.programmes
            )
        )
    if facet == "type_of_action" and filters.type_of_action:
        return sa.func.lower(column).contains(filters.type_of_action.lower(), autoescape=True)
    if facet == "theme" and filters.themes:
        return column.op("&")(theme_bits(t.value for t in filters.themes)) != 0
    if facet == "funder" and filters.funders:
        return sa.func.lower(column).in_([f.lower() for f in filters.funders])
    return None


def _brussels_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS).astimezone(UTC)


def _add_up(found: dict[str, int], facet: str, group: sa.RowMapping) -> None:
    """Add a group of the facet counts (its calls, or the sums of its theme tallies) to the
    counts of ``facet``."""
    if facet == "theme":
        sums = (group[f"tally_{k}"] for k in range(THEME_TALLIES))
        for theme, number in themes_counted(sums).items():
            found[theme] = found.get(theme, 0) + number
    elif (value := group[facet]) is not None:
        key = STATUS_CODES[value].value if facet == "status" else str(value)
        found[key] = found.get(key, 0) + int(group["calls"])


class CallRepository:
    async def get(self, session: AsyncSession, call_id: uuid.UUID) -> Call | None:
        call = await session.get(Call, call_id)
        return call if call is not None and call.deleted_at is None else None

    async def by_ids(self, session: AsyncSession, call_ids: Sequence[uuid.UUID]) -> Sequence[Call]:
        if not call_ids:
            return []
        return (await session.scalars(sa.select(Call).where(Call.id.in_(call_ids)))).all()

    async def fingerprints(
        self, session: AsyncSession, identifiers: Iterable[str]
    ) -> dict[str, str | None]:
        """Identifier → the source hash last written, for those of ``identifiers`` we hold."""
        wanted = list(set(identifiers))
        if not wanted:
            return {}
        rows = await session.execute(
            sa.select(Call.identifier, Call.source_hash).where(Call.identifier.in_(wanted))
        )
        return {str(identifier): source_hash for identifier, source_hash in rows}

    async def by_identifiers(
        self, session: AsyncSession, identifiers: Iterable[str]
    ) -> dict[str, Call]:
        wanted = list(set(identifiers))
        if not wanted:
            return {}
        rows = await session.scalars(
            sa.select(Call).where(Call.identifier.in_(wanted)).order_by(Call.id).with_for_update()
        )
        return {call.identifier: call for call in rows}

    async def status_moves_due(
        self, session: AsyncSession, *, now: datetime, today: date, limit: int
    ) -> Sequence[Call]:
        """Calls whose stored status the dates no longer support: opened, or past their last
        cut-off (locked, oldest first)."""
        opened = sa.and_(
            Call.status == CallStatus.FORTHCOMING.value,
            sa.or_(Call.opening_date.is_(None), Call.opening_date <= today),
        )
        passed = sa.and_(
            Call.status != CallStatus.CLOSED.value,
            Call.final_deadline.is_not(None),
            Call.final_deadline < now,
        )
        query = (
            sa.select(Call)
            .where(Call.deleted_at.is_(None), sa.or_(opened, passed))
            .order_by(Call.id)
            .limit(limit)
            .with_for_update()
        )
        return (await session.scalars(query)).all()

    async def write_index(
        self, session: AsyncSession, calls: Sequence[Call], *, replace: bool
    ) -> None:
        """Write the search rows of ``calls`` (terms, cut-offs, themes), in the caller's
        transaction, replacing their old ones when asked."""
        if not calls:
            return
        if replace:
            await self.drop_index(session, [call.id for call in calls])
        await session.execute(
            sa.insert(CallSearch),
            [
                {
                    "call_id": call.id,
                    "terms": index_terms({f: getattr(call, f) for f in INDEXED_FIELDS}),
                    "opening_date": call.opening_date,
                    "sort_deadline": call.final_deadline or NO_DEADLINE,
                    "programme": call.programme,
                    "type_of_action": call.type_of_action,
                    "funder": call.funder,
                    "budget_total_eur": call.budget_total_eur,
                    "theme_bits": bits,
                    **{f"theme_tally_{k}": tally for k, tally in enumerate(theme_tallies(bits))},
                }
                for call in calls
                for bits in [theme_bits(t["theme"] for t in call.themes)]
            ],
        )
        deadlines = [
            {"call_id": call.id, "deadline": moment}
            for call in calls
            for moment in {datetime.fromisoformat(d) for d in call.deadlines}
        ]
        if deadlines:
            await session.execute(sa.insert(CallDeadline), deadlines)
        themes = [
            {"call_id": call.id, "theme": theme}
            for call in calls
            for theme in dict.fromkeys(t["theme"] for t in call.themes)
        ]
        if themes:
            await session.execute(sa.insert(CallTheme), themes)

    async def drop_index(self, session: AsyncSession, call_ids: Sequence[uuid.UUID]) -> None:
        """Remove the search rows of ``call_ids`` (a removed call is found no more)."""
        for table in (CallSearch, CallDeadline, CallTheme):
            await session.execute(sa.delete(table).where(table.call_id.in_(call_ids)))

    def conditions(
        self, session: AsyncSession, filters: CallFilters, *, now: datetime
    ) -> list[sa.ColumnElement[bool]]:
        """The WHERE clauses of ``filters`` over ``calls`` (live calls only)."""
        return [
            Call.deleted_at.is_(None),
            Call.id.in_(
                sa.select(CallSearch.call_id).where(*self.indexed(session, filters, now=now))
            ),
        ]

    def indexed(
        self,
        session: AsyncSession,
        filters: CallFilters,
        *,
        now: datetime,
        in_deadline_order: bool = False,
    ) -> list[sa.ColumnElement[bool]]:
        """The WHERE clauses of ``filters`` over ``call_search`` (whose rows are the live
        calls'); none when no filter is set. ``in_deadline_order``: the rows are read by the
        deadline index (see :meth:`_matching`)."""
        today = now.astimezone(BRUSSELS).date()
        where: list[sa.ColumnElement[bool]] = []
        groups = query_groups(filters.q) if filters.q else []
        if groups:
            where.append(self._matching(session, groups, in_deadline_order=in_deadline_order))
        if filters.statuses:
            where.append(
                sa.or_(*(status_condition(s, now=now, today=today) for s in filters.statuses))
            )
        columns: tuple[tuple[str, Column], ...] = (
            ("programme", CallSearch.programme),
            ("type_of_action", CallSearch.type_of_action),
            ("theme", CallSearch.theme_bits),
            ("funder", CallSearch.funder),
        )
        for facet, column in columns:
            if (condition := facet_filter(facet, filters, column)) is not None:
                where.append(condition)
        if filters.deadline_from or filters.deadline_to:
            cut_offs = sa.select(CallDeadline.call_id)
            if filters.deadline_from:
                cut_offs = cut_offs.where(
                    CallDeadline.deadline >= _brussels_day_start(filters.deadline_from)
                )
            if filters.deadline_to:
                cut_offs = cut_offs.where(
                    CallDeadline.deadline
                    < _brussels_day_start(filters.deadline_to + timedelta(days=1))
                )
            where.append(CallSearch.call_id.in_(cut_offs))
        if filters.min_budget is not None:
            where.append(CallSearch.budget_total_eur >= filters.min_budget)
        if filters.ids is not None:
            where.append(CallSearch.call_id.in_(list(filters.ids)))
        return where

    def _matching(
        self,
        session: AsyncSession,
        groups: list[tuple[QueryStem, ...]],
        *,
        in_deadline_order: bool = False,
    ) -> sa.ColumnElement[bool]:
        """The ``call_search`` rows whose words match ``groups``.

        On SQLite, a page in deadline order asks ``rowid_ + 0`` to be in the matches: the
        expression cannot look rows up by their rowid, so SQLite walks the deadline index
        and keeps the rows whose rowid is in the matches (a lookup in the list it built once)
        until the page is full. Looked up by rowid, every match (half the calls for a common
        word) was read, filtered and sorted for 20 of them: 26 ms against 1 ms."""
        if dialect_of(session) == "postgresql":
            return _VECTOR.op("@@")(sa.func.to_tsquery("simple", tsquery_text(groups)))
        rowids = sa.select(_FTS.c.rowid).where(
            sa.literal_column("calls_fts").op("MATCH")(fts5_match(groups))
        )
        rowid = CallSearch.rowid_ + 0 if in_deadline_order else CallSearch.rowid_
        return rowid.in_(rowids)

    async def search(
        self,
        session: AsyncSession,
        filters: CallFilters,
        *,
        now: datetime,
        sort: str,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[Call]:
        """A page of live calls by deadline (soonest last cut-off first), last update
        (newest first) or relevance (``after`` is then the offset)."""
        if sort == "deadline":
            return await self._by_deadline(session, filters, now=now, after=after, limit=limit)
        query = (
            sa.select(Call)
            .join(CallSearch, CallSearch.call_id == Call.id)
            .where(*self.indexed(session, filters, now=now))
        )
        if sort == "relevance":
            rank = self._ranks(session, query_groups(filters.q or ""))
            offset = int(after[0]) if after else 0
            query = (
                query.join(rank, rank.c.call_id == Call.id)
                .order_by(rank.c.rank, Call.id)
                .offset(offset)
            )
        else:
            if after is not None:
                query = query.where(sa.tuple_(Call.updated_at, Call.id) < sa.tuple_(*after))
            query = query.order_by(Call.updated_at.desc(), Call.id.desc())
        return (await session.scalars(query.limit(limit))).all()

    async def _by_deadline(
        self,
        session: AsyncSession,
        filters: CallFilters,
        *,
        now: datetime,
        after: list[Any] | None,
        limit: int,
    ) -> Sequence[Call]:
        """The page's index rows first (the deadline index, read from the cursor on, or the
        text index's matches sorted), then their calls: only the page's calls are read."""
        page = sa.select(CallSearch.call_id, CallSearch.sort_deadline).where(
            *self.indexed(session, filters, now=now, in_deadline_order=True)
        )
        if after is not None:
            page = page.where(
                sa.tuple_(CallSearch.sort_deadline, CallSearch.call_id)
                > sa.tuple_(sa.literal(after[0], UtcDateTime()), sa.literal(after[1]))
            )
        rows = page.order_by(CallSearch.sort_deadline, CallSearch.call_id).limit(limit).subquery()
        query = (
            sa.select(Call)
            .join(rows, rows.c.call_id == Call.id)
            .order_by(rows.c.sort_deadline, rows.c.call_id)
        )
        return (await session.scalars(query)).all()

    async def could_suit(
        self,
        session: AsyncSession,
        filters: CallFilters,
        *,
        now: datetime,
        themes: Iterable[str],
        stems: Iterable[str],
        within: int,
    ) -> Sequence[sa.Row[Any]]:
        """Among the first ``within`` calls of the list by deadline, those that share one of
        ``themes`` or whose words hold one of ``stems`` whole, in the list's order (soonest
        last cut-off first), as the columns matching reads (``CALL_PROFILE_COLUMNS``).

        Every call an actor can match is among them (a call term found in its description has
        its words' stems among the call's words), and others may be: the caller scores them."""
        where = self.indexed(session, filters, now=now, in_deadline_order=True)
        order = (CallSearch.sort_deadline, CallSearch.call_id)
        could: list[sa.ColumnElement[bool]] = []
        themes = set(themes)
        if bits := theme_bits(themes):
            could.append(CallSearch.theme_bits.op("&")(bits) != 0)
        if unbitted := sorted(t for t in themes if not theme_bits([t])):  # none today
            could.append(
                CallSearch.call_id.in_(
                    sa.select(CallTheme.call_id).where(CallTheme.theme.in_(unbitted))
                )
            )
        if wanted := tuple(dict.fromkeys(QueryStem(s, prefix=False) for s in stems)):
            could.append(self._matching(session, [wanted], in_deadline_order=True))
        if not could:
            return []
        # The last of the first ``within`` calls the filters select bounds the ones read.
        last = (
            await session.execute(
                sa.select(*order).where(*where).order_by(*order).offset(within - 1).limit(1)
            )
        ).first()
        if last is not None:
            where.append(
                sa.tuple_(*order)
                <= sa.tuple_(sa.literal(last[0], UtcDateTime()), sa.literal(last[1], sa.Uuid))
            )
        query = (
            sa.select(*CALL_PROFILE_COLUMNS)
            .select_from(CallSearch)
            .join(Call, Call.id == CallSearch.call_id)
            .where(*where, sa.or_(*could))
            .order_by(*order)
        )
        return (await session.execute(query)).all()

    def _ranks(self, session: AsyncSession, groups: list[tuple[QueryStem, ...]]) -> sa.Subquery:
        """Call id → rank (lower is better) for the calls matching ``groups``."""
        if dialect_of(session) == "postgresql":
            tsquery = sa.func.to_tsquery("simple", tsquery_text(groups))
            return (
                sa.select(CallSearch.call_id, (-sa.func.ts_rank(_VECTOR, tsquery)).label("rank"))
                .where(_VECTOR.op("@@")(tsquery))
                .subquery()
            )
        match = sa.literal_column("calls_fts").op("MATCH")(fts5_match(groups))
        return (
            sa.select(
                CallSearch.call_id, sa.func.bm25(sa.literal_column("calls_fts")).label("rank")
            )
            .select_from(CallSearch)
            .join(_FTS, _FTS.c.rowid == CallSearch.rowid_)
            .where(match)
            .subquery()
        )

    async def changed_since(
        self,
        session: AsyncSession,
        filters: CallFilters,
        *,
        now: datetime,
        since: datetime,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Call]:
        """Calls changed at or after ``since``, oldest change first: the live ones the
        filters select, and every removed one (a tombstone)."""
        live = sa.and_(*self.conditions(session, filters, now=now))
        query = sa.select(Call).where(
            Call.updated_at >= since, sa.or_(Call.deleted_at.is_not(None), live)
        )
        if after is not None:
            query = query.where(sa.tuple_(Call.updated_at, Call.id) > sa.tuple_(*after))
        query = query.order_by(Call.updated_at, Call.id).limit(limit)
        return (await session.scalars(query)).all()

    async def facet_counts(
        self,
        session: AsyncSession,
        filters: CallFilters,
        facets: Sequence[str],
        *,
        now: datetime,
    ) -> dict[str, list[tuple[str, int]]]:
        """Per facet, (value, count) among the calls the other filters select (a facet's own
        filter is left out, so a user can widen it), most frequent first, at most
        ``FACET_LIMIT``.

        The calls every facet counts (the filters of the facets asked for left out) are
        grouped once by the values of the other facets (the status as a number), and by
        whether the theme filter holds when another facet counts under it; each group
        counts its calls and sums their theme tallies (:func:`theme_tallies`: three themes
        to a number), so the groups stay few (a few dozen) whatever the themes. Whether the
        other facets' filters hold is a function of the group's values, so it is asked of
        each group (the same SQL conditions, over the group's key), and the groups are
        added up here per facet.

        A search matches about half the calls, and what is computed per call is what
        costs. Grouped by the themes' bits instead, 4,700 calls (``ocean``) made 1,250
        groups: SQLite sorted them by a text status, programme and bits (74 M instructions
        against 48 M now) and Python added up each group's themes (5-10 ms); PostgreSQL
        sorted them (10 ms). Eighteen sums of a bit each, one per theme, cost SQLite 58 M
        instructions and PostgreSQL 8 ms against 5. Joining the groups to the 18 themes
        in SQL cost PostgreSQL more than one pass (63 ms against 54 ms at load 10)."""
        wanted = list(dict.fromkeys(facets))
        base = filters
        for facet in wanted:
            base = base.without(facet)
        today = now.astimezone(BRUSSELS).date()
        valued = [facet for facet in wanted if facet != "theme"]
        keys = [
            (
                status_code(now=now, today=today)
                if facet == "status"
                else getattr(CallSearch, facet)
            ).label(facet)
            for facet in valued
        ]
        theme_filter = (
            facet_filter("theme", filters, CallSearch.theme_bits) if len(wanted) > 1 else None
        )
        if "theme" in wanted and theme_filter is not None:
            keys.append(sa.case((theme_filter, 1), else_=0).label("theme"))
        tallies = (
            [
                sa.func.sum(getattr(CallSearch, f"theme_tally_{k}")).label(f"tally_{k}")
                for k in range(THEME_TALLIES)
            ]
            if "theme" in wanted
            else []
        )
        groups = (
            sa.select(*keys, sa.func.count().label("calls"), *tallies)
            .where(*self.indexed(session, base, now=now))
            .group_by(*keys)
            .subquery("facet_groups")
        )
        own: dict[str, sa.ColumnElement[bool]] = {}
        for facet in wanted:
            if facet == "status":
                if filters.statuses:
                    codes = [STATUS_CODES.index(status) for status in filters.statuses]
                    own[facet] = groups.c.status.in_(codes)
            elif facet == "theme":
                if "theme" in groups.c:
                    own[facet] = groups.c.theme == 1
            elif (condition := facet_filter(facet, filters, groups.c[facet])) is not None:
                own[facet] = condition
        #: Facet → whether the other facets' filters hold for the group (absent: they do).
        held = {
            facet: sa.case((sa.and_(*others), True), else_=False).label(f"held_{facet}")
            for facet in wanted
            if (others := [own[other] for other in wanted if other != facet and other in own])
        }
        query = sa.select(
            groups.c.calls,
            *(groups.c[facet] for facet in valued),
            *(groups.c[f"tally_{k}"] for k in range(len(tallies))),
            *held.values(),
        )
        counted: dict[str, dict[str, int]] = {facet: {} for facet in wanted}
        for group in (await session.execute(query)).mappings():
            for facet in wanted:
                if facet not in held or group[f"held_{facet}"]:
                    _add_up(counted[facet], facet, group)
        return {
            facet: sorted(found.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
            for facet, found in counted.items()
        }

    async def batch_after(
        self, session: AsyncSession, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Call]:
        """Live calls in id order after ``after``, locked (a walk over every call)."""
        query = sa.select(Call).where(Call.deleted_at.is_(None))
        if after is not None:
            query = query.where(Call.id > after)
        return (await session.scalars(query.order_by(Call.id).limit(limit).with_for_update())).all()

    async def list_after(
        self, session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> Sequence[Call]:
        query = sa.select(Call).where(Call.deleted_at.is_(None))
        if after is not None:
            query = query.where(sa.tuple_(Call.created_at, Call.id) > sa.tuple_(*after))
        query = query.order_by(Call.created_at, Call.id).limit(limit)
        return (await session.scalars(query)).all()


call_repository = CallRepository()
