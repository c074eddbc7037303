"""webhook operations: endpoint state, failure tracking, per-record ordering

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import create_outbox_table, drop_outbox_table

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failing_since", kit.sqltypes.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ordering_key", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_webhook_deliveries_ordering",
            ["endpoint_id", "ordering_key", "status", "created_at"],
        )
    # The kit's outbox (the inbox came with 0003): the gateway now emits events too.
    create_outbox_table()


def downgrade() -> None:
    drop_outbox_table()
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_ordering")
        batch_op.drop_column("ordering_key")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
