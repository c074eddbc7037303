"""webhook deliveries: partial indexes for the claim (pending) and the retention prune (finished)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "status = 'pending'"
FINISHED = "status IN ('succeeded', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        # Replaces (status, next_attempt_at): only pending rows, walked in claim order.
        batch_op.drop_index("ix_webhook_deliveries_due")
        batch_op.create_index(
            "ix_webhook_deliveries_pending",
            ["next_attempt_at"],
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
        batch_op.create_index(
            "ix_webhook_deliveries_finished",
            ["created_at"],
            postgresql_where=sa.text(FINISHED),
            sqlite_where=sa.text(FINISHED),
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_finished")
        batch_op.drop_index("ix_webhook_deliveries_pending")
        batch_op.create_index("ix_webhook_deliveries_due", ["status", "next_attempt_at"])
