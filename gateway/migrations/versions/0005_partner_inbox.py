"""partner inbox: partners, their secrets and the received messages

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
    op.create_table(
        "partners",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("previous_secret", sa.String(length=128), nullable=True),
        sa.Column(
            "previous_secret_expires_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_partners")),
    )
    op.create_table(
        "partner_inbox_ids",
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("webhook_id", sa.String(length=255), nullable=False),
        sa.Column("received_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "webhook_id", name=op.f("pk_partner_inbox_ids")),
    )
    op.create_table(
        "partner_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("webhook_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("received_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_messages")),
    )
    with op.batch_alter_table("partner_messages", schema=None) as batch_op:
        batch_op.create_index("ix_partner_messages_due", ["status", "next_attempt_at"])
        batch_op.create_index("ix_partner_messages_record", ["partner", "record_id", "id"])
    op.create_table(
        "partner_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("request", sa.String(length=600), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_attempts")),
    )
    with op.batch_alter_table("partner_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_partner_attempts_message", ["message_id", "id"])


def downgrade() -> None:
    op.drop_table("partner_attempts")
    op.drop_table("partner_messages")
    op.drop_table("partner_inbox_ids")
    op.drop_table("partners")
