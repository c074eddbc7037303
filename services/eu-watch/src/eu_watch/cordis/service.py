"""The CORDIS import (``maillage-eu-watch cordis-import FILE``) and what it adds to matches:
"took part in N EU projects on these topics". Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.calls.models import Call
from eu_watch.calls.search import word_stems, words
from eu_watch.cordis.dump import CordisDump
from eu_watch.cordis.models import CordisParticipation
from eu_watch.cordis.policies import ActorIndex, on_the_calls_topics, project_terms
from eu_watch.cordis.repository import cordis_repository
from eu_watch.cordis.schemas import CordisReport

#: Points of the reason: experience of EU projects on the call's topics.
EU_PROJECT_POINTS = 1
#: Projects named in the reason's sentence.
NAMED = 3


class CallTerms(Protocol):
    """What the EU-projects reason reads of a call (a ``Call``, or a row of its columns)."""

    @property
    def identifier(self) -> str: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def cross_cutting_priorities(self) -> Sequence[str]: ...


class CordisService:
    async def import_dump(
        self, session: AsyncSession, dump: CordisDump, *, now: datetime
    ) -> CordisReport:
        """Match every participant row to the network's actors and keep what they took part
        in (an import again replaces what an earlier one said)."""
        index = ActorIndex(await cordis_repository.organisations(session))
        participants = by_pic = by_name = 0
        matched: dict[tuple[uuid.UUID, str], tuple[str, str | None]] = {}
        for row in dump.organisations():
            participants += 1
            found = index.actor_for(row)
            if found is None:
                continue
            actor_id, how = found
            by_pic += how == "pic"
            by_name += how == "name_city"
            matched[(actor_id, row.project_id)] = (how, row.role)
        projects = {p.project_id: p for p in dump.projects({pid for _, pid in matched})}
        rows: list[dict[str, Any]] = []
        for (actor_id, project_id), (how, role) in matched.items():
            project = projects.get(project_id)
            if project is None:
                continue
            rows.append(
                {
                    "actor_id": actor_id,
                    "project_id": project_id[:20],
                    "acronym": project.acronym[:100],
                    "title": project.title[:600],
                    "topics": list(project.topics),
                    "programme": (project.programme or "")[:40] or None,
                    "start_date": project.start_date,
                    "role": (role or "")[:40] or None,
                    "matched_by": how,
                    "terms": project_terms(project.title, project.objective),
                    "imported_at": now,
                }
            )
        await cordis_repository.store(session, rows)
        return CordisReport(
            participants=participants,
            matched=by_pic + by_name,
            by_pic=by_pic,
            by_name_and_city=by_name,
            actors=len({r["actor_id"] for r in rows}),
            projects=len({r["project_id"] for r in rows}),
        )

    async def reasons(
        self, session: AsyncSession, call: Call, actor_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        """Per actor that took part in EU projects on the call's topics, the reason saying
        so (the projects named, the most recent first)."""
        participations = await cordis_repository.of_actors(session, actor_ids)
        found: dict[uuid.UUID, dict[str, Any]] = {}
        for actor_id, projects in participations.items():
            said = self.reason_for(call, projects)
            if said is not None:
                found[actor_id] = said
        return found

    async def projects_of(
        self, session: AsyncSession, actor_id: uuid.UUID
    ) -> list[CordisParticipation]:
        """The EU projects one actor took part in (for its calls, ``for_actor``)."""
        return (await cordis_repository.of_actors(session, [actor_id])).get(actor_id, [])

    def reason_for(
        self, call: CallTerms, projects: Sequence[CordisParticipation]
    ) -> dict[str, Any] | None:
        """The reason "took part in N EU projects on these topics", or None."""
        if not projects:
            return None
        call_terms = [
            frozenset(word_stems(w)[0] for w in words(term))
            for term in (*call.keywords, *call.cross_cutting_priorities)
        ]
        on_topics = [
            p
            for p in projects
            if on_the_calls_topics(
                call_identifier=call.identifier,
                call_terms=call_terms,
                project_topics=p.topics,
                terms=p.terms,
            )
        ]
        return reason(on_topics) if on_topics else None


def reason(projects: Sequence[Any]) -> dict[str, Any]:
    count = len(projects)
    named = ", ".join(p.acronym for p in projects[:NAMED]) + (", …" if count > NAMED else "")
    plural = "s" if count > 1 else ""
    return {
        "kind": "eu_projects",
        "points": EU_PROJECT_POINTS,
        "count": count,
        "projects": [p.project_id for p in projects],
        "text": f"Took part in {count} EU project{plural} on these topics ({named}).",
    }


cordis_service = CordisService()
