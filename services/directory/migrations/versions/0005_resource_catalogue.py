"""resource catalogue

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:53:21.745694
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
        "resources",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("title_key", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("themes", kit.sqltypes.Json, nullable=False),
        sa.Column("audiences", kit.sqltypes.Json, nullable=False),
        sa.Column("loan_available", sa.Boolean(), nullable=False),
        sa.Column("loan_conditions", sa.Text(), nullable=True),
        sa.Column("loan_price_eur", sa.Float(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["actors.id"], name=op.f("fk_resources_owner_id_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resources_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resources_loan_available"), ["loan_available"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resources_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_resources_title_key_id", ["title_key", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resources_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resources_updated_at"))
        batch_op.drop_index("ix_resources_title_key_id")
        batch_op.drop_index(batch_op.f("ix_resources_owner_id"))
        batch_op.drop_index(batch_op.f("ix_resources_loan_available"))
        batch_op.drop_index(batch_op.f("ix_resources_kind"))

    op.drop_table("resources")
