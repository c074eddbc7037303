"""actor claims

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:38:45.941346
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actor_claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_claims_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_claims")),
    )
    with op.batch_alter_table("actor_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_claims_actor_id"), ["actor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("actor_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_claims_actor_id"))

    op.drop_table("actor_claims")
