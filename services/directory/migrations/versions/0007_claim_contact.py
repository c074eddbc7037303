"""actor claims: the claimant's contact (where the decision is mailed) and language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actor_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "language", sa.String(length=5), server_default=sa.text("'fr'"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("actor_claims", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("contact_email")
