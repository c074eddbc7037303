"""Accent-insensitive French full text, identical on SQLite and PostgreSQL.

Text is folded (accents and case removed) and stemmed with the Snowball French stemmer —
the algorithm PostgreSQL's ``french_stem`` uses — in Python, and the stems are stored in
``actor_search``. PostgreSQL indexes them in a generated ``tsvector`` (GIN), SQLite in an
FTS5 table kept in sync by triggers. Doing the linguistics once, here, means both backends
find exactly the same actors: ``musee`` finds ``Muséum``, ``echosciences`` finds
``ÉchoSciences``.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor, ActorSearch
from kit.fulltext import MAX_QUERY_TERMS, fts5_match, query_terms, terms, tsquery_text

__all__ = [
    "MAX_QUERY_TERMS",
    "apply_match",
    "index_actor",
    "index_actors",
    "query_terms",
    "search_row",
    "terms",
    "unindex_actor",
]


async def index_actor(session: AsyncSession, actor: Actor) -> None:
    """Write the search terms of ``actor`` (insert or replace) in the same transaction."""
    name_terms = " ".join(terms(actor.name) + terms(actor.acronym))
    other_terms = " ".join(terms(actor.city) + terms(actor.description))
    existing = await session.scalar(sa.select(ActorSearch).where(ActorSearch.actor_id == actor.id))
    if existing is None:
        session.add(ActorSearch(actor_id=actor.id, name_terms=name_terms, other_terms=other_terms))
    else:
        existing.name_terms = name_terms
        existing.other_terms = other_terms


def search_row(actor: Actor) -> dict[str, Any]:
    return {
        "actor_id": actor.id,
        "name_terms": " ".join(terms(actor.name) + terms(actor.acronym)),
        "other_terms": " ".join(terms(actor.city) + terms(actor.description)),
    }


async def index_actors(session: AsyncSession, actors: list[Actor]) -> None:
    """Index actors that have no search row yet (new ones), in one statement."""
    if actors:
        await session.execute(sa.insert(ActorSearch), [search_row(a) for a in actors])


async def unindex_actor(session: AsyncSession, actor_id: uuid.UUID) -> None:
    await session.execute(sa.delete(ActorSearch).where(ActorSearch.actor_id == actor_id))


_FTS = sa.table("actors_fts", sa.column("rowid"))


def apply_match(
    query: sa.Select[Any], dialect: str, stems: list[str]
) -> tuple[sa.Select[Any], sa.ColumnElement[float]]:
    """Restrict ``query`` to actors matching every stem as a prefix; return it and its rank.

    The rank is "higher is better" on both backends (SQLite's bm25 is negated); names and
    acronyms weigh ten times more than city and description.
    """
    query = query.join(ActorSearch, ActorSearch.actor_id == Actor.id)
    if dialect == "postgresql":
        tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery_text(stems))
        vector: sa.ColumnElement[Any] = sa.literal_column("actor_search.vector")
        return query.where(vector.op("@@")(tsquery)), sa.func.ts_rank(vector, tsquery)
    expression = fts5_match(stems)
    fts: sa.ColumnElement[Any] = sa.literal_column("actors_fts")
    query = query.join(_FTS, _FTS.c.rowid == ActorSearch.rowid_).where(fts.op("MATCH")(expression))
    return query, -sa.func.bm25(fts, 10.0, 1.0)
