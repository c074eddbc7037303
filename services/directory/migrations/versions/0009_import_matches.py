"""import_jobs.matches: which rule matched each row to an existing actor

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs") as batch:
        batch.add_column(
            sa.Column("matches", kit.sqltypes.Json, nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("import_jobs") as batch:
        batch.drop_column("matches")
