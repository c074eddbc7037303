"""registrations: seats held as pending_email until the mailed link is opened
(hold_expires_at, indexed with the status for the expiry sweep; client_key for the per-client
bound)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.sqltypes import UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_expires_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_registrations_status_hold_expires_at", ["status", "hold_expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_status_hold_expires_at")
        batch_op.drop_column("client_key")
        batch_op.drop_column("hold_expires_at")
