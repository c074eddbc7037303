"""observatory: result settings, indicators, training feedback; mail outbox and leases

Results get their publication and threshold k per survey, indicators follow a question across
a series' waves, training attendees wait for their satisfaction invitation; the service gains
the kit's mail outbox (invitations are mailed) and leases (periodic work, one replica).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import (
    create_lease_table,
    create_mail_tables,
    drop_lease_table,
    drop_mail_tables,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_settings",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("k", sa.SmallInteger(), nullable=False),
        sa.Column("published_at", kit.sqltypes.UtcDateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_result_settings_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", name=op.f("pk_result_settings")),
    )
    op.create_table(
        "indicators",
        sa.Column("name", kit.sqltypes.Json, nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("question", sa.String(length=50), nullable=False),
        sa.Column("measure", sa.String(length=10), nullable=False),
        sa.Column("answers", kit.sqltypes.Json, nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    op.create_index("ix_indicators_created_at_id", "indicators", ["created_at", "id"])
    op.create_index(op.f("ix_indicators_series"), "indicators", ["series"])
    op.create_index(op.f("ix_indicators_public"), "indicators", ["public"])
    op.create_index(op.f("ix_indicators_updated_at"), "indicators", ["updated_at"])
    op.create_table(
        "training_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_title", sa.String(length=300), nullable=False),
        sa.Column("event_themes", kit.sqltypes.Json, nullable=False),
        sa.Column("event_starts_at", kit.sqltypes.UtcDateTime(), nullable=True),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("attended_at", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.Column("due_at", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invitation_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_feedback")),
        sa.UniqueConstraint("event_id", "email", name=op.f("uq_training_feedback_event_id")),
    )
    op.create_index("ix_training_feedback_status_due_at", "training_feedback", ["status", "due_at"])
    op.create_index(op.f("ix_training_feedback_survey_id"), "training_feedback", ["survey_id"])
    create_mail_tables()
    create_lease_table()


def downgrade() -> None:
    drop_lease_table()
    drop_mail_tables()
    op.drop_table("training_feedback")
    op.drop_table("indicators")
    op.drop_table("result_settings")
