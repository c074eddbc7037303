"""The counted form of submitted responses: atoms of answers and the respondent's cuts.

Written by the response service on every submission and every edit after it (the rows of a
response are replaced whole), deleted with the response (``ON DELETE CASCADE``), so results,
crosstabs and indicators are ``GROUP BY`` queries over these tables and never decode a
response.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db import Base


class AnswerValue(Base):
    """One atom of one submitted answer (see ``surveys.results.tally``)."""

    __tablename__ = "answer_values"
    __table_args__ = (
        # Covers the results' GROUP BY: every count of a survey reads this index alone.
        sa.Index(
            "ix_answer_values_survey_question", "survey_id", "question", "item", "text", "number"
        ),
    )

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: ``""`` for the answer itself; a choice, matrix row or split code otherwise.
    item: Mapped[str] = mapped_column(sa.String(64), primary_key=True, default="")
    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)
    #: A code, a date, ``yes``/``no`` (never free text: staff read that from the response).
    text: Mapped[str | None] = mapped_column(sa.String(64))
    #: A number, a scale point, a position in a ranking, a share.
    number: Mapped[float | None] = mapped_column(sa.Float)


class ResponseCut(Base):
    """What a submitted response is cut and filtered by: its respondent's attributes and, for
    a training's satisfaction survey, the training.

    Results reflect the actor **at response time**: its attributes are those of
    ``responses.profile``, the snapshot taken when the response was submitted
    (``from_profile``), so a wave keeps the picture of its year and a later change in the
    directory (a move, a new type) does not rewrite it. A response without a snapshot (written
    before snapshots existed) is cut by the actor as the projection knew it when its counted
    form was written (at the backfill, or at an edit after submission)."""

    __tablename__ = "response_cuts"
    __table_args__ = (sa.Index("ix_response_cuts_survey_id_version", "survey_id", "version"),)

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    from_profile: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    circle: Mapped[int | None] = mapped_column(sa.SmallInteger)
    department: Mapped[str | None] = mapped_column(sa.String(3))
    region: Mapped[str | None] = mapped_column(sa.String(2))
    member: Mapped[bool | None] = mapped_column(sa.Boolean)
    #: The training (event id) whose attendance the respondent was invited after, and its year.
    training: Mapped[str | None] = mapped_column(sa.String(36))
    year: Mapped[int | None] = mapped_column(sa.SmallInteger)


class ResponseTag(Base):
    """One value of a multi-valued cut of a response (``type``, ``club``, ``theme``,
    ``training_theme``)."""

    __tablename__ = "response_tags"
    __table_args__ = (sa.Index("ix_response_tags_attribute_value", "attribute", "value"),)

    response_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    attribute: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


class AnswerCount(Base):
    """How many submitted responses of one survey version gave one atom: the unfiltered
    ``GROUP BY`` over ``answer_values``, held ahead.

    Kept by database triggers on ``answer_values`` (migration 0009): +1 per atom inserted, -1
    per atom deleted, so a response's rows replaced at an edit and a response deleted (its
    atoms go by ``ON DELETE CASCADE``) keep it right whatever wrote them. On PostgreSQL they
    count at the commit (migration 0011): a transaction does not see its own atoms counted
    before it commits. A survey's results
    without filter read these few rows (about 2,000 for 40 questions) instead of counting its
    hundreds of thousands of atoms; filtered results still count the atoms they keep.
    ``value_key`` is the value as one non-null key (``t:`` text, ``n:`` number, or ``''``),
    computed by the triggers only; rows may stay at 0."""

    __tablename__ = "answer_counts"

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    question: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    item: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value_key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    text: Mapped[str | None] = mapped_column(sa.String(64))
    number: Mapped[float | None] = mapped_column(sa.Float)
    respondents: Mapped[int] = mapped_column(sa.Integer)
