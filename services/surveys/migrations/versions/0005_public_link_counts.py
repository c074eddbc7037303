"""public link counts: the public link's own rate limit

Per survey and minute, how many responses the public link started from one client (a keyed
hash of its address) and from everyone (``*``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:00:00
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
        "public_link_counts",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("window_start", kit.sqltypes.UtcDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_public_link_counts_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "survey_id", "client", "window_start", name=op.f("pk_public_link_counts")
        ),
    )


def downgrade() -> None:
    op.drop_table("public_link_counts")
