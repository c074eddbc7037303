"""questionnaires versions invitations responses actors

Surveys get an fr/en title, a series, sections and the lifecycle dates; their published
versions, invitations, responses and the projection of directory actors get tables. Surveys
written before keep their questions, moved into one section (old types and conditions
translated).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 08:35:37.659058
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_actors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("types", kit.sqltypes.Json, nullable=False),
        sa.Column("circle", sa.SmallInteger(), nullable=True),
        sa.Column("clubs", kit.sqltypes.Json, nullable=False),
        sa.Column("themes", kit.sqltypes.Json, nullable=False),
        sa.Column("department", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_actors")),
    )
    with op.batch_alter_table("known_actors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_actors_circle"), ["circle"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_known_actors_department"), ["department"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_known_actors_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_known_actors_status"), ["status"], unique=False)

    op.create_table(
        "invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_invitations_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token", name=op.f("uq_invitations_token")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(
            "ix_invitations_survey_id_created_at_id",
            ["survey_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_invitations_survey_actor",
            ["survey_id", "actor_id"],
            unique=True,
            sqlite_where=sa.text("actor_id IS NOT NULL"),
            postgresql_where=sa.text("actor_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_invitations_survey_email",
            ["survey_id", "email"],
            unique=True,
            sqlite_where=sa.text("actor_id IS NULL AND email IS NOT NULL"),
            postgresql_where=sa.text("actor_id IS NULL AND email IS NOT NULL"),
        )

    op.create_table(
        "responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("respondent_key", sa.String(length=64), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("profile", kit.sqltypes.Json, nullable=True),
        sa.Column("answers", kit.sqltypes.Json, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("respondent_key", name=op.f("uq_responses_respondent_key")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responses_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_responses_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(
            "ix_responses_survey_id_status", ["survey_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_responses_invitation_id",
            ["invitation_id"],
            unique=True,
            sqlite_where=sa.text("invitation_id IS NOT NULL"),
            postgresql_where=sa.text("invitation_id IS NOT NULL"),
        )

    op.create_table(
        "survey_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", kit.sqltypes.Json, nullable=False),
        sa.Column("published_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_versions_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint("survey_id", "number", name=op.f("uq_survey_versions_survey_id")),
    )
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_versions_survey_id"), ["survey_id"], unique=False
        )

    _upgrade_surveys()


def downgrade() -> None:
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_versions_survey_id"))

    op.drop_table("survey_versions")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_responses_invitation_id",
            sqlite_where=sa.text("invitation_id IS NOT NULL"),
            postgresql_where=sa.text("invitation_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_responses_survey_id_status")
        batch_op.drop_index(batch_op.f("ix_responses_survey_id"))
        batch_op.drop_index(batch_op.f("ix_responses_actor_id"))

    op.drop_table("responses")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invitations_survey_email",
            sqlite_where=sa.text("actor_id IS NULL AND email IS NOT NULL"),
            postgresql_where=sa.text("actor_id IS NULL AND email IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_invitations_survey_actor",
            sqlite_where=sa.text("actor_id IS NOT NULL"),
            postgresql_where=sa.text("actor_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_invitations_survey_id_created_at_id")
        batch_op.drop_index(batch_op.f("ix_invitations_survey_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_status"))
        batch_op.drop_index(batch_op.f("ix_invitations_actor_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("known_actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_actors_status"))
        batch_op.drop_index(batch_op.f("ix_known_actors_region"))
        batch_op.drop_index(batch_op.f("ix_known_actors_department"))
        batch_op.drop_index(batch_op.f("ix_known_actors_circle"))

    op.drop_table("known_actors")
    _downgrade_surveys()


_OLD_TYPES = {
    "text": "short_text",
    "long_text": "long_text",
    "number": "decimal",
    "single_choice": "single_choice",
    "multiple_choice": "multiple_choice",
    "scale": "scale",
    "date": "date",
    "boolean": "yes_no",
}


def _section_of(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions of a survey written before sections, as one section."""
    if not questions:
        return []
    moved = []
    for question in questions:
        new = {k: v for k, v in question.items() if k not in ("type", "show_if")}
        new["type"] = _OLD_TYPES.get(question.get("type", ""), "short_text")
        old_condition = question.get("show_if")
        if isinstance(old_condition, dict) and "code" in old_condition:
            new["show_if"] = {
                "q": old_condition["code"],
                "op": "eq",
                "value": old_condition.get("equals"),
            }
        if new["type"] == "scale":
            new.setdefault("min", 1)
            new.setdefault("max", 5)
        moved.append(new)
    return [{"title": {"fr": "Questions"}, "questions": moved}]


def _upgrade_surveys() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_i18n", kit.sqltypes.Json, nullable=True))
        batch_op.add_column(sa.Column("description", kit.sqltypes.Json, nullable=True))
        batch_op.add_column(sa.Column("series", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "allow_edit_after_submit", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("remind_after_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("public_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sections", kit.sqltypes.Json, nullable=True))
        batch_op.add_column(sa.Column("current_version", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("published_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closed_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("archived_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True)
        )
    surveys = sa.table(
        "surveys",
        sa.column("id", sa.Uuid()),
        sa.column("title", sa.String()),
        sa.column("questions", kit.sqltypes.Json),
        sa.column("title_i18n", kit.sqltypes.Json),
        sa.column("sections", kit.sqltypes.Json),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(surveys.c.id, surveys.c.title, surveys.c.questions)).all():
        bind.execute(
            surveys.update()
            .where(surveys.c.id == row.id)
            .values(title_i18n={"fr": row.title}, sections=_section_of(row.questions or []))
        )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("questions")
        batch_op.drop_column("audience")
        batch_op.drop_column("title")
        batch_op.alter_column("title_i18n", new_column_name="title", nullable=False)
        batch_op.alter_column("sections", existing_type=kit.sqltypes.Json, nullable=False)
        batch_op.create_index(batch_op.f("ix_surveys_series"), ["series"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_surveys_public_token"), ["public_token"])


def _downgrade_surveys() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_surveys_public_token"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_surveys_series"))
        batch_op.add_column(sa.Column("title_text", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("questions", kit.sqltypes.Json, nullable=True))
        batch_op.add_column(sa.Column("audience", kit.sqltypes.Json, nullable=True))
    surveys = sa.table(
        "surveys",
        sa.column("id", sa.Uuid()),
        sa.column("title", kit.sqltypes.Json),
        sa.column("sections", kit.sqltypes.Json),
        sa.column("title_text", sa.String()),
        sa.column("questions", kit.sqltypes.Json),
        sa.column("audience", kit.sqltypes.Json),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(surveys.c.id, surveys.c.title, surveys.c.sections)).all():
        questions = [q for section in row.sections or [] for q in section.get("questions", [])]
        bind.execute(
            surveys.update()
            .where(surveys.c.id == row.id)
            .values(
                title_text=(row.title or {}).get("fr", "")[:300], questions=questions, audience={}
            )
        )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        for column in (
            "archived_at",
            "closed_at",
            "published_at",
            "current_version",
            "sections",
            "public_token",
            "remind_after_days",
            "allow_edit_after_submit",
            "series",
            "description",
            "title",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("title_text", new_column_name="title", nullable=False)
        batch_op.alter_column("questions", existing_type=kit.sqltypes.Json, nullable=False)
        batch_op.alter_column("audience", existing_type=kit.sqltypes.Json, nullable=False)
