"""answer values and response cuts: results counted in the database

Every submitted response gets its counted form: one ``answer_values`` row per atom of an
answer (``surveys.results.tally``), one ``response_cuts`` row (the respondent's attributes as
snapshotted at submission, else as the projection knows the actor; the training of a
satisfaction response) and its ``response_tags`` (types, clubs, themes, training themes).
Results, crosstabs and indicators become GROUP BY queries over them. The responses submitted
before this revision are backfilled here, in batches.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from kit.sqltypes import Json, UtcDateTime
from surveys.results.cuts import attributes_of
from surveys.results.tally import MAX_ATOM_TEXT, atoms_of

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARIS = ZoneInfo("Europe/Paris")
BATCH = 500


def upgrade() -> None:
    op.create_table(
        "answer_values",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=64), nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_answer_values_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "question", "item", name=op.f("pk_answer_values")),
    )
    op.create_index(
        "ix_answer_values_survey_question",
        "answer_values",
        ["survey_id", "question", "item", "text", "number"],
    )
    op.create_table(
        "response_cuts",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("from_profile", sa.Boolean(), nullable=False),
        sa.Column("circle", sa.SmallInteger(), nullable=True),
        sa.Column("department", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("member", sa.Boolean(), nullable=True),
        sa.Column("training", sa.String(length=36), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_cuts_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_response_cuts")),
    )
    op.create_index("ix_response_cuts_survey_id_version", "response_cuts", ["survey_id", "version"])
    op.create_index(op.f("ix_response_cuts_actor_id"), "response_cuts", ["actor_id"])
    op.create_table(
        "response_tags",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("attribute", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_tags_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "attribute", "value", name=op.f("pk_response_tags")),
    )
    op.create_index("ix_response_tags_attribute_value", "response_tags", ["attribute", "value"])
    _backfill(op.get_bind())


RESPONSES = sa.table(
    "responses",
    sa.column("id", sa.Uuid()),
    sa.column("survey_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("invitation_id", sa.Uuid()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("profile", Json),
    sa.column("answers", Json),
    sa.column("status", sa.String()),
)
VERSIONS = sa.table(
    "survey_versions",
    sa.column("survey_id", sa.Uuid()),
    sa.column("number", sa.Integer()),
    sa.column("definition", Json),
)
ACTORS = sa.table(
    "known_actors",
    sa.column("id", sa.Uuid()),
    sa.column("circle", sa.SmallInteger()),
    sa.column("types", Json),
    sa.column("clubs", Json),
    sa.column("themes", Json),
    sa.column("department", sa.String()),
    sa.column("region", sa.String()),
    sa.column("member", sa.Boolean()),
)
FEEDBACK = sa.table(
    "training_feedback",
    sa.column("invitation_id", sa.Uuid()),
    sa.column("event_id", sa.Uuid()),
    sa.column("event_themes", Json),
    sa.column("event_starts_at", UtcDateTime()),
)
VALUES = sa.table(
    "answer_values",
    sa.column("response_id", sa.Uuid()),
    sa.column("question", sa.String()),
    sa.column("item", sa.String()),
    sa.column("survey_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("text", sa.String()),
    sa.column("number", sa.Float()),
)
CUTS = sa.table(
    "response_cuts",
    sa.column("response_id", sa.Uuid()),
    sa.column("survey_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("from_profile", sa.Boolean()),
    sa.column("circle", sa.SmallInteger()),
    sa.column("department", sa.String()),
    sa.column("region", sa.String()),
    sa.column("member", sa.Boolean()),
    sa.column("training", sa.String()),
    sa.column("year", sa.SmallInteger()),
)
TAGS = sa.table(
    "response_tags",
    sa.column("response_id", sa.Uuid()),
    sa.column("attribute", sa.String()),
    sa.column("value", sa.String()),
)


def _types(definition: dict[str, Any] | None) -> dict[str, str]:
    return {
        str(q["code"]): str(q.get("type"))
        for section in (definition or {}).get("sections") or []
        for q in section.get("questions") or []
        if q.get("code")
    }


def _backfill(bind: sa.Connection) -> None:
    """The counted form of every response submitted before this revision (the same atoms
    and cuts as ``surveys.answers.service`` writes)."""
    types = {
        (row.survey_id, row.number): _types(row.definition)
        for row in bind.execute(sa.select(VERSIONS))
    }
    after = None
    while True:
        query = sa.select(RESPONSES).where(RESPONSES.c.status == "submitted")
        if after is not None:
            query = query.where(RESPONSES.c.id > after)
        rows = bind.execute(query.order_by(RESPONSES.c.id).limit(BATCH)).all()
        if not rows:
            return
        after = rows[-1].id
        actor_ids = [r.actor_id for r in rows if r.actor_id is not None and not r.profile]
        actors = {
            a.id: {
                "circle": a.circle,
                "types": a.types,
                "clubs": a.clubs,
                "themes": a.themes,
                "department": a.department,
                "region": a.region,
                "member": a.member,
            }
            for a in bind.execute(sa.select(ACTORS).where(ACTORS.c.id.in_(actor_ids)))
        }
        invitation_ids = [r.invitation_id for r in rows if r.invitation_id is not None]
        trainings = {
            f.invitation_id: f
            for f in bind.execute(
                sa.select(FEEDBACK).where(FEEDBACK.c.invitation_id.in_(invitation_ids))
            )
        }
        values, cuts, tags = [], [], []
        for row in rows:
            known = types.get((row.survey_id, row.version), {})
            for code, answer in (row.answers or {}).items():
                if code not in known:
                    continue
                for item, value in atoms_of(known[code], answer):
                    values.append(
                        {
                            "response_id": row.id,
                            "question": code,
                            "item": item,
                            "survey_id": row.survey_id,
                            "version": row.version,
                            "text": value if isinstance(value, str) else None,
                            "number": float(value) if isinstance(value, int | float) else None,
                        }
                    )
            source = row.profile or (actors.get(row.actor_id) if row.actor_id else None)
            attributes = attributes_of(source)
            training = trainings.get(row.invitation_id)
            starts = training.event_starts_at if training is not None else None
            cuts.append(
                {
                    "response_id": row.id,
                    "survey_id": row.survey_id,
                    "version": row.version,
                    "actor_id": row.actor_id,
                    "from_profile": bool(row.profile),
                    "circle": attributes.get("circle"),
                    "department": attributes.get("department"),
                    "region": attributes.get("region"),
                    "member": attributes.get("member"),
                    "training": str(training.event_id) if training is not None else None,
                    "year": starts.astimezone(PARIS).year if starts is not None else None,
                }
            )
            found = {name: attributes.get(name) or [] for name in ("type", "club", "theme")}
            if training is not None:
                found["training_theme"] = training.event_themes or []
            tags.extend(
                {"response_id": row.id, "attribute": name, "value": str(value)}
                for name, several in found.items()
                for value in sorted({str(v) for v in several})
                if len(value) <= MAX_ATOM_TEXT
            )
        bind.execute(sa.insert(CUTS), cuts)
        if values:
            bind.execute(sa.insert(VALUES), values)
        if tags:
            bind.execute(sa.insert(TAGS), tags)


def downgrade() -> None:
    op.drop_table("response_tags")
    op.drop_table("response_cuts")
    op.drop_table("answer_values")
