"""Matching calls and members, and suggesting consortia. Reads only; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.actors.errors import NotYourActor
from eu_watch.actors.repository import ActorFilters, ActorProfile, known_actor_repository
from eu_watch.calls.filters import CallFilters
from eu_watch.calls.models import Call
from eu_watch.calls.schemas import CallListPage, CallRead, CallTombstone, MatchSummary
from eu_watch.calls.service import call_service
from eu_watch.cordis.service import cordis_service
from eu_watch.matching.policies import (
    ROLES,
    CallProfile,
    Match,
    call_profile,
    consortia,
    rank,
    roles_of,
    score,
    score_plan,
    statuses_for_actor,
)
from eu_watch.matching.schemas import (
    ActorMatch,
    ConsortiumMember,
    ConsortiumSuggestion,
    MatchList,
    PartnerSuggestions,
)
from kit.identity import Identity
from kit.paging import NUMBER, PageParams, decode_cursor, encode_cursor
from kit.problems import InvalidInput

#: Members read beyond a page of matches, whom the EU-projects point may lift into it.
EU_PROJECTS_MARGIN = 50
#: How many calls ``for_actor`` ranks at most (open and forthcoming ones come first anyway).
FOR_ACTOR_CALLS = 20_000


class CallFields(Protocol):
    """What matching reads of a call: a ``Call``, or a row of ``CALL_PROFILE_COLUMNS``."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def themes(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def cross_cutting_priorities(self) -> Sequence[str]: ...
    @property
    def type_of_action(self) -> str | None: ...
    @property
    def regions(self) -> Sequence[str]: ...


def profile_of(call: CallFields) -> CallProfile:
    return call_profile(
        call_id=call.id,
        themes=call.themes,
        keywords=call.keywords,
        priorities=call.cross_cutting_priorities,
        type_of_action=call.type_of_action,
        regions=call.regions,
    )


def to_match(match: Match) -> ActorMatch:
    return ActorMatch(
        actor_id=match.actor.id,
        name=match.actor.name,
        types=sorted(match.actor.types),
        region=match.actor.region,
        score=match.score,
        reasons=match.reasons,
    )


#: How deep the ranking of a call's matches may be paged: a page at offset n reads and scores
#: n + limit actors, so a forged cursor must not make one request score the whole directory.
MAX_MATCHES_OFFSET = 1000


