"""calls, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:29:53.448621
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
        "calls",
        sa.Column("identifier", sa.String(length=120), nullable=False),
        sa.Column("call_identifier", sa.String(length=120), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("programme", sa.String(length=120), nullable=True),
        sa.Column("type_of_action", sa.String(length=120), nullable=True),
        sa.Column("opening_date", sa.Date(), nullable=True),
        sa.Column("deadlines", kit.sqltypes.Json, nullable=False),
        sa.Column("deadline_model", sa.String(length=40), nullable=True),
        sa.Column("budget", kit.sqltypes.Json, nullable=False),
        sa.Column("keywords", kit.sqltypes.Json, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("identifier", name=op.f("uq_calls_identifier")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_updated_at"), ["updated_at"], unique=False)
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_updated_at"))
        batch_op.drop_index("ix_calls_created_at_id")

    op.drop_table("calls")
