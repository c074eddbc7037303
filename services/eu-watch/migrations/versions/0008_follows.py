"""follows: calls members follow, and the deadline announcements made

``call_follows`` holds who follows which call (reminders before each cut-off);
``call_deadline_announcements`` one row per call, cut-off and threshold announced as
``eu_watch.call.deadline_approaching``, which makes each announcement once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_follows",
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_follows_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "call_id", name=op.f("pk_call_follows")),
    )
    op.create_index(op.f("ix_call_follows_call_id"), "call_follows", ["call_id"])
    op.create_table(
        "call_deadline_announcements",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("deadline", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("announced_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_deadline_announcements_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "call_id", "deadline", "days", name=op.f("pk_call_deadline_announcements")
        ),
    )


def downgrade() -> None:
    op.drop_table("call_deadline_announcements")
    op.drop_table("call_follows")
