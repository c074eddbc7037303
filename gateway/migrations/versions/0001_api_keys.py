"""api keys

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:30:23.944170
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("actor_ids", kit.sqltypes.Json, nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("ix_api_keys_created_at_id", ["created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_api_keys_created_at_id")

    op.drop_table("api_keys")
