"""trainings' own fields, sessions, per-session attendance and the history of changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Objectives, trainers, prerequisites and sessions of a training; per-session attendance
    # already lives in registrations.sessions_attended (keyed by session index).
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training", kit.sqltypes.Json, nullable=True))

    op.create_table(
        "event_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changed_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=True),
        sa.Column("changed_by_role", sa.String(length=20), nullable=True),
        sa.Column("changes", kit.sqltypes.Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_changes")),
    )
    with op.batch_alter_table("event_changes", schema=None) as batch_op:
        batch_op.create_index("ix_event_changes_event_id_id", ["event_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_event_changes_event_id_id")
    op.drop_table("event_changes")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("training")
