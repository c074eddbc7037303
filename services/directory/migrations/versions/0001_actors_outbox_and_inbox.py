"""actors, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:25:06.431108
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.sqltypes
from kit.migrations import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("acronym", sa.String(length=50), nullable=True),
        sa.Column("types", kit.sqltypes.Json, nullable=False),
        sa.Column("circle", sa.SmallInteger(), nullable=True),
        sa.Column("circle_set_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("circle_set_by", sa.String(length=120), nullable=True),
        sa.Column("themes", kit.sqltypes.Json, nullable=False),
        sa.Column("audiences", kit.sqltypes.Json, nullable=False),
        sa.Column("clubs", kit.sqltypes.Json, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("street", sa.String(length=300), nullable=True),
        sa.Column("postcode", sa.String(length=5), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("department", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("contacts", kit.sqltypes.Json, nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        sa.Column("member_since", sa.Date(), nullable=True),
        sa.Column("paid_until", sa.Date(), nullable=True),
        sa.Column("charter_signed_at", sa.Date(), nullable=True),
        sa.Column("ext_ids", kit.sqltypes.Json, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", kit.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
    )
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actors_commune_insee"), ["commune_insee"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_actors_department"), ["department"], unique=False)
        batch_op.create_index("ix_actors_name_key_id", ["name_key", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actors_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_actors_siret"), ["siret"], unique=False)
        batch_op.create_index(batch_op.f("ix_actors_updated_at"), ["updated_at"], unique=False)
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()

    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_updated_at"))
        batch_op.drop_index(batch_op.f("ix_actors_siret"))
        batch_op.drop_index(batch_op.f("ix_actors_region"))
        batch_op.drop_index("ix_actors_name_key_id")
        batch_op.drop_index(batch_op.f("ix_actors_department"))
        batch_op.drop_index(batch_op.f("ix_actors_commune_insee"))

    op.drop_table("actors")
