"""surveys, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:29:18.533313
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "surveys",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("languages", kit.sqltypes.Json, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opens_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closes_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("audience", kit.sqltypes.Json, nullable=False),
        sa.Column("questions", kit.sqltypes.Json, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index("ix_surveys_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_updated_at"), ["updated_at"], unique=False)
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_updated_at"))
        batch_op.drop_index(batch_op.f("ix_surveys_status"))
        batch_op.drop_index("ix_surveys_created_at_id")

    op.drop_table("surveys")