class MatchingService:
    async def matches(
        self,
        session: AsyncSession,
        *,
        call_id: uuid.UUID,
        actors: ActorFilters,
        limit: int,
        after: str | None = None,
    ) -> MatchList:
        """One page of the ranking; the cursor is the offset of the next page (the ranking
        is deterministic, so the pages put end to end are the one long page)."""
        offset = NUMBER.decode(after) or 0
        if offset < 0:
            raise InvalidInput("query.after", "not a cursor returned by this API")
        if offset > MAX_MATCHES_OFFSET:  # each page reads and scores every rank before it
            raise InvalidInput(
                "query.after", f"matches go {MAX_MATCHES_OFFSET} deep; narrow the filters"
            )
        call = await call_service.get(session, call_id=call_id)
        profile = profile_of(call)
        end = offset + limit
        # The database ranks by the plan's points and reads only the best; the policy scores
        # them again with their reasons (in the same order: the points are the same). A few
        # more are read so that the EU-projects point (CORDIS) may lift one into the page.
        best = await known_actor_repository.best_scored(
            session, score_plan(profile), actors, limit=end + EU_PROJECTS_MARGIN
        )
        ranked = await self._with_eu_projects(session, call, rank(profile, best))
        return MatchList(
            call_id=call.id,
            items=[to_match(m) for m in ranked[offset:end]],
            next=NUMBER.encode(end) if len(ranked) > end else None,
        )

    async def partners(
        self, session: AsyncSession, *, call_id: uuid.UUID, lead_id: uuid.UUID, identity: Identity
    ) -> PartnerSuggestions:
        if not identity.acts_for(lead_id):
            raise NotYourActor("Members suggest consortia for their own actor only.")
        lead = await self._member(session, lead_id, field="query.lead")
        call = await call_service.get(session, call_id=call_id)
        profile = profile_of(call)
        ranked = rank(profile, await self._candidates(session, profile, ActorFilters()))
        own = score(profile, lead)
        ranked = await self._with_eu_projects(
            session, call, [*ranked, *([own] if own is not None else [])]
        )
        ranked = [m for m in ranked if m is not own]
        suggestions = [
            ConsortiumSuggestion(
                members=[
                    ConsortiumMember(**to_match(m).model_dump(), role=role, why=why)
                    for m, role, why in consortium.members
                ],
                regions=consortium.regions,
            )
            for consortium in consortia(lead, ranked)
        ]
        return PartnerSuggestions(
            call_id=call.id,
            lead=to_match(own) if own is not None else None,
            missing_roles=[role for role in ROLES if role not in roles_of(lead)],
            suggestions=suggestions,
        )

    async def calls_for_actor(
        self,
        session: AsyncSession,
        *,
        actor_id: uuid.UUID,
        identity: Identity,
        filters: CallFilters,
        paging: PageParams,
    ) -> CallListPage:
        """The calls the filters select that suit the actor, best first, with reasons."""
        if not identity.acts_for(actor_id):
            raise NotYourActor("A member sees the calls of its own actor only.")
        actor = await self._member(session, actor_id, field="query.for_actor")
        filters = replace(filters, statuses=statuses_for_actor(filters.statuses))
        offset = 0
        if paging.after:
            (offset,) = decode_cursor(paging.after, arity=1)
            if not isinstance(offset, int) or offset < 0:
                raise InvalidInput("query.after", "not a cursor returned by this API")
        # Only the calls sharing a theme or a word with the actor can score (``score()``
        # gives None to the others): the database selects them, as narrow rows, in the list's
        # order; the policy scores them, and only the page's calls are read whole.
        rows = await call_service.could_suit(
            session,
            filters=filters,
            themes=actor.themes,
            stems=actor.description_terms.split(),
            within=FOR_ACTOR_CALLS,
        )
        scored: list[tuple[Match, uuid.UUID]] = []
        projects = await cordis_service.projects_of(session, actor_id)
        for row in rows:
            match = score(profile_of(row), actor)
            if match is not None:
                found = cordis_service.reason_for(row, projects)
                if found is not None:
                    match.score += found["points"]
                    match.reasons.append(found)
                scored.append((match, row.id))
        scored.sort(key=lambda pair: -pair[0].score)  # stable: soonest deadline first on ties
        page = scored[offset : offset + paging.limit]
        more = len(scored) > offset + paging.limit
        calls = await call_service.by_ids(session, [call_id for _, call_id in page])
        items: list[CallRead | CallTombstone] = []
        for (match, _), call in zip(page, calls, strict=True):
            read = call_service.to_read(call)
            items.append(
                read.model_copy(
                    update={"match": MatchSummary(score=match.score, reasons=match.reasons)}
                )
            )
        return CallListPage(
            items=items,
            next=encode_cursor([offset + paging.limit]) if more else None,
        )

    async def _with_eu_projects(
        self, session: AsyncSession, call: Call, ranked: list[Match]
    ) -> list[Match]:
        """The matches with "took part in N EU projects on these topics" among the reasons
        of the actors the CORDIS import knows (its points added), ranked again."""
        reasons = await cordis_service.reasons(session, call, [m.actor.id for m in ranked])
        for match in ranked:
            found = reasons.get(match.actor.id)
            if found is not None:
                match.score += found["points"]
                match.reasons.append(found)
        return sorted(ranked, key=lambda m: (-m.score, m.actor.name.lower(), str(m.actor.id)))

    async def _candidates(
        self, session: AsyncSession, profile: CallProfile, actors: ActorFilters
    ) -> list[ActorProfile]:
        """The actors that may match: a theme or a term of the call in common."""
        stems = {stem for _, term_stems in profile.terms for stem in term_stems}
        return list(
            await known_actor_repository.profiles(
                session, actors, themes=profile.themes.keys(), stems=stems
            )
        )

    async def _member(
        self, session: AsyncSession, actor_id: uuid.UUID, *, field: str
    ) -> ActorProfile:
        actor = await known_actor_repository.profile(session, actor_id)
        if actor is None or not actor.member or not actor.active:
            raise InvalidInput(field, "not an active member of the network")
        return actor


matching_service = MatchingService()
