"""Actors as last announced by the directory, with what matching reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.sqltypes import UtcDateTime


def spaced(words: Iterable[str]) -> str:
    """``words`` as `` a b c ``: each word between spaces, so ``LIKE '% b %'`` finds it."""
    joined = " ".join(dict.fromkeys(words))
    return f" {joined} " if joined else ""


class KnownActor(Base):
    __tablename__ = "known_actors"
    __table_args__ = (sa.Index("ix_known_actors_status_member", "status", "member"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    #: ``name.lower()`` as Python lowers it: matches are ranked by name on ties, in the
    #: database as in :func:`eu_watch.matching.policies.rank`.
    name_key: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Codes and stems are kept as words between spaces (`` museum library ``), as matching
    #: reads them (``LIKE '% museum %'`` for the types); themes and stems are also rows of
    #: ``known_actor_terms``, through which a call's matches are found.
    types: Mapped[str] = mapped_column(sa.Text, default="")
    circle: Mapped[int | None] = mapped_column(sa.SmallInteger)
    themes: Mapped[str] = mapped_column(sa.Text, default="")
    #: English and French stems of the name and description (what call terms meet).
    description_terms: Mapped[str] = mapped_column(sa.Text, default="")
    department: Mapped[str | None] = mapped_column(sa.String(3))
    region: Mapped[str | None] = mapped_column(sa.String(2))
    member: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    #: The EU Participant Identification Code (``ext_ids.pic``): CORDIS names organisations
    #: by it.
    pic: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    #: The name and the city folded to plain words (CORDIS rows without a known PIC are
    #: matched on both).
    plain_name: Mapped[str] = mapped_column(sa.String(300), default="")
    plain_city: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    merged_into: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class KnownActorTerm(Base):
    """One word an actor is matched by: ``theme:<theme>`` for each of its themes, and each
    stem of its name and description (what :func:`eu_watch.matching.policies.score` reads).

    Written with the actor at consume time, so the database finds and scores the actors a call
    may suit through the ``(term, actor_id)`` key, without reading every actor."""

    __tablename__ = "known_actor_terms"
    __table_args__ = (sa.Index("ix_known_actor_terms_actor_id", "actor_id"),)

    term: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
