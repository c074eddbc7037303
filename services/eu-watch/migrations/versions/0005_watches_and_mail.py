"""watches and the mail outbox

``watches`` are saved searches that notify a member (or the network) of calls new to them;
``watch_notifications`` holds one row per watch and call ever told (or known when the watch
was made), which makes each call reach a watch once. The kit's mail outbox carries the alerts,
digests and reminders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import create_mail_tables, drop_mail_tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_mail_tables()
    op.create_table(
        "watches",
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("themes", kit.sqltypes.Json, nullable=False),
        sa.Column("programmes", kit.sqltypes.Json, nullable=False),
        sa.Column("types_of_action", kit.sqltypes.Json, nullable=False),
        sa.Column("keywords", kit.sqltypes.Json, nullable=False),
        sa.Column("funder", sa.String(length=200), nullable=True),
        sa.Column("min_budget", sa.Float(), nullable=True),
        sa.Column("deadline_within_days", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("channels", kit.sqltypes.Json, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
    )
    op.create_index(
        "ix_watches_actor_id_created_at_id", "watches", ["actor_id", "created_at", "id"]
    )
    op.create_index(op.f("ix_watches_updated_at"), "watches", ["updated_at"])
    op.create_table(
        "watch_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("watch_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("found_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("digest_week", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_watch_notifications_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watches.id"],
            name=op.f("fk_watch_notifications_watch_id_watches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_notifications")),
        sa.UniqueConstraint("watch_id", "call_id", name="uq_watch_notifications_watch_id_call_id"),
    )
    op.create_index(op.f("ix_watch_notifications_call_id"), "watch_notifications", ["call_id"])
    op.create_index(
        "ix_watch_notifications_watch_id_delivered_at",
        "watch_notifications",
        ["watch_id", "delivered_at"],
    )


def downgrade() -> None:
    op.drop_table("watch_notifications")
    op.drop_table("watches")
    drop_mail_tables()
