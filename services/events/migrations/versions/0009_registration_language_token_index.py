"""registrations: the registrant's language (for their messages); token_hash indexed (the
registrant's page finds a registration by its personal token)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "language", sa.String(length=5), server_default=sa.text("'fr'"), nullable=False
            )
        )
        batch_op.create_index("ix_registrations_token_hash", ["token_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_token_hash")
        batch_op.drop_column("language")
